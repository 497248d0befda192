// `npm run bench:stores`: what a revocation check costs with each store. Prints figures measured
// in this run: the store call alone (memory, Redis), and GET /demopage against GET /health over
// HTTP on Node (memory, Redis) and on workerd under wrangler dev (Workers KV, simulated locally).
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { parseConfig } from '../src/config'
import { redisStores } from '../src/runtime/node/redis'
import { memoryRevocations } from '../src/stores/revocations'
import { createAccessTokens } from '../src/tokens/access-token'
import { freePort } from './emulator'
import { startRedis } from './redis-server'
import { runtimeCommand, type Runtime } from './runtimes'

const root = resolve(import.meta.dirname, '..')
const env = {
  COGNITO_USER_POOL_ID: 'local_bench', COGNITO_CLIENT_ID: 'bench', COGNITO_ENDPOINT: 'http://127.0.0.1:9',
  JWT_SECRET: 'bench-secret-of-at-least-32-bytes-0123456789',
}
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`

async function timeEach(n: number, op: () => unknown): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await op()
    times.push(performance.now() - t)
  }
  return times
}

async function serve(runtime: Runtime, extra: Record<string, string>) {
  const port = await freePort()
  const { command, args, env: childEnv } = runtimeCommand(runtime, { root, host: '127.0.0.1', port, inspectorPort: await freePort(), env: { ...env, ...extra } })
  const child = spawn(command, args, { cwd: root, env: { ...childEnv, CI: 'true' }, stdio: 'ignore', detached: true })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300 && !(await fetch(`${base}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100))
  return { base, stop: () => process.kill(-child.pid!, 'SIGTERM') }
}

const tokens = createAccessTokens(parseConfig(env).jwt, () => Date.now())
const identity = { sub: 's', email: 'e@example.com', username: 'u', mode: 'm', groups: [] }
const redis = await startRedis()
try {
  console.log('store call alone (isEnded, the bearer check: the session and its user\'s cut-off, sequential):')
  const memory = memoryRevocations(() => Date.now())
  for (let i = 0; i < 10_000; i++) await memory.endSession(`sid-${i}`, Math.floor(Date.now() / 1000) + 900)
  const probe = { sid: 'absent', sub: 'someone', since: Date.now() }
  const m = await timeEach(100_000, () => memory.isEnded(probe))
  const stores = redisStores(redis.url, () => Date.now())
  const r = stores.revocations
  await r.accountOf('warm-up')
  const rr = await timeEach(5_000, () => r.isEnded(probe))
  await stores.close()
  console.log(`  memory  p50 ${us(percentile(m, 0.5))}  p99 ${us(percentile(m, 0.99))}`)
  console.log(`  redis   p50 ${us(percentile(rr, 0.5))}  p99 ${us(percentile(rr, 0.99))}  (loopback, redis-server ${redis.url})`)

  console.log('\nover HTTP, 1000 sequential requests each: /demopage (verify + revocation check) against /health:')
  const { token } = await tokens.issue(identity)
  const auth = { headers: { Authorization: `Bearer ${token}` } }
  for (const [label, runtime, extra] of [
    ['node, memory', 'node', {}],
    ['node, redis', 'node', { REDIS_URL: redis.url }],
    ['workerd, KV (local simulation)', 'workers', {}],
  ] as const) {
    const s = await serve(runtime, extra)
    try {
      await timeEach(200, () => fetch(`${s.base}/demopage`, auth).then((x) => x.text())) // warm-up
      const h = await timeEach(1000, () => fetch(`${s.base}/health`).then((x) => x.text()))
      const d = await timeEach(1000, () => fetch(`${s.base}/demopage`, auth).then((x) => x.text()))
      const [hp, dp] = [percentile(h, 0.5), percentile(d, 0.5)]
      console.log(`  ${label.padEnd(32)} /health p50 ${us(hp)}  /demopage p50 ${us(dp)}  difference ${us(dp - hp)}  ratio ${(dp / hp).toFixed(2)}`)
    } finally {
      s.stop()
    }
  }
} finally {
  await redis.stop()
}
