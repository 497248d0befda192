// Random requests (fast-check): whatever a client sends, never a 5xx, never a hang, and the
// service still answers /health afterwards. Against the app in process and the real emulator.
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { testApp } from './support/harness'

const RUNS = 3000
const { app, deps } = testApp()
const POST = ['/signup', '/confirm', '/signin', '/token', '/signout']
const ROUTES = ['/signup', '/confirm', '/signin', '/token', '/signout', '/demopage', '/me', '/health', '/openapi.json', '/docs', '/docs/swagger-ui-dist/swagger-ui.css']

it(`answers ${RUNS} random requests without a 5xx or a hang`, async () => {
  const { token } = await deps.tokens.issue({ sub: 's', email: 'fuzz@example.com', username: 'fuzz', mode: 'm', groups: [] })
  // Mostly aimed at real routes with their own method and body type, so that bodies broken in
  // every way reach the code that reads them; sometimes anything at all.
  const segment = fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent)
  const target = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...ROUTES.filter((r) => POST.includes(r))).map((p) => ({ p, own: 'POST' })) },
    { weight: 2, arbitrary: fc.constantFrom(...ROUTES.filter((r) => !POST.includes(r))).map((p) => ({ p, own: 'GET' })) },
    { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => ({ p: `/${s.join('/')}`, own: 'GET' })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ROUTES), segment).map(([r, s]) => ({ p: `${r}/${s}`, own: 'GET' })) },
  )
  const otherMethod = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD')
  const query = fc.oneof(
    { weight: 7, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.dictionary(fc.constantFrom('username', 'confirmation_code', 'access_token', 'x'), fc.string({ maxLength: 20 })) },
  )
  const contentType = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/x-www-form-urlencoded') },
    { weight: 1, arbitrary: fc.constantFrom(undefined, 'multipart/form-data; boundary=x', 'text/plain', 'application/json; charset=utf-16', 'application/vnd.api+json', '*/*', ';;') },
  )
  const authorization = fc.option(
    fc.oneof(
      fc.constant(`Bearer ${token}`),
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
      fc.integer({ min: 0, max: token.length - 1 }).map((i) => `Bearer ${token.slice(0, i)}${token.slice(i + 1)}`),
      fc.string({ maxLength: 60 }),
      fc.constant('Basic dXNlcjpwYXNz'),
    ),
    { nil: undefined },
  )
  const fields = fc.dictionary(
    fc.constantFrom('username', 'email', 'password', 'mode', 'grant_type', 'refresh_token', 'confirmation_code', 'scope', '__proto__', 'constructor'),
    fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(null), fc.constant('password'), fc.constant('refresh_token')),
  )
  const body = fc.option(
    fc.oneof(
      fields.map((o) => JSON.stringify(o)),
      fields.map((o) => JSON.stringify(o).slice(0, -1)), // JSON cut short
      fc.json({ maxDepth: 3 }),
      fields.map((o) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)])).toString()),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }),
    ),
    { nil: undefined },
  )
  const method = fc.tuple(fc.boolean(), otherMethod)

  await fc.assert(
    fc.asyncProperty(target, method, query, contentType, authorization, body, async ({ p, own }, [useOwn, other], q, ct, auth, b) => {
      const m = useOwn ? own : other
      const headers: Record<string, string> = {}
      if (ct) headers['Content-Type'] = ct
      if (auth) headers.Authorization = auth.replace(/[\r\n\0]/g, '')
      const url = q ? `${p}?${new URLSearchParams(q)}` : p
      const canHaveBody = m !== 'GET' && m !== 'HEAD'
      const answer = Promise.resolve(app.request(url, { method: m, headers, body: canHaveBody ? b : undefined }))
      const res = await Promise.race([answer, new Promise<'hang'>((r) => setTimeout(() => r('hang'), 5000))])
      if (res === 'hang') throw new Error(`${m} ${url} did not answer within 5 s`)
      if (res.status >= 500) throw new Error(`${m} ${url} answered ${res.status}: ${await res.text()}`)
      if (res.status >= 400 && m !== 'HEAD') {
        const err = await res.json()
        if (typeof err.error !== 'string' || typeof err.error_description !== 'string') throw new Error(`${m} ${url}: not API.md's error body`)
      }
    }),
    { numRuns: RUNS },
  )

  expect((await app.request('/health')).status).toBe(200)
  // (Random requests may well have signed `token` out; a fresh one must work.)
  const fresh = await deps.tokens.issue({ sub: 's', email: 'fuzz@example.com', username: 'fuzz', mode: 'm', groups: [] })
  expect((await app.request('/demopage', { headers: { Authorization: `Bearer ${fresh.token}` } })).status).toBe(200)
}, 120_000)
