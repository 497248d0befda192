// On Workers the upstream can be another Worker reached through a service binding (UPSTREAM):
// both run under one `wrangler dev`, the gateway's config being the repository's own plus the binding.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { confirmedUser, signIn, testApp, testEnv } from './support/harness'
import { startRuntime, type Running } from './support/runtime'

const root = resolve(import.meta.dirname, '..')
let dir: string
let worker: Running
let token: string

// The upstream Worker tells what reached it.
const UPSTREAM = `export default {
  async fetch(request) {
    const url = new URL(request.url)
    return Response.json({ path: url.pathname + url.search, user: request.headers.get('x-auth-request-user'), forged: request.headers.get('x-auth-request-groups') })
  },
}`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'binding-'))
  await writeFile(join(dir, 'upstream.js'), UPSTREAM)
  await writeFile(join(dir, 'upstream.toml'), `name = "test-upstream"\nmain = "upstream.js"\ncompatibility_date = "2026-04-01"\n`)
  // The repository's wrangler.toml, with absolute paths, plus the binding.
  const own = (await readFile(join(root, 'wrangler.toml'), 'utf8'))
    .replace('main = "src/runtime/workers/worker.ts"', `main = "${join(root, 'src/runtime/workers/worker.ts')}"`)
    .replace('command = "./node_modules/.bin/tsx scripts/build-assets.ts"', `command = "cd ${root} && ./node_modules/.bin/tsx scripts/build-assets.ts"`)
    .replace('directory = "./public"', `directory = "${join(root, 'public')}"`)
  await writeFile(join(dir, 'gateway.toml'), `${own}\n[[services]]\nbinding = "UPSTREAM"\nservice = "test-upstream"\n`)
  const routes = JSON.stringify([{ path: '/public/*', auth: 'none' }])
  worker = await startRuntime('workers', testEnv({ ROUTES: routes }), { configs: [join(dir, 'gateway.toml'), join(dir, 'upstream.toml')], timeoutMs: 60_000 })
  const { app } = testApp()
  token = (await signIn(app, await confirmedUser(app))).access_token
}, 90_000)
afterAll(async () => {
  await worker?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('a service binding as the upstream', () => {
  it('forwards a signed-in request to the other Worker, with the identity and never the client\'s', async () => {
    const res = await fetch(`${worker.baseUrl}/orders/1?x=1`, { headers: { Authorization: `Bearer ${token}`, 'X-Auth-Request-Groups': 'admins' } })
    expect(res.status).toBe(200)
    const sub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub
    expect(await res.json()).toEqual({ path: '/orders/1?x=1', user: sub, forged: null })
  })

  it('refuses without a token and lets a public path through', async () => {
    expect((await fetch(`${worker.baseUrl}/orders/1`)).status).toBe(401)
    expect(await (await fetch(`${worker.baseUrl}/public/a/../b`)).json()).toEqual({ path: '/public/b', user: null, forged: null })
  })
})
