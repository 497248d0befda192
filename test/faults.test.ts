// Cognito faults, each from a real HTTP server on loopback that misbehaves in that way (no real
// Cognito can be made to): the status of API.md within the configured timeout plus a second,
// retries only where safe, no token from a malformed answer, and bearer routes answering throughout.
import { createServer, type Server, type ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../scripts/emulator'
import { bearer, formPost, jsonPost, testApp } from './support/harness'

const TIMEOUT_MS = 500
type Behaviour = (res: ServerResponse, target: string) => void
let behaviour: Behaviour = () => {}
const attempts: string[] = []
let server: Server
let endpoint = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']).split('.').pop()!
      attempts.push(target)
      behaviour(res, target)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

const json = (status: number, body: unknown): Behaviour => (res) => res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body))
const idToken = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

const FAULTS: { name: string; behaviour: Behaviour; endpoint?: () => Promise<string>; status: number; error: string; signinAttempts: number }[] = [
  { name: 'refuses connections', behaviour: () => {}, endpoint: async () => `http://127.0.0.1:${await freePort()}`, status: 502, error: 'upstream_error', signinAttempts: 0 },
  { name: 'never answers', behaviour: () => {}, status: 504, error: 'upstream_timeout', signinAttempts: 1 },
  { name: 'answers after the timeout', behaviour: (res) => setTimeout(() => json(200, {})(res, ''), TIMEOUT_MS + 300), status: 504, error: 'upstream_timeout', signinAttempts: 1 },
  { name: 'answers 500', behaviour: json(500, { __type: 'InternalErrorException', message: 'internal' }), status: 502, error: 'upstream_error', signinAttempts: 3 },
  { name: 'answers 503 with HTML', behaviour: (res) => res.writeHead(503).end('<html>unavailable</html>'), status: 502, error: 'upstream_error', signinAttempts: 3 },
  { name: 'throttles (TooManyRequestsException)', behaviour: json(400, { __type: 'TooManyRequestsException', message: 'Rate exceeded' }), status: 429, error: 'too_many_requests', signinAttempts: 3 },
  { name: 'answers 200 with a body that is not JSON', behaviour: (res) => res.writeHead(200).end('not json at all'), status: 502, error: 'upstream_error', signinAttempts: 1 },
  { name: 'answers 200 with JSON of the wrong shape', behaviour: json(200, { AuthenticationResult: { AccessToken: 'x' }, UserSub: 5 }), status: 502, error: 'upstream_error', signinAttempts: 1 },
  { name: 'answers tokens whose ID token is garbage', behaviour: json(200, { AuthenticationResult: { AccessToken: 'a', IdToken: 'not-a-jwt', RefreshToken: 'r' } }), status: 502, error: 'upstream_error', signinAttempts: 1 },
  { name: 'answers an ID token without the claims', behaviour: json(200, { AuthenticationResult: { AccessToken: 'a', IdToken: idToken({ token_use: 'id' }), RefreshToken: 'r' } }), status: 502, error: 'upstream_error', signinAttempts: 1 },
  { name: 'answers ResourceNotFoundException (our configuration)', behaviour: json(400, { __type: 'ResourceNotFoundException', message: 'User pool client x does not exist.' }), status: 500, error: 'server_misconfigured', signinAttempts: 1 },
  { name: 'answers an error type it has never seen', behaviour: json(400, { __type: 'BrandNewException', message: 'new' }), status: 502, error: 'upstream_error', signinAttempts: 1 },
]

describe.each(FAULTS)('when Cognito $name', (fault) => {
  it(`answers /signin and /signup with ${fault.status} ${fault.error} within the timeout plus a second, and never a token`, async () => {
    behaviour = fault.behaviour
    const { app } = testApp({ COGNITO_ENDPOINT: fault.endpoint ? await fault.endpoint() : endpoint, COGNITO_TIMEOUT_MS: String(TIMEOUT_MS) })
    for (const send of [
      () => formPost(app, '/signin', { username: 'a@example.com', password: 'Passw0rd!' }),
      () => jsonPost(app, '/signup', { username: 'u', email: 'a@example.com', password: 'Passw0rd!', mode: 'm' }),
    ]) {
      attempts.length = 0
      const started = performance.now()
      const res = await send()
      const elapsed = performance.now() - started
      expect(res.status).toBe(fault.status)
      const text = await res.text()
      expect(JSON.parse(text)).toEqual({ error: fault.error, error_description: expect.any(String) })
      expect(text).not.toMatch(/access_token|internal|Rate exceeded|does not exist|Exception/)
      expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000)
    }
  })

  it(`tries InitiateAuth ${fault.signinAttempts} time(s), and SignUp, which is not safe to repeat, at most once`, async () => {
    behaviour = fault.behaviour
    const { app } = testApp({ COGNITO_ENDPOINT: fault.endpoint ? await fault.endpoint() : endpoint, COGNITO_TIMEOUT_MS: String(TIMEOUT_MS) })
    attempts.length = 0
    await formPost(app, '/signin', { username: 'a@example.com', password: 'Passw0rd!' })
    expect(attempts.filter((t) => t === 'InitiateAuth')).toHaveLength(fault.signinAttempts)
    attempts.length = 0
    await jsonPost(app, '/signup', { username: 'u', email: 'a@example.com', password: 'Passw0rd!', mode: 'm' })
    // Exactly once where Cognito could be reached (never retried), never where it refuses connections.
    expect(attempts.filter((t) => t === 'SignUp')).toHaveLength(fault.endpoint ? 0 : 1)
  })
})

describe('while Cognito hangs', () => {
  it('keeps answering bearer-protected routes and /health', async () => {
    behaviour = () => {}
    const { app, deps } = testApp({ COGNITO_ENDPOINT: endpoint, COGNITO_TIMEOUT_MS: '2000' })
    const { token } = await deps.tokens.issue({ sub: 's', email: 'e@example.com', username: 'u', mode: 'm', groups: [] })
    // Ten users, so that the per-account limit (5 attempts in flight) does not answer 429 first.
    const hanging = Array.from({ length: 10 }, (_, i) => formPost(app, '/signin', { username: `a${i}@example.com`, password: 'x' }))
    const started = performance.now()
    for (let i = 0; i < 20; i++) {
      expect((await app.request('/demopage', { headers: bearer(token) })).status).toBe(200)
      expect((await app.request('/health')).status).toBe(200)
    }
    expect(performance.now() - started).toBeLessThan(1000)
    for (const res of await Promise.all(hanging)) expect(res.status).toBe(504)
  })
})

describe('a Cognito that recovers', () => {
  it('is retried after a 5xx and the sign-in succeeds', async () => {
    let n = 0
    behaviour = (res) =>
      ++n === 1
        ? json(500, { __type: 'InternalErrorException' })(res, '')
        : json(200, { AuthenticationResult: { AccessToken: 'a', IdToken: idToken({ sub: 's', email: 'a@example.com', token_use: 'id' }), RefreshToken: 'r' } })(res, '')
    const { app } = testApp({ COGNITO_ENDPOINT: endpoint })
    const res = await formPost(app, '/signin', { username: 'a@example.com', password: 'x' })
    expect(res.status).toBe(200)
    expect(n).toBe(2)
  })
})
