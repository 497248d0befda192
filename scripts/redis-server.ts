// A real redis-server (Debian's package) on a free loopback port, with nothing kept on disk:
// for the tests and the store benchmark.
import { spawn, spawnSync } from 'node:child_process'
import { freePort } from './emulator'

export type RedisServer = { url: string; stop(): Promise<void> }

export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does)')
  }
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG') {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on ${url}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done()
        child.once('exit', () => done())
        child.kill('SIGTERM')
      }),
  }
}
