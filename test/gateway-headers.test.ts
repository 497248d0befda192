// What the gateway hands on, header by header and byte by byte: the app in process in front of a
// real upstream that records what it gets (test/support/upstream.ts), over node:http as on Node.
// Claims a client makes about itself stay behind, X-Forwarded-For is built from what the runtime
// knows, identity headers say who signed in (bytes, not guesses), a body's framing goes with it or
// not at all, and a failure says what failed, to the operator and to the caller of forward().
import { createServer as createNetServer } from 'node:net'
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emulatorCall, freePort } from '../scripts/emulator'
import { forward, UpstreamFailed } from '../src/gateway/forward'
import { nodeUpstream } from '../src/runtime/node/upstream'
import type { Principal } from '../src/tokens/principal'
import { bearer, codeFor, cognito, confirmedUser, jsonPost, newCreds, signIn, testApp, type Creds } from './support/harness'
import { startUpstream, type TestUpstream } from './support/upstream'

const ROUTES = JSON.stringify([{ path: '/open/*', auth: 'none' }])
const CLIENT = '198.51.100.9' // the address the runtime saw the connection come from

let upstream: TestUpstream
beforeAll(async () => {
  upstream = await startUpstream()
})
afterAll(() => upstream?.stop())

/** The gateway in front of the recording upstream; `clientAddress` as a runtime entry would set it. */
const gateway = (options: { clientAddress?: string; timeoutMs?: number; log?: (l: Record<string, unknown>) => void } = {}) =>
  testApp(
    { UPSTREAM_URL: upstream.url, ROUTES, UPSTREAM_TIMEOUT_MS: String(options.timeoutMs ?? 1000) },
    { upstream: nodeUpstream, clientAddress: () => options.clientAddress, ...(options.log ? { log: options.log } : {}) },
  ).app

/** What forward() is told for a request the gateway let through to `base` + `path`. */
const target = (base: string, path: string) => ({ base, path, search: '', host: 'gw.example', protocol: 'http', timeoutMs: 1000 })

/** The headers the upstream received for one request through `app`. */
async function sent(app: ReturnType<typeof gateway>, path: string, init: RequestInit = {}) {
  const res = await app.request(`http://gw.example${path}`, init)
  expect(res.status).toBe(200)
  await res.arrayBuffer()
  return upstream.last()!.headers
}

describe('what a client says about itself', () => {
  it('never passes on Forwarded, X-Real-IP nor the client\'s Host: the upstream gets its own Host, and the gateway\'s X-Forwarded-*', async () => {
    const claims = { Forwarded: 'for=10.0.0.1;proto=https', 'X-Real-IP': '10.0.0.1', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'admin.internal' }
    const got = await sent(gateway(), '/open/a', { headers: { Host: 'gw.example', ...claims } })
    expect(got).not.toHaveProperty('forwarded')
    expect(got).not.toHaveProperty('x-real-ip')
    expect(got.host).toBe(new URL(upstream.url).host)
    expect(got['x-forwarded-host']).toBe('gw.example')
    expect(got['x-forwarded-proto']).toBe('http')
  })

  it('drops an identity header however its name is spelled (WSGI and CGI read X_Auth_Request_User as X-Auth-Request-User)', async () => {
    const got = await sent(gateway(), '/open/a', { headers: { X_Auth_Request_User: 'admin', 'X-Auth_Request_Groups': 'x', 'X-Kept_Too': 'yes' } })
    expect(Object.keys(got).filter((h) => h.replaceAll('_', '-').startsWith('x-auth-request-'))).toEqual([])
    expect(got['x-kept_too']).toBe('yes')
  })

  it('sets X-Forwarded-For to the connection\'s address, after any the client sent, and leaves it out when there is neither', async () => {
    expect((await sent(gateway({ clientAddress: CLIENT }), '/open/a'))['x-forwarded-for']).toBe(CLIENT)
    const chained = await sent(gateway({ clientAddress: CLIENT }), '/open/a', { headers: { 'X-Forwarded-For': '203.0.113.7' } })
    expect(chained['x-forwarded-for']).toBe(`203.0.113.7, ${CLIENT}`)
    expect(await sent(gateway(), '/open/a')).not.toHaveProperty('x-forwarded-for')
  })
})

describe('who signed in', () => {
  let user: Creds
  let token: string
  beforeAll(async () => {
    const app = gateway()
    user = await confirmedUser(app)
    token = (await signIn(app, user)).access_token
  })

  it('sends a display name beyond ASCII percent-encoded (UTF-8), and every group the user is in, comma-separated', async () => {
    const app = gateway()
    const zoe = { ...newCreds(), username: 'Zoë Ådmin' }
    // Signed up through the app, put in two groups in Cognito, signed in.
    expect((await jsonPost(app, '/signup', zoe)).status).toBe(201)
    const email = zoe.email
    const confirm = `/confirm?username=${encodeURIComponent(email)}&confirmation_code=${await codeFor(email)}`
    expect((await app.request(confirm, { method: 'POST' })).status).toBe(200)
    for (const group of ['readers', 'writers']) {
      await emulatorCall(cognito().endpoint, 'CreateGroup', { GroupName: group, UserPoolId: cognito().userPoolId }).catch(() => undefined)
      await emulatorCall(cognito().endpoint, 'AdminAddUserToGroup', { GroupName: group, UserPoolId: cognito().userPoolId, Username: email })
    }
    const got = await sent(app, '/orders/1', { headers: bearer((await signIn(app, zoe)).access_token) })
    expect(got['x-auth-request-preferred-username']).toBe('Zo%C3%AB%20%C3%85dmin')
    expect(got['x-auth-request-email']).toBe(email)
    expect(String(got['x-auth-request-groups']).split(',').sort()).toEqual(['readers', 'writers'])
    // A name that is printable ASCII goes as it is.
    expect((await sent(app, '/orders/1', { headers: bearer(token) }))['x-auth-request-preferred-username']).toBe(user.username)
  })

  it('leaves out an identity header with no value: an empty display name is not sent as an empty header', async () => {
    const principal: Principal = { sub: 'sub-1', username: '', email: 'a@example.com', groups: [], jti: 'j', exp: 0, iat: 0, since: 0 }
    const res = await forward(nodeUpstream, new Request('http://gw.example/orders/1'), { ...target(upstream.url, '/orders/1'), principal })
    expect(res.status).toBe(200)
    const got = upstream.last()!.headers
    expect(got['x-auth-request-user']).toBe('sub-1')
    expect(got).not.toHaveProperty('x-auth-request-preferred-username')
    expect(got).not.toHaveProperty('x-auth-request-groups')
  })
})

describe('a body and its framing', () => {
  it.each([['GET'], ['HEAD'], ['POST'], ['DELETE']])(
    'drops a Content-Length that no body backs (%s): the upstream would read the next request on the connection as its body',
    async (method) => {
      const res = await gateway().request('http://gw.example/open/a', { method, headers: { 'Content-Length': '40' } })
      expect(res.status).toBe(200)
      const got = upstream.last()!
      expect([got.method, got.bytes]).toEqual([method, 0])
      // node:http says 0 itself for a POST without a body: no length but the true one.
      expect(got.headers['content-length'] ?? '0').toBe('0')
    },
  )

  it('passes a body\'s own Content-Length on with it, rather than re-framing it chunked', async () => {
    const body = 'x'.repeat(1234)
    const got = await sent(gateway(), '/open/upload', { method: 'PUT', headers: { 'Content-Length': String(body.length) }, body })
    expect(got['content-length']).toBe('1234')
    expect(got).not.toHaveProperty('transfer-encoding')
    expect(upstream.last()!.bytes).toBe(1234)
  })

  it.each(['GET', 'HEAD'])('never sends a %s request\'s body, as a runtime whose Request takes one (Bun\'s) hands it over', async (method) => {
    // Node's Request refuses a body on GET and HEAD; Bun's keeps it (new Request(url, { method: 'GET', body })).
    // This is that request: a real one with a body, whose method reads as Bun's would.
    class BunStyleRequest extends Request {
      override get method() {
        return method
      }
    }
    const request = new BunStyleRequest('http://gw.example/open/a', { method: 'POST', headers: { 'Content-Length': '11' }, body: 'hidden body' })
    const res = await forward(nodeUpstream, request, target(upstream.url, '/open/a'))
    expect(res.status).toBe(200)
    const got = upstream.last()!
    expect([got.method, got.bytes]).toEqual([method, 0])
    expect(got.headers).not.toHaveProperty('content-length')
  })
})

describe('the answer', () => {
  it('drops hop-by-hop headers from an upstream that sends no Connection header (as one behind HTTP/2 does)', async () => {
    // A real server that answers without `Connection` (Node adds one unless told not to).
    const server = createServer((_req, res) => {
      res.removeHeader('Connection')
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Keep-Alive': 'timeout=5', 'Proxy-Authenticate': 'Basic realm="upstream"', 'X-Kept': 'yes' })
      res.end('whole')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const { port } = server.address() as { port: number }
      const app = testApp({ UPSTREAM_URL: `http://127.0.0.1:${port}`, ROUTES }, { upstream: nodeUpstream }).app
      const res = await app.request('/open/a')
      expect([res.status, await res.text()]).toEqual([200, 'whole'])
      expect(res.headers.get('Keep-Alive')).toBeNull()
      expect(res.headers.get('Proxy-Authenticate')).toBeNull()
      expect(res.headers.get('X-Kept')).toBe('yes')
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('cuts them from a copy when the answer\'s headers are immutable (a fetch response\'s, as on Workers), and in place otherwise', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'keep-alive, X-Upstream-Secret', 'Keep-Alive': 'timeout=5', 'X-Upstream-Secret': 's', 'X-Kept': 'yes' })
      res.end('whole')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const { port } = server.address() as { port: number }
      let given: Response | undefined
      const immutable = async (url: string, init: RequestInit) => (given = await fetch(url, init))
      for (const upstream of [immutable, nodeUpstream]) {
        const app = testApp({ UPSTREAM_URL: `http://127.0.0.1:${port}`, ROUTES }, { upstream }).app
        const res = await app.request('/open/a')
        expect([res.status, await res.text()], upstream.name).toEqual([200, 'whole'])
        for (const name of ['Connection', 'Keep-Alive', 'X-Upstream-Secret']) expect(res.headers.get(name), `${upstream.name} ${name}`).toBeNull()
        expect(res.headers.get('X-Kept'), upstream.name).toBe('yes')
      }
      expect(() => given!.headers.delete('X-Kept')).toThrow(TypeError)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('passes an answer whose Connection header lists empty or invalid items (RFC 9110 §5.6.1), cutting the valid names', async () => {
    // Raw bytes: node:http would refuse to send some of these values.
    const server = createNetServer((socket) => {
      socket.once('data', () => {
        socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close, , X-Upstream-Secret, X-Bad;q, \r\nX-Upstream-Secret: s\r\nX-Kept: yes\r\nContent-Length: 5\r\n\r\nwhole')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const { port } = server.address() as { port: number }
      for (const upstream of [nodeUpstream, (url: string, init: RequestInit) => fetch(url, init)]) {
        const app = testApp({ UPSTREAM_URL: `http://127.0.0.1:${port}`, ROUTES }, { upstream }).app
        const res = await app.request('/open/a')
        expect([res.status, await res.text()], upstream.name).toEqual([200, 'whole'])
        expect(res.headers.get('X-Upstream-Secret'), upstream.name).toBeNull()
        expect(res.headers.get('X-Kept'), upstream.name).toBe('yes')
      }
    } finally {
      server.close()
    }
  })

  it('times out only until the response headers: a download slower than UPSTREAM_TIMEOUT_MS arrives whole', async () => {
    // Ten chunks 30 ms apart, with a 100 ms timeout.
    const res = await gateway({ timeoutMs: 100 }).request('/open/stream')
    expect(res.status).toBe(200)
    expect(Buffer.from(await res.arrayBuffer()).length).toBe(10_000)
  })
})

describe('when the upstream fails', () => {
  it('tells the operator which failure it was, in the log line', async () => {
    const lines: Record<string, unknown>[] = []
    const log = (l: Record<string, unknown>) => lines.push(l)
    expect((await gateway({ timeoutMs: 100, log }).request('/open/hang')).status).toBe(504)
    const closed = testApp({ UPSTREAM_URL: `http://127.0.0.1:${await freePort()}`, ROUTES }, { upstream: nodeUpstream, log }).app
    expect((await closed.request('/open/a')).status).toBe(502)
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['upstream timeout', 'upstream unreachable'])
  })

  it('rejects forward() with an UpstreamFailed that keeps the cause', async () => {
    const base = `http://127.0.0.1:${await freePort()}`
    const err = await forward(nodeUpstream, new Request('http://gw.example/a'), target(base, '/a')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpstreamFailed)
    expect(err).toMatchObject({ name: 'UpstreamFailed', message: 'upstream unreachable', kind: 'unreachable' })
    expect((err as Error).cause).toMatchObject({ code: 'ECONNREFUSED' }) // node:http's own error
  })
})
