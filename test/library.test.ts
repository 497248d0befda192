// The package as a library: built as it would be published (npm run build: dist/index.js and
// its declarations), imported by a Hono app of one's own that mounts the auth routes and
// protects its own; and hc<AppType>, a typed client, against the real Node server.
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Hono } from 'hono'
import { hc } from 'hono/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppEnv, AppType } from '../src/index'
import { startRedis } from '../scripts/redis-server'
import { API_HEADERS } from '../src/http/respond'
import { codeFor, newCreds, testEnv } from './support/harness'
import { startRuntime, type Running } from './support/runtime'

const root = resolve(import.meta.dirname, '..')
let lib: typeof import('../src/index')
let server: Running
let consumer: string
beforeAll(async () => {
  // As a user gets it: `npm pack` (which builds dist/), installed into a new project of its own.
  await mkdir(join(root, 'test-artifacts'), { recursive: true })
  consumer = await mkdtemp(join(root, 'test-artifacts', 'consumer-'))
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', consumer], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'my-api', private: true, type: 'module' }))
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`, 'hono@4.13.19'], { cwd: consumer, stdio: 'pipe' })
  lib = (await import(pathToFileURL(join(consumer, 'node_modules/edge-auth-gateway/dist/index.js')).href)) as typeof import('../src/index')
  server = await startRuntime('node', testEnv())
}, 180_000)
afterAll(async () => {
  await server?.stop()
  if (consumer) await rm(consumer, { recursive: true, force: true })
})

describe('the built package', () => {
  it('installed from the npm pack tarball, mounts the auth routes in an app of one\'s own, and bearerAuth protects its routes, sessions included', async () => {
    const deps = lib.createDeps(lib.parseConfig(testEnv()), { log: () => {} })
    const own = new Hono<AppEnv>()
      .route('/auth', lib.createApp(deps))
      .use('/api/*', lib.bearerAuth(deps))
      .get('/api/orders', (c) => c.json({ owner: c.get('principal').sub, orders: [] }))

    const creds = newCreds()
    const post = (path: string, body: unknown) => own.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    expect((await post('/auth/signup', creds)).status).toBe(201)
    expect((await post('/auth/confirm', { username: creds.email, confirmation_code: await codeFor(creds.email) })).status).toBe(200)
    const signin = await own.request('/auth/signin', { method: 'POST', body: new URLSearchParams({ username: creds.email, password: creds.password }) })
    const { access_token } = (await signin.json()) as { access_token: string }
    const auth = { Authorization: `Bearer ${access_token}` }

    const orders = await own.request('/api/orders', { headers: auth })
    expect(orders.status).toBe(200)
    expect((await orders.json()).owner).toBe(JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()).sub)
    const anonymous = await own.request('/api/orders')
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toEqual({ error: 'unauthorized', error_description: 'A bearer token is required.' })
    expect(anonymous.headers.get('WWW-Authenticate')).toBe('Bearer realm="api"')
    // An attacker's review (session 13): bearerAuth's own answers on one's own routes carried none
    // of the API's security headers, which the service's answers carry (README, Hardening).
    for (const [name, value] of Object.entries(API_HEADERS)) expect(anonymous.headers.get(name), name).toBe(value)

    expect((await own.request('/auth/signout', { method: 'POST', headers: auth })).status).toBe(200)
    expect((await own.request('/api/orders', { headers: auth })).status).toBe(401)
  })

  // An attacker's review (session 13): built as the README showed, each instance kept its own
  // sessions (createDeps' stores are in memory; REDIS_URL is read only by the Node and Bun
  // entries), so a token signed out on one instance still opened the API on every other one.
  it('several instances share sessions and attempt counts through the Redis stores it exports (edge-auth-gateway/redis)', async () => {
    const redis = await startRedis()
    // Named as a user names it: the package's exports map, from the project that installed it.
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(typeof (await import('edge-auth-gateway/redis')).redisStores)"], { cwd: consumer, encoding: 'utf8' }).trim()).toBe('function')
    const { redisStores } = (await import(pathToFileURL(join(consumer, 'node_modules/edge-auth-gateway/dist/redis.js')).href)) as typeof import('../src/redis')
    const stores = [redisStores(redis.url, Date.now), redisStores(redis.url, Date.now)]
    try {
      const [a, b] = stores.map(({ revocations, attempts }) => {
        const deps = lib.createDeps(lib.parseConfig(testEnv()), { revocations, attempts, log: () => {} })
        return new Hono<AppEnv>()
          .route('/auth', lib.createApp(deps))
          .use('/api/*', lib.bearerAuth(deps))
          .get('/api/orders', (c) => c.json({ owner: c.get('principal').sub }))
      }) as [Hono<AppEnv>, Hono<AppEnv>]
      const creds = newCreds()
      const post = (app: Hono<AppEnv>, path: string, body: unknown) => app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      expect((await post(a, '/auth/signup', creds)).status).toBe(201)
      expect((await post(a, '/auth/confirm', { username: creds.email, confirmation_code: await codeFor(creds.email) })).status).toBe(200)
      const signIn = (app: Hono<AppEnv>, password: string) => app.request('/auth/signin', { method: 'POST', body: new URLSearchParams({ username: creds.email, password }) })
      const { access_token } = (await (await signIn(a, creds.password)).json()) as { access_token: string }
      const auth = { Authorization: `Bearer ${access_token}` }
      expect((await b.request('/api/orders', { headers: auth })).status).toBe(200)
      expect((await a.request('/auth/signout', { method: 'POST', headers: auth })).status).toBe(200)
      expect((await b.request('/api/orders', { headers: auth })).status).toBe(401)
      // Five wrong passwords, spread over both, and the sixth try is refused on either.
      for (let i = 0; i < 5; i++) expect((await signIn(i % 2 ? a : b, 'Wrong-pass1!')).status).toBe(400)
      expect((await signIn(a, creds.password)).status).toBe(429)
      expect((await signIn(b, creds.password)).status).toBe(429)
      // Redis gone: the service's routes and one's own behind bearerAuth fail closed, with API.md's 502.
      await redis.stop()
      for (const res of [await a.request('/auth/demopage', { headers: auth }), await b.request('/api/orders', { headers: auth })]) {
        expect(res.status).toBe(502)
        expect(await res.json()).toEqual({ error: 'upstream_error', error_description: 'A store the service depends on could not be reached.' })
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()))
      await redis.stop()
    }
  }, 60_000)

  // A second attacker's review (session 13): bearerAuth answered only its 401s and a Redis outage
  // itself; anything else the check threw reached the host app's own error handler, a plain 500
  // without the API's headers: Cognito's keys out of reach in cognito mode, a store of one's own.
  it('bearerAuth answers every failure of the check as API.md does on one\'s own routes: Cognito away in cognito mode, a store of one\'s own away', async () => {
    const cognitoDown = lib.createDeps(lib.parseConfig(testEnv({ TOKEN_MODE: 'cognito', COGNITO_ENDPOINT: 'http://127.0.0.1:9' })), { log: () => {} })
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1' })).toString('base64url')
    const token = `${header}.${Buffer.from(JSON.stringify({ sub: 'x' })).toString('base64url')}.${'A'.repeat(342)}`
    const down = class extends lib.StoreUnavailable {}
    const own = lib.createDeps(lib.parseConfig(testEnv()), { log: () => {} })
    const storeAway = { ...own.revocations, isEnded: () => { throw new down('my store is away') } }
    // Only what bearerAuth needs, as its type says: no logger.
    const noLog = { verifier: own.verifier, revocations: storeAway, config: own.config }
    for (const [deps, bearerToken] of [[cognitoDown, token], [noLog, (await own.tokens.issue({ sub: 's', username: 'u', mode: '', groups: [] })).token]] as const) {
      const res = await new Hono<AppEnv>().use('/api/*', lib.bearerAuth(deps)).get('/api/orders', (c) => c.json({})).request('/api/orders', { headers: { Authorization: `Bearer ${bearerToken}` } })
      expect(res.status).toBe(502)
      expect(await res.json()).toMatchObject({ error: 'upstream_error' })
      for (const [name, value] of Object.entries(API_HEADERS)) expect(res.headers.get(name), name).toBe(value)
    }
  })

  it('ships declarations a project of one\'s own compiles against, hc<AppType> typed, and a wrong call fails to', async () => {
    await writeFile(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', lib: ['ES2023', 'DOM'], skipLibCheck: true, types: [] },
      files: ['client.ts'],
    }))
    const client = `
import { hc } from 'hono/client'
import type { AppType } from 'edge-auth-gateway'
const client = hc<AppType>('http://127.0.0.1:8787')
export async function demo(token: string) {
  const res = await client.signin.$post({ form: { username: 'a@example.com', password: 'p' } })
  const body = await res.json()
  if ('access_token' in body) body.access_token satisfies string
  const me = await (await client.me.$get({}, { headers: { Authorization: 'Bearer ' + token } })).json()
  if ('email' in me) me.email satisfies string
}
`
    const tsc = () => {
      try {
        execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(consumer, 'tsconfig.json')], { cwd: consumer, encoding: 'utf8' })
        return ''
      } catch (err) {
        return (err as { stdout?: string }).stdout ?? String(err)
      }
    }
    await writeFile(join(consumer, 'client.ts'), client)
    expect(tsc()).toBe('')
    // A deliberate mistake: a number where the form wants a string, and a route that does not exist.
    await writeFile(join(consumer, 'client.ts'), `${client}\nexport const wrong = () => [client.signin.$post({ form: { username: 1, password: 'p' } }), client.nowhere]\n`)
    const errors = tsc()
    expect(errors).toMatch(/client\.ts\(\d+,\d+\): error TS2322/)
    expect(errors).toMatch(/Property 'nowhere' does not exist/)
  }, 60_000)
})

describe('hc<AppType>, against the real Node server', () => {
  it('signs up, confirms, signs in and reads /me with typed bodies', async () => {
    const client = hc<AppType>(server.baseUrl)
    const creds = newCreds()
    const signup = await client.signup.$post({ json: creds })
    expect(signup.status).toBe(201)
    const created = await signup.json()
    if ('user_sub' in created) expect(created.user_confirmed).toBe(false)
    expect((await client.confirm.$post({ json: { username: creds.email, confirmation_code: await codeFor(creds.email) } })).status).toBe(200)

    const signin = await client.signin.$post({ form: { username: creds.email, password: creds.password } })
    const tokens = await signin.json()
    if (!('access_token' in tokens)) throw new Error(`no tokens: ${JSON.stringify(tokens)}`)
    const me = await client.me.$get({}, { headers: { Authorization: `Bearer ${tokens.access_token}` } })
    const body = await me.json()
    if (!('email' in body)) throw new Error(`no user: ${JSON.stringify(body)}`)
    expect(body.email satisfies string).toBe(creds.email)
    const wrong = await client.signin.$post({ form: { username: creds.email, password: 'Wrong-pass1!' } })
    const error = await wrong.json()
    expect('error' in error && error.error).toBe('invalid_grant')
  })
})
