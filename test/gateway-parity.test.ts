// The gateway over HTTP on the real Node server, the real Bun server and the Worker under
// wrangler dev (workerd), each in front of the same real upstream: every runtime must forward,
// refuse and stream alike. A difference is a failure.
import { createHash, randomBytes } from 'node:crypto'
import { request, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../scripts/runtimes'
import { confirmedUser, signIn, testApp, testEnv } from './support/harness'
import { expectSameAnswers, startRuntime, type Running } from './support/runtime'
import { startUpstream, type TestUpstream } from './support/upstream'

const RUNTIMES: Runtime[] = ['node', 'bun', 'workers']
const ROUTES = JSON.stringify([
  { path: '/public/*', methods: ['GET'], auth: 'none' },
  { path: '/admin/*', groups: ['admins'] },
  { path: '/reports/*', methods: ['GET'], groups: ['admins'] },
])
let upstream: TestUpstream
const servers: Partial<Record<Runtime, Running>> = {}
const seen: Record<Runtime, Record<string, string>> = { node: {}, bun: {}, workers: {} }
let token: string
let sub: string

beforeAll(async () => {
  upstream = await startUpstream()
  const env = testEnv({ UPSTREAM_URL: upstream.url, ROUTES, UPSTREAM_TIMEOUT_MS: '1000' })
  const started = await Promise.all(RUNTIMES.map((r) => startRuntime(r, env)))
  RUNTIMES.forEach((r, i) => (servers[r] = started[i]))
  const { app } = testApp()
  token = (await signIn(app, await confirmedUser(app))).access_token
  sub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub
}, 120_000)
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()))
  await upstream?.stop()
})

/** A request with its path sent exactly as given (fetch would resolve `..` first). */
function raw(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: IncomingHttpHeaders }> {
  const { port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe.each(RUNTIMES)('on %s', (runtime) => {
  const base = () => servers[runtime]!.baseUrl
  const auth = () => ({ Authorization: `Bearer ${token}` })
  const record = (name: string, value: unknown) => (seen[runtime][name] = JSON.stringify(value))
  const reached = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
    const before = upstream.received.length
    const out = await run()
    return [out, upstream.received.length - before]
  }

  it('refuses without a token, forwards with one, with the identity and the query', async () => {
    const [anonymous, touched] = await reached(() => fetch(`${base()}/orders/1`))
    expect([anonymous.status, touched]).toEqual([401, 0])
    const res = await fetch(`${base()}/orders/1?x=1`, { headers: { ...auth(), 'X-Auth-Request-Groups': 'admins' } })
    expect(res.status).toBe(200)
    const got = upstream.last()!
    const facts = {
      status: res.status,
      url: got.url,
      user: got.headers['x-auth-request-user'] === sub,
      groups: got.headers['x-auth-request-groups'] ?? null,
      proto: got.headers['x-forwarded-proto'],
      forwardedHost: got.headers['x-forwarded-host'] === new URL(base()).host,
      authorization: got.headers.authorization === `Bearer ${token}`,
      forwardedFor: typeof got.headers['x-forwarded-for'] === 'string',
    }
    record('forward', facts)
    expect(facts).toEqual({ status: 200, url: '/orders/1?x=1', user: true, groups: null, proto: 'http', forwardedHost: true, authorization: true, forwardedFor: true })
  })

  it('answers 403 for a rule\'s group, and lets a public path through', async () => {
    const denied = await fetch(`${base()}/admin/x`, { headers: auth() })
    const open = await fetch(`${base()}/public/x`, { headers: { 'X-Auth-Request-User': 'forged' } })
    const facts = [denied.status, denied.headers.get('WWW-Authenticate'), open.status, upstream.last()!.headers['x-auth-request-user'] ?? null]
    record('rules', facts)
    expect(facts).toEqual([403, 'Bearer realm="api", error="insufficient_scope"', 200, null])
  })

  it.each(['/public/../admin/x', '/public/%2e%2e/admin/x', '/PUBLIC/.%2E/Admin/x', '//admin/x', '/public/..%2fadmin/x', '/public/%5c..%5cadmin', '/admin;x/y'])(
    'never lets %s past the admin rule',
    async (path) => {
      const [res, touched] = await reached(() => raw(base(), path))
      record(`path ${path}`, [res.status, touched])
      expect(touched).toBe(0)
      expect([400, 401]).toContain(res.status)
    },
  )

  it('streams a 1 MiB upload and a slow download whole; passes cookies, a 5xx, gzip and no hop-by-hop header', async () => {
    const body = randomBytes(1024 * 1024)
    const up = await fetch(`${base()}/uploads`, { method: 'PUT', headers: auth(), body: new Uint8Array(body) })
    const upFacts = (await up.json()) as { bytes: number; sha256: string }
    const down = await fetch(`${base()}/files/stream`, { headers: auth() })
    const downBytes = (await down.arrayBuffer()).byteLength
    const cookies = (await fetch(`${base()}/files/cookies`, { headers: auth() })).headers.getSetCookie()
    const broken = await fetch(`${base()}/files/broken`, { headers: auth() })
    const gz = await raw(base(), '/files/gzip', { ...auth(), 'Accept-Encoding': 'gzip' })
    const hop = await raw(base(), '/files/hop', { ...auth(), Connection: 'X-Client-Secret', 'X-Client-Secret': 'leak' })
    const facts = {
      upload: [upFacts.bytes, upFacts.sha256 === createHash('sha256').update(body).digest('hex')],
      download: downBytes,
      cookies,
      broken: [broken.status, broken.headers.get('Retry-After'), await broken.text()],
      gzip: gunzipSync(gz.body).toString(),
      hop: [hop.headers['x-upstream-secret'] ?? null, hop.headers['x-kept']],
    }
    record('faithful', facts)
    expect(facts).toEqual({
      upload: [1024 * 1024, true],
      download: 10_000,
      cookies: ['a=1; Path=/', 'b=2; Path=/; HttpOnly'],
      broken: [503, '7', 'upstream is down for maintenance'],
      gzip: 'hello, compressed world',
      hop: [null, 'yes'],
    })
    // A header the client's Connection header names stays on this side. Not on workerd: the Worker
    // is never shown the client's Connection header (the platform owns the connection), so it
    // cannot know which headers it named; Cloudflare's edge handles them before the Worker runs.
    expect('x-client-secret' in upstream.last()!.headers).toBe(runtime === 'workers')
  })

  it('answers 504 past UPSTREAM_TIMEOUT_MS, and forward auth at /auth/verify', async () => {
    const hang = await fetch(`${base()}/files/hang`, { headers: auth() })
    const verified = await fetch(`${base()}/auth/verify`, { headers: { ...auth(), 'X-Original-URI': '/orders/9' } })
    const refused = await fetch(`${base()}/auth/verify`, { headers: { 'X-Forwarded-Uri': '/orders/9', 'X-Forwarded-Method': 'GET' } })
    const facts = [hang.status, ((await hang.json()) as { error: string }).error, verified.status, verified.headers.get('X-Auth-Request-User') === sub, refused.status]
    record('faults and forward auth', facts)
    expect(facts).toEqual([504, 'upstream_timeout', 200, true, 401])
  })
})

describe('across runtimes', () => {
  it('Node, Bun and workerd gave the same answers to every gateway case', () => expectSameAnswers(seen, 10))
})

describe('from an attacker\'s review of the gateway', () => {
  /** Raw bytes on one connection: what a smuggler sends. */
  const rawSend = (baseUrl: string, bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1')
      let got = ''
      socket.on('data', (d) => (got += d))
      socket.on('end', () => resolve(got))
      socket.on('error', reject)
      socket.write(bytes)
      setTimeout(() => socket.end(), 1500)
    })

  it.each(RUNTIMES)('on %s, a GET with a Content-Length cannot smuggle a request to the upstream past the rules', async (runtime) => {
    const base = servers[runtime]!.baseUrl
    const before = upstream.received.length
    const smuggled = 'GET /public/b HTTP/1.1\r\na: '
    const first = rawSend(base, `GET /public/a HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\nConnection: close\r\n\r\n${'x'.repeat(smuggled.length)}`)
    await new Promise((r) => setTimeout(r, 100))
    const second = rawSend(base, `GET /public/b HTTP/1.1\r\nHost: x\r\na: GET /admin/secret HTTP/1.1\r\nConnection: close\r\n\r\n`)
    // The first is answered (its body dropped, and its length with it), not left waiting for bytes.
    expect((await first).split('\r\n')[0]).toBe('HTTP/1.1 200 OK')
    await second
    await new Promise((r) => setTimeout(r, 300))
    const seen = upstream.received.slice(before)
    expect(seen.map((r) => r.url).filter((u) => u.startsWith('/admin'))).toEqual([])
    for (const r of seen) expect(r.headers['content-length'] ?? '0').toBe('0')
  })

  it.each(RUNTIMES)('on %s, a chunked DELETE cannot hide a second request in its body', async (runtime) => {
    const base = servers[runtime]!.baseUrl
    const before = upstream.received.length
    const hidden = 'GET /admin/secret HTTP/1.1\r\nHost: up\r\nX-Auth-Request-User: admin\r\nX-Auth-Request-Groups: admins\r\n\r\n'
    const answer = await rawSend(base, `DELETE /orders/7 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`)
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK')
    await new Promise((r) => setTimeout(r, 300))
    expect(upstream.received.slice(before).map((r) => [r.method, r.url, r.bytes])).toEqual([['DELETE', '/orders/7', hidden.length]])
  })

  it.each(RUNTIMES)('on %s, an upload the client abandons halfway leaves the gateway serving', async (runtime) => {
    const base = servers[runtime]!.baseUrl
    const before = upstream.received.length
    for (const framing of ['Content-Length: 10', 'Transfer-Encoding: chunked']) {
      const body = framing.startsWith('Content') ? 'abc' : '3\r\nabc\r\n'
      await new Promise<void>((resolve) => {
        const socket = connect(Number(new URL(base).port), '127.0.0.1', () => {
          socket.write(`PUT /orders/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n${framing}\r\n\r\n${body}`)
          // Gone before the rest of the body, while the gateway streams it to the upstream.
          setTimeout(() => (socket.destroy(), resolve()), 300)
        })
        socket.on('error', () => {})
      })
      await new Promise((r) => setTimeout(r, 200))
      // Node's gateway used to die here: the abandoned body's stream errored with no one listening.
      const health = await fetch(`${base}/health`).then((r) => r.status, (err: Error) => `no answer: ${err.message}`)
      expect(health, servers[runtime]!.output().slice(-2000)).toBe(200)
    }
    // Never a whole request made of part of a body: the upstream saw each one cut off, or not at all.
    // (Not asserted for a chunked body on Workers: see the skipped test below.)
    const uploads = upstream.received.slice(before).filter((r) => r.url === '/orders/upload' && !(runtime === 'workers' && r.headers['transfer-encoding']))
    for (const r of uploads) expect({ framing: r.headers['transfer-encoding'] ?? r.headers['content-length'], bytes: r.bytes, aborted: r.aborted }).toMatchObject({ aborted: true })
    // The client's fault: logged as a 400, never as "upstream unreachable" at error level (a 502
    // and an error line that anyone could raise at will, and that blamed the upstream). Not on
    // workers: under wrangler dev the Worker's request.signal never says its client went away
    // (not with the enable_request_signal flag either), so it logs what it saw, the upstream's
    // fetch failing: an error line and a 502 for the Content-Length upload.
    if (runtime === 'workers') return
    const lines = servers[runtime]!.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
    const ids = new Set(lines.filter((l) => l.path === '/orders/upload' && l.method === 'PUT').map((l) => l.request_id))
    const seen = lines.filter((l) => ids.has(l.request_id)).map((l) => (l.level === 'error' ? `error: ${l.msg}` : l.status))
    expect(seen).toEqual([400, 400])
  })

  // An attacker's review: a client that hangs up at once on a request the upstream then fails
  // (here, resets) made that failure pass for its own, logged as a 400 with no error line.
  it.each(['node', 'bun'] as const)('on %s, a client that hangs up does not make the upstream\'s failure its own', async (runtime) => {
    const path = `/public/${runtime}/reset`
    await new Promise<void>((resolve) => {
      const socket = connect(Number(new URL(servers[runtime]!.baseUrl).port), '127.0.0.1', () => {
        socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
        setTimeout(() => (socket.destroy(), resolve()), 50)
      })
      socket.on('error', () => {})
    })
    const lines = () => servers[runtime]!.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
    await expect.poll(() => lines().some((l) => l.path === path), { timeout: 3000 }).toBe(true)
    const id = lines().find((l) => l.path === path)!.request_id
    expect(lines().filter((l) => l.request_id === id).map((l) => (l.level === 'error' ? `error: ${l.msg}` : l.status))).toEqual(['error: upstream unreachable', 502])
  })

  // wrangler dev ends the body of a chunked request whose client went away as if it were complete:
  // the upstream got `PUT` with the 3 bytes that had come and a closing chunk. The Worker sees a
  // body that ends, not one that fails, so it cannot tell. (With Content-Length the upstream sees
  // the request cut off, as on Node and Bun.)
  it.skip('on workers, a chunked upload its client abandons reaches the upstream cut off (wrangler dev closes it as whole)', () => {})

  it.each(RUNTIMES)('on %s, identity headers spelled with underscores are dropped too', async (runtime) => {
    const res = await raw(servers[runtime]!.baseUrl, '/public/x', { X_Auth_Request_User: 'the-ceo', 'x-auth-request_groups': 'admins', X_AUTH_REQUEST_EMAIL: 'ceo@example.com' })
    expect(res.status).toBe(200)
    const names = Object.keys(upstream.last()!.headers).map((h) => h.toLowerCase().replaceAll('_', '-'))
    expect(names.filter((h) => h.startsWith('x-auth-request-'))).toEqual([])
  })

  it.each(RUNTIMES)('on %s, where-from and override headers spelled with underscores are dropped too, and other auth proxies\' identity headers', async (runtime) => {
    // WSGI and CGI servers read X_Forwarded_For as X-Forwarded-For; sorted after the gateway's
    // own, a client's copy came last, which is the one a server trusting one proxy reads.
    const res = await raw(servers[runtime]!.baseUrl, '/public/x', {
      'X-Forwarded-For': '6.6.6.6', X_Forwarded_For: '7.7.7.7', X_Forwarded_Proto: 'https', X_Forwarded_Host: 'evil.example',
      X_Real_IP: '9.9.9.9', X_Original_URL: '/admin', X_HTTP_Method_Override: 'DELETE', Forwarded_: 'x', x_forwarded_port: '443',
      // oauth2-proxy's, Authelia's and Authentik's names for who the user is: an upstream set up for one of them trusts these.
      'X-Forwarded-User': 'the-ceo', 'X-Forwarded-Email': 'ceo@example.com', 'X-Forwarded-Groups': 'admins', 'X-Forwarded-Preferred-Username': 'ceo',
      'X-Forwarded-Access-Token': 'x', 'Remote-User': 'the-ceo', 'Remote-Groups': 'admins', 'Remote-Email': 'ceo@example.com', 'Remote-Name': 'CEO', X_Remote_User: 'the-ceo',
      // Traefik's original URI and method, Envoy's client certificate: proxies' words too.
      'X-Forwarded-Uri': '/admin', 'X-Forwarded-Method': 'DELETE', X_Forwarded_Client_Cert: 'Hash=x;Subject="CN=admin"',
      // nginx's original URI and method; Kubernetes' authenticating-proxy headers.
      'X-Original-URI': '/admin', X_Original_Method: 'DELETE', 'X-Remote-Group': 'system:masters', 'X-Remote-Extra-Scopes': 'all',
    })
    expect(res.status).toBe(200)
    const got = upstream.last()!.headers
    const names = Object.keys(got).map((h) => h.toLowerCase().replaceAll('_', '-'))
    expect(names.filter((h) => /^(x-forwarded-|x-real-ip|x-original-|x-http-method-override|remote-|x-remote-)/.test(h)).sort()).toEqual(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'])
    expect(got['x-forwarded-for']).toMatch(/^6\.6\.6\.6, [\d.:a-f]+$/)
    expect(got['x-forwarded-proto']).toBe('http')
  })

  it.each(['node', 'bun'] as const)('on %s, a client\'s X-Forwarded-For that its Connection header names is not carried on', async (runtime) => {
    await raw(servers[runtime]!.baseUrl, '/public/x', { Connection: 'X-Forwarded-For, X-Client-Secret', 'X-Forwarded-For': '6.6.6.6', 'X-Client-Secret': 's' })
    expect(upstream.last()!.headers['x-forwarded-for']).toMatch(/^[\d.:a-f]+$/)
    expect(upstream.last()!.headers).not.toHaveProperty('x-client-secret')
  })
  // workerd hands the Worker no Connection header, so the Worker cannot know which names it listed:
  // under wrangler dev both reached the upstream (X-Forwarded-For: 6.6.6.6, 127.0.0.1).
  it.skip('on workers, a client\'s X-Forwarded-For that its Connection header names is not carried on (the Worker never sees Connection)', () => {})

  // RFC 9112 §3.2: 400. Bun made a URL of [::1 that no parser takes (the gateway answered 500),
  // and both took two Host headers, which reached the upstream as X-Forwarded-Host: a, b.
  // (Not on workers: wrangler dev's proxy answers malformed Hosts itself, runtimes.test.ts.)
  // An empty one reached the upstream from Node as X-Forwarded-Host: "" (Bun refuses it itself).
  it.each(['node', 'bun'] as const)('on %s, a Host header that is no host, empty, or two of them, get 400 and reach no upstream', async (runtime) => {
    const base = servers[runtime]!.baseUrl
    const before = upstream.received.length
    for (const hosts of ['Host: [::1\r\n', 'Host: a.example\r\nHost: b.example\r\n', 'Host: \r\n']) {
      const answer = await rawSend(base, `GET /public/x HTTP/1.1\r\n${hosts}Connection: close\r\n\r\n`)
      expect(answer.split('\r\n')[0], hosts).toBe('HTTP/1.1 400 Bad Request')
      expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toEqual({ error: 'invalid_request', error_description: "The request's Host, target or length is malformed." })
    }
    expect(upstream.received.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([])
  })

  // Node's parser may refuse a pipelined request while the answer before it still streams. Node's
  // own handler wrote its 400 in that answer's place; written after it, a refusal could land in
  // the next answer waiting, or pass for that request's. The connection is cut instead
  // (src/runtime/node/listen.ts; test/parser-refusal.test.ts has the rest).
  it('on node, a refused request pipelined behind a streaming answer gets no refusal written anywhere', async () => {
    const got = await rawSend(servers.node!.baseUrl, 'GET /public/pipelined/stream HTTP/1.1\r\nHost: x\r\n\r\nHELLO\r\n\r\n')
    expect(got.match(/HTTP\/1\.1 \d{3}/g) ?? []).not.toContain('HTTP/1.1 400')
    // The first request was under way, and reaches the upstream: counted here, not in the next test.
    await expect.poll(() => upstream.received.some((r) => r.url === '/public/pipelined/stream')).toBe(true)
  })

  // RFC 9110 §8.6 lets a server take "3, 3" as 3 or refuse it; Node's parser refuses it, Bun took
  // it and the gateway passed "3, 3" on (its fetch failed: 502). Now 400 on both.
  it.each(['node', 'bun'] as const)('on %s, a request with two Content-Length headers gets 400 and reaches no upstream', async (runtime) => {
    const before = upstream.received.length
    const answer = await rawSend(servers[runtime]!.baseUrl, `PUT /orders/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 3\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`)
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request')
    expect(upstream.received.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([])
  })

  // RFC 9112 §6.1. Node's parser decodes chunked only: a body sent `gzip, chunked` reached the
  // upstream as plain chunked, its gzip coding lost; Bun refuses it itself (a bare 400).
  it.each(['node', 'bun'] as const)('on %s, a transfer coding other than chunked gets 400 and reaches no upstream', async (runtime) => {
    const before = upstream.received.length
    const answer = await rawSend(servers[runtime]!.baseUrl, `PUT /orders/te HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n`)
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request')
    expect(upstream.received.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([])
    // `Chunked` is chunked (codings are case-insensitive).
    const ok = await rawSend(servers[runtime]!.baseUrl, `PUT /orders/te HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n`)
    expect(ok.split('\r\n')[0]).toBe('HTTP/1.1 200 OK')
  })

  it.each(RUNTIMES)('on %s, a rule for GET covers HEAD too', async (runtime) => {
    const res = await fetch(`${servers[runtime]!.baseUrl}/reports/x`, { method: 'HEAD', headers: { Authorization: `Bearer ${token}` } })
    expect(res.status).toBe(403)
  })

  it.each(RUNTIMES)('on %s, the client\'s Forwarded and X-Real-IP never reach the upstream, and X-Forwarded-Proto is the connection\'s', async (runtime) => {
    const base = servers[runtime]!.baseUrl
    await rawSend(base, `GET https://victim.example/public/p HTTP/1.1\r\nHost: x\r\nForwarded: for=1.2.3.4;proto=https\r\nX-Real-IP: 1.2.3.4\r\nConnection: close\r\n\r\n`)
    const got = upstream.last()!
    expect(got.url).toBe('/public/p')
    expect(got.headers).not.toHaveProperty('forwarded')
    expect(got.headers).not.toHaveProperty('x-real-ip')
    expect(got.headers['x-forwarded-proto']).toBe('http')
  })
})
