// Security headers, CORS, request ids, and what the logs may never contain.
import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_HEADERS, DOCUMENT_HEADERS } from '../src/http/respond'
import { bearer, codeFor, confirmedUser, newCreds, signIn, testApp, testEnv, TEST_SECRET } from './support/harness'
import { startRuntime, type Running } from './support/runtime'

describe('headers', () => {
  const { app } = testApp()

  it('carry the security headers OWASP lists for JSON APIs on every answer, errors included, and no others', async () => {
    for (const res of [await app.request('/health'), await app.request('/nope'), await app.request('/signin', { method: 'POST' }), await app.request('/demopage')]) {
      for (const [name, value] of Object.entries(API_HEADERS)) expect(res.headers.get(name), name).toBe(value)
      expect(res.headers.get('X-Frame-Options')).toBe('DENY')
      expect(res.headers.get('Content-Security-Policy')).toBe("frame-ancestors 'none'")
      // The document-only ones stay on /docs: each costs every answer its bytes.
      for (const name of Object.keys(DOCUMENT_HEADERS)) expect(res.headers.get(name), name).toBeNull()
    }
  })

  it('give /docs and its files the document headers too: together hono/secure-headers\' defaults, X-Frame-Options stricter', async () => {
    const docs = testApp({}, { docsPage: () => '<!doctype html>', docsAsset: async () => ({ bytes: new Uint8Array([1]), type: 'text/css' }) }).app
    const hono = await new Hono().use(secureHeaders()).get('/', (c) => c.body(null)).request('/')
    for (const path of ['/docs', '/docs/swagger-ui-dist/swagger-ui.css']) {
      const res = await docs.request(path)
      expect(res.status).toBe(200)
      hono.headers.forEach((value, name) => {
        if (name === 'content-type') return
        expect(res.headers.get(name), name).toBe(name === 'x-frame-options' ? 'DENY' : value)
      })
      for (const [name, value] of Object.entries({ ...API_HEADERS, ...DOCUMENT_HEADERS })) {
        // Swagger UI's files are the same for everyone: a cache may keep them a day.
        expect(res.headers.get(name), name).toBe(name === 'cache-control' && path !== '/docs' ? 'public, max-age=86400' : value)
      }
    }
  })

  it('forbid caching of everything that carries credentials', async () => {
    const tokens = await signIn(app, await confirmedUser(app))
    for (const path of ['/demopage', '/me']) expect((await app.request(path, { headers: bearer(tokens.access_token) })).headers.get('Cache-Control')).toBe('no-store')
    expect((await app.request('/demopage')).headers.get('Cache-Control')).toBe('no-store')
  })

  it('keep CORS closed unless origins are configured', async () => {
    const preflight = { method: 'OPTIONS', headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST' } }
    const closed = await app.request('/signin', preflight)
    expect(closed.headers.get('Access-Control-Allow-Origin')).toBeNull()
    expect((await app.request('/health', { headers: { Origin: 'https://app.example.com' } })).headers.get('Access-Control-Allow-Origin')).toBeNull()

    const { app: open } = testApp({ CORS_ORIGINS: 'https://app.example.com, https://admin.example.com' })
    const allowed = await open.request('/signin', preflight)
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('https://app.example.com')
    expect(allowed.headers.get('Access-Control-Allow-Headers')).toMatch(/Authorization/)
    const other = await open.request('/signin', { ...preflight, headers: { ...preflight.headers, Origin: 'https://evil.example' } })
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull()
  })

  it('echo a sensible X-Request-Id, and replace one that could forge a log line', async () => {
    expect((await app.request('/health', { headers: { 'X-Request-Id': 'abc-123' } })).headers.get('X-Request-Id')).toBe('abc-123')
    const forged = (await app.request('/health', { headers: { 'X-Request-Id': 'x" level="admin' } })).headers.get('X-Request-Id')
    expect(forged).toMatch(/^[0-9a-f-]{36}$/)
    expect((await app.request('/nope')).headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('the log of a real Node server through a whole flow', () => {
  let server: Running
  beforeAll(async () => {
    server = await startRuntime('node', testEnv())
  }, 60_000)
  afterAll(() => server?.stop())

  it('has one JSON line per request, and no password, token, code or secret', async () => {
    const url = (p: string) => `${server.baseUrl}${p}`
    const creds = { ...newCreds(), password: 'Log-Canary-Passw0rd!' }
    const secrets: string[] = [creds.password, TEST_SECRET]
    const sent: string[] = []
    const send = async (path: string, init?: RequestInit) => {
      sent.push(path.split('?')[0]!)
      return fetch(url(path), { ...init, headers: { ...(init?.headers as object), 'X-Request-Id': `flow-${sent.length}` } })
    }
    await send('/signup', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(creds) })
    const code = await codeFor(creds.email)
    secrets.push(code)
    await send(`/confirm?username=${encodeURIComponent(creds.email)}&confirmation_code=${code}`, { method: 'POST' })
    await send('/signin', { method: 'POST', body: new URLSearchParams({ username: creds.email, password: 'Wrong-Canary-1!' }) })
    secrets.push('Wrong-Canary-1!')
    const tokens = await (await send('/signin', { method: 'POST', body: new URLSearchParams({ username: creds.email, password: creds.password }) })).json()
    secrets.push(tokens.access_token, tokens.refresh_token, tokens.refresh_token.split('.')[1], tokens.access_token.split('.')[2])
    await send('/demopage', { headers: bearer(tokens.access_token) })
    const refreshed = await (await send('/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }) })).json()
    secrets.push(refreshed.access_token)
    await send('/signout', { method: 'POST', headers: bearer(refreshed.access_token), body: new URLSearchParams({ refresh_token: tokens.refresh_token }) })
    await send('/demopage', { headers: bearer(refreshed.access_token) })
    await new Promise((r) => setTimeout(r, 200))

    const lines = server.output().split('\n').filter((l) => l.startsWith('{'))
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => String(l.request_id).startsWith('flow-'))
    expect(requests.map((l) => l.path)).toEqual(sent)
    for (const l of requests) {
      expect(Object.keys(l).sort()).toEqual(['duration_ms', 'level', 'method', 'path', 'request_id', 'status', 'time'])
      expect(Date.parse(l.time)).not.toBeNaN()
    }
    expect(requests.map((l) => l.status)).toEqual([201, 200, 400, 200, 200, 200, 200, 401])
    const everything = server.output()
    for (const secret of secrets) expect(everything, 'the log holds a secret').not.toContain(secret)
  })
})
