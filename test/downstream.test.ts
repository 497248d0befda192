// Services downstream verify the access tokens with hono's own hono/jwk middleware and the JWKS
// URL alone, on Bun and inside workerd (Node: jwks.test.ts), against the real Node server.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../scripts/emulator'
import { generateSigningKey } from '../scripts/signing-key'
import { confirmedUser, testApp, testEnv, type Creds } from './support/harness'
import { startRuntime, type Running } from './support/runtime'

const root = resolve(import.meta.dirname, '..')
const app = join(root, 'test/support/downstream/jwk-app.ts')
let service: Running
let creds: Creds
const downstream: Record<string, { url: string; child: ChildProcess }> = {}
let dir: string

async function listen(name: string, command: string, args: string[], env: Record<string, string | undefined>, port: number) {
  const child = spawn(command, args, { cwd: root, env, stdio: 'ignore', detached: true })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 45_000
  while (!(await fetch(`${url}/api/whoami`).then(() => true, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start`)
    await new Promise((r) => setTimeout(r, 150))
  }
  downstream[name] = { url, child }
}

beforeAll(async () => {
  const key = await generateSigningKey('ES256')
  service = await startRuntime('node', testEnv({ JWT_KEYS: JSON.stringify([key.privateJwk]) }))
  creds = await confirmedUser(testApp().app)
  const jwks = `${service.baseUrl}/.well-known/jwks.json`
  dir = await mkdtemp(join(tmpdir(), 'downstream-'))
  await writeFile(join(dir, 'wrangler.toml'), `name = "downstream"\nmain = "${app}"\ncompatibility_date = "2026-04-01"\n`)
  const [bunPort, workerPort, inspector] = [await freePort(), await freePort(), await freePort()]
  await Promise.all([
    listen('bun', join(root, 'node_modules/.bin/bun'), ['run', app], { ...process.env, PORT: String(bunPort), JWKS_URL: jwks }, bunPort),
    listen('workerd', join(root, 'node_modules/.bin/wrangler'), ['dev', '-c', join(dir, 'wrangler.toml'), '--ip', '127.0.0.1', '--port', String(workerPort), '--inspector-port', String(inspector), '--var', `JWKS_URL:${jwks}`, '--show-interactive-dev-session=false'], { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true' }, workerPort),
  ])
}, 120_000)
afterAll(async () => {
  for (const d of Object.values(downstream)) {
    try {
      process.kill(-d.child.pid!, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  await service?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe.each(['bun', 'workerd'])('hono/jwk on %s', (name) => {
  it('accepts a token of the service from the JWKS, and refuses none, an edited and a foreign one', async () => {
    const signin = await fetch(`${service.baseUrl}/signin`, { method: 'POST', body: new URLSearchParams({ username: creds.email, password: creds.password }) })
    const { access_token } = (await signin.json()) as { access_token: string }
    const whoami = (token?: string) => fetch(`${downstream[name]!.url}/api/whoami`, token ? { headers: { Authorization: `Bearer ${token}` } } : {})
    const ok = await whoami(access_token)
    expect(ok.status).toBe(200)
    expect((await ok.json()).sub).toBe(JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()).sub)
    expect((await whoami()).status).toBe(401)
    const [h, p, s] = access_token.split('.')
    const edited = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'x' })).toString('base64url')}.${s}`
    expect((await whoami(edited)).status).toBe(401)
    const foreign = await generateSigningKey('ES256')
    const { sign } = await import('hono/jwt')
    expect((await whoami(await sign(JSON.parse(Buffer.from(p!, 'base64url').toString()), { ...foreign.privateJwk, kid: JSON.parse(Buffer.from(h!, 'base64url').toString()).kid }))).status).toBe(401)
  })
})
