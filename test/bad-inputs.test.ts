// SECURITY.md's bad inputs, table-driven, on the app in process (Node). Each gets API.md's JSON
// error with the right status, never a 5xx, never an echo. parity.test.ts runs the same cases
// over HTTP against the Node, Bun and workerd servers.
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { bearerAuth, createApp, createDeps, parseConfig } from '../src/index'
import { testApp, testEnv } from './support/harness'
import { badInputCases, checkInputCase } from './support/input-corpus'

describe('bad inputs, on Node in process', () => {
  const { app } = testApp()
  const inProcess = (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init))
  it.each(badInputCases().map((c) => [c.name, c] as const))('%s', async (_, t) => {
    await checkInputCase(inProcess, t)
  })
})

describe('the service mounted in an app of one\'s own (the library)', () => {
  it('still limits request bodies: 413 for 100 KB on /auth/signup, nothing read', async () => {
    const deps = createDeps(parseConfig(testEnv()), { log: () => {} })
    const parent = new Hono().route('/auth', createApp(deps))
    const res = await parent.request('/auth/signup', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(100_000) }) })
    expect(res.status).toBe(413)
    expect((await res.json()).error).toBe('request_too_large')
  })

  it('still answers a wrong method on its paths with 405 and Allow, as JSON, and leaves the app\'s other paths alone', async () => {
    const deps = createDeps(parseConfig(testEnv()), { log: () => {} })
    const parent = new Hono().route('/auth', createApp(deps)).get('/api/orders', (c) => c.json({ orders: [] }))
    for (const [method, path, allow] of [['GET', '/auth/signin', 'POST'], ['PUT', '/auth/demopage', 'GET, HEAD'], ['DELETE', '/auth/docs/swagger-ui-dist/swagger-ui.css', 'GET, HEAD'], ['POST', '/auth/me', 'GET, HEAD, DELETE']]) {
      const res = await parent.request(path!, { method })
      expect(res.status, `${method} ${path}`).toBe(405)
      expect(res.headers.get('Allow')).toBe(allow)
      expect((await res.json()).error).toBe('method_not_allowed')
    }
    expect((await parent.request('/api/orders')).status).toBe(200)
    expect((await parent.request('/auth/health')).status).toBe(200)
  })

  it('bearerAuth marks the app\'s own answers no-store: what a token unlocks is for one user', async () => {
    const deps = createDeps(parseConfig(testEnv()), { log: () => {} })
    const own = new Hono().use('/api/*', bearerAuth(deps)).get('/api/orders', (c) => c.json({ orders: [] }))
    const { token } = await deps.tokens.issue({ sub: 's', email: 'a@example.com', username: 'a', mode: 'm', groups: [] })
    const res = await own.request('/api/orders', { headers: { Authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
  })
})
