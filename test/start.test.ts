// The main job on a fresh clone: `npm start` brings the service up on an embedded emulator.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../scripts/emulator'
import worker from '../src/runtime/workers/worker'
import { testEnv } from './support/harness'

const root = resolve(import.meta.dirname, '..')
const dirs: string[] = []
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

/** Runs `npm start`'s script until it prints `until`, then stops it and returns what it printed. */
async function runStart(env: Record<string, string>, drive: (baseUrl: string, output: () => string) => Promise<void>) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', 'node'], {
    cwd: root,
    env: { ...process.env, COGNITO_USER_POOL_ID: '', JWT_SECRET: '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (c) => (out += c))
  child.stderr.on('data', (c) => (out += c))
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    const deadline = Date.now() + 30_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${out}`)
      if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`)
      if (await fetch(`${baseUrl}/health`).then((r) => r.ok, () => false)) break
      await new Promise((r) => setTimeout(r, 150))
    }
    await drive(baseUrl, () => out)
  } finally {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
  return out
}

describe('npm start without COGNITO_USER_POOL_ID', () => {
  it('starts the emulator, makes a pool, prints the docs URL and the codes, and reuses the pool after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'npm-start-'))
    dirs.push(dir)
    const env = { COGNITO_LOCAL_DIR: dir, COGNITO_LOCAL_PORT: String(await freePort()) }
    const email = `start-${Date.now()}@example.com`

    const first = await runStart(env, async (baseUrl, output) => {
      const res = await fetch(`${baseUrl}/signup`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'newcomer', email, password: 'Passw0rd!', mode: 'light' }),
      })
      expect(res.status).toBe(201)
      const deadline = Date.now() + 5000
      while (!output().includes(`sign-up code for ${email}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      const code = new RegExp(`sign-up code for ${email}: (\\d+)`).exec(output())?.[1]
      expect(code).toMatch(/^\d{6}$/)
      const confirm = await fetch(`${baseUrl}/confirm?username=${encodeURIComponent(email)}&confirmation_code=${code}`, { method: 'POST' })
      expect(confirm.status).toBe(200)
    })
    expect(first).toMatch(/docs: http:\/\/127\.0\.0\.1:\d+\/docs/)
    // The README's sample of what npm start prints is what it prints (ports, pool, addresses and codes aside).
    const sample = /it prints the docs URL[\s\S]*?```\n([\s\S]*?)```/.exec(readFileSync(join(root, 'README.md'), 'utf8'))![1]!
    const shape = (text: string) => text.split('\n').map((l) => l.replace(/local_\w+/g, 'POOL').replace(/[\w.+-]+@example\.com/g, 'EMAIL').replace(/\d+/g, 'N').trim())
    const printed = new Set(shape(first))
    for (const line of shape(sample).filter((l) => l && !l.includes('password reset code'))) expect(printed, line).toContain(line)
    expect(first).toContain('JWT_SECRET not set: using a fresh random one')
    const pool = /pool (\S+),/.exec(first)?.[1]

    // After a restart the same pool, and the user signed up before, are still there.
    const second = await runStart(env, async (baseUrl) => {
      const res = await fetch(`${baseUrl}/signin`, { method: 'POST', body: new URLSearchParams({ username: email, password: 'Passw0rd!' }) })
      expect(res.status).toBe(200)
    })
    expect(/pool (\S+),/.exec(second)?.[1]).toBe(pool)
  }, 90_000)
})

describe('bad configuration', () => {
  it('stops the Node server at start with one line naming the variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/runtime/node/node.ts'], {
      cwd: root,
      env: { ...process.env, ...testEnv({ JWT_SECRET: 'too-short-secret' }), PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(result.status).toBe(1)
    expect(result.stderr.trim()).toBe('configuration error: JWT_SECRET must be at least 32 bytes')
    expect(result.stderr + result.stdout).not.toContain('too-short-secret')
  })

  it('makes the Worker answer every request with 500 server_misconfigured', async () => {
    const res = await worker.fetch(new Request('http://x/health'), testEnv({ COGNITO_CLIENT_ID: undefined }))
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'server_misconfigured', error_description: 'The service is misconfigured; the operator has been told.' })
  })
})
