// Smoke test per runtime: the real Node server, the real Bun server and the Worker under
// wrangler dev (workerd), each pointed at the real emulator, driven over HTTP.
import { request } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../scripts/runtimes'
import { codeFor, newCreds, testEnv } from './support/harness'
import { startRuntime, type Running } from './support/runtime'
import { API_HEADERS, DOCUMENT_HEADERS } from '../src/http/respond'

/** Sends these bytes on a new connection; answers the first answer's status line, its head (lower-cased) and the rest, once the server closes. */
const exchange = (baseUrl: string, bytes: string) =>
  new Promise<{ status: string; head: string; body: string }>((resolve, reject) => {
    let got = ''
    const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1', () => socket.write(bytes))
    socket.on('data', (d) => (got += d))
    socket.on('end', () => {
      const [h, body] = got.split('\r\n\r\n')
      resolve({ status: h!.split('\r\n')[0]!, head: h!.toLowerCase(), body: body! })
    })
    socket.on('error', reject)
  })

describe.each<Runtime>(['node', 'bun', 'workers'])('on %s', (runtime) => {
  let server: Running
  beforeAll(async () => {
    server = await startRuntime(runtime, testEnv())
  }, 90_000)
  afterAll(() => server?.stop())

  it('runs sign-up → confirm → sign-in → demo page → sign-out → demo page (401)', async () => {
    const url = (path: string) => `${server.baseUrl}${path}`
    const creds = newCreds()
    const signup = await fetch(url('/signup'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(creds) })
    expect(signup.status).toBe(201)

    const code = await codeFor(creds.email)
    const confirm = await fetch(url(`/confirm?username=${encodeURIComponent(creds.email)}&confirmation_code=${code}`), { method: 'POST' })
    expect(confirm.status).toBe(200)

    const signin = await fetch(url('/signin'), { method: 'POST', body: new URLSearchParams({ username: creds.email, password: creds.password }) })
    expect(signin.status).toBe(200)
    expect(signin.headers.get('cache-control')).toBe('no-store')
    const { access_token, refresh_token } = (await signin.json()) as { access_token: string; refresh_token: string }
    const auth = { Authorization: `Bearer ${access_token}` }

    const demo = await fetch(url('/demopage'), { headers: auth })
    expect(demo.status).toBe(200)
    expect(await demo.json()).toEqual({ msg: `Hello, ${creds.username}! Welcome to the demo page.` })

    const signout = await fetch(url('/signout'), { method: 'POST', headers: auth, body: new URLSearchParams({ refresh_token }) })
    expect(signout.status).toBe(200)

    const after = await fetch(url('/demopage'), { headers: auth })
    expect(after.status).toBe(401)
    expect(after.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"')
    expect(await after.json()).toMatchObject({ error: 'invalid_token' })
  })

  it('serves /openapi.json and the Swagger UI files itself', async () => {
    const doc = await fetch(`${server.baseUrl}/openapi.json`)
    expect(doc.status).toBe(200)
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0')
    const html = await (await fetch(`${server.baseUrl}/docs`)).text()
    for (const [, path] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const asset = await fetch(`${server.baseUrl}${path}`)
      expect(asset.status, path).toBe(200)
      expect((await asset.arrayBuffer()).byteLength, path).toBeGreaterThan(10_000)
    }
  })

  // On Workers the platform serves these as static assets (public/_headers gives them their headers).
  it('sends the page, its files and the document with the same security headers as every answer, and the page\'s own', async () => {
    const expected: [string, Record<string, string>][] = [
      ['/openapi.json', API_HEADERS],
      ['/docs', { ...API_HEADERS, ...DOCUMENT_HEADERS }],
      ['/docs/swagger-ui-dist/swagger-ui.css', { ...API_HEADERS, ...DOCUMENT_HEADERS, 'cache-control': 'public, max-age=86400' }],
    ]
    for (const [path, headers] of expected) {
      const res = await fetch(`${server.baseUrl}${path}`)
      await res.arrayBuffer()
      expect(res.status, path).toBe(200)
      for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name), `${path} ${name}`).toBe(value)
    }
  })

  // On Workers the platform redirects these to /docs itself (its html_handling); the redirect
  // carried none of the API's headers until public/_headers named them (an attacker's review).
  it('sends the API\'s headers on other spellings of /docs too (Workers: the platform\'s redirect to it)', async () => {
    for (const path of ['/docs/', '/docs.html']) {
      const res = await fetch(`${server.baseUrl}${path}`, { redirect: 'manual' })
      await res.arrayBuffer()
      for (const [name, value] of Object.entries(API_HEADERS)) expect(res.headers.get(name), `${path} ${name}`).toBe(value)
    }
  })

  it('answers errors as API.md JSON on this runtime too', async () => {
    const res = await fetch(`${server.baseUrl}/signin`, { method: 'POST', body: new URLSearchParams({ username: 'nobody@example.com', password: 'x' }) })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'Incorrect username or password.' })
  })

  // RFC 9112 §3.2: 400 for a Host header that is no host. Bun hands the app a URL without its
  // origin then, and the app answered 404 (500 in the gateway); Node's adapter answered an empty
  // 400 of its own. Bun answers an HTTP/1.1 request without Host itself (a bare 400); Node's
  // entry answers it (see the last block).
  // Not on workers: wrangler dev's local proxy answers these itself, before the Worker ("Internal
  // Server Error", or no answer without a Host); on Cloudflare a request reaches a Worker by its Host.
  const send = (head: string) => exchange(server.baseUrl, `${head}Connection: close\r\n\r\n`)
  const MALFORMED = { error: 'invalid_request', error_description: "The request's Host, target or length is malformed." }

  it.skipIf(runtime === 'workers').each(['a/b', 'a@b', '[::1'])('answers a request with Host: %s with API.md\'s 400 (skipped on workers: see above)', async (host) => {
    const { status, head, body } = await send(`GET /health HTTP/1.1\r\nHost: ${host}\r\n`)
    // Bun takes [::1 into its URL as it is, and the app answers; the gateway refuses it (gateway-parity.test.ts).
    if (runtime === 'bun' && host === '[::1') return expect(status).toBe('HTTP/1.1 200 OK')
    expect(status).toBe('HTTP/1.1 400 Bad Request')
    expect(head).toContain('content-type: application/json')
    expect(head).toContain('x-content-type-options: nosniff')
    expect(JSON.parse(body)).toEqual(MALFORMED)
  })

  it.skipIf(runtime === 'workers')('answers an HTTP/1.0 request without Host: Node as for its HOST, Bun with API.md\'s 400 (skipped on workers: see above)', async () => {
    const { status, body } = await send('GET /health HTTP/1.0\r\n')
    if (runtime === 'node') return expect([status, JSON.parse(body)]).toEqual(['HTTP/1.1 200 OK', { status: 'ok' }])
    // Bun gives no version to tell it from an HTTP/1.1 one with a bad Host, nor its address to a
    // Request made anew: refused.
    expect([status, JSON.parse(body)]).toEqual(['HTTP/1.1 400 Bad Request', MALFORMED])
  })

  // A body sent chunked (Transfer-Encoding: chunked, no Content-Length): its length is known only at its end.
  const chunked = (text: string) =>
    new Promise<{ status: number; body: { error?: string } }>((resolve, reject) => {
      const req = request(`${server.baseUrl}/signin`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Transfer-Encoding': 'chunked' } }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body) }))
      })
      req.on('error', reject)
      // In two pieces, as a stream arrives.
      req.write(text.slice(0, 10))
      req.end(text.slice(10))
    })
  const tooLarge = `username=a%40example.com&password=${'x'.repeat(20 * 1024)}`

  it('limits a body sent chunked as it does one with a length: 413 past 16 KiB', async () => {
    expect(await chunked('username=nobody%40example.com&password=x')).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Incorrect username or password.' } })
    expect(await chunked(tooLarge)).toMatchObject({ status: 413, body: { error: 'request_too_large' } })
  })

  // Skipped under wrangler dev, and said so: there the Worker answers the 413 at once (the test
  // above), but the next request, on another connection, either waits in wrangler dev's local
  // proxy (5 s in a probe, past this test's time here) before the Worker sees it, or gets the
  // proxy's own 503 "Your worker restarted mid-request"; the same whether or not the Worker
  // cancels the body it refused. Node and Bun answer it at once. (These two come last: under
  // wrangler dev, any request after them may meet that.)
  it.skipIf(runtime === 'workers')('answers the next request after refusing a chunked body (skipped on workers: see above)', async () => {
    expect((await chunked(tooLarge)).status).toBe(413)
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200)
  })
})

// Node's parser refuses some requests before any app runs. It answered them with a bare status
// line; now with API.md's JSON and the API's headers (src/runtime/node/listen.ts). Node only: Bun
// and wrangler dev answer what their parsers refuse themselves, before the app, and offer no hook.
describe('Node, where its parser refuses a request', () => {
  let server: Running
  beforeAll(async () => {
    server = await startRuntime('node', testEnv())
  }, 90_000)
  afterAll(() => server?.stop())

  const raw = (text: string) => exchange(server.baseUrl, text)
  const NOT_HTTP = { error: 'invalid_request', error_description: 'The request is not well-formed HTTP/1.1.' }

  it.each([
    ['two Content-Length headers', 'POST /signin HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc'],
    ['a header name with a space', 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'],
    ['no request line', 'HELLO\r\n\r\n'],
    ['a chunk size that is none', 'POST /signin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\n'],
  ])('answers %s with API.md\'s 400, its headers and a length, then closes', async (_, text) => {
    const { status, head, body } = await raw(text)
    expect(status).toBe('HTTP/1.1 400 Bad Request')
    for (const [name, value] of Object.entries(API_HEADERS)) expect(head).toContain(`${name}: ${value}`.toLowerCase())
    expect(head).toContain('content-type: application/json')
    expect(head).toContain(`content-length: ${Buffer.byteLength(body)}`)
    expect(JSON.parse(body)).toEqual(NOT_HTTP)
  })

  it('answers headers past 32 KiB with 431 and API.md\'s JSON', async () => {
    const { status, body } = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`)
    expect(status).toBe('HTTP/1.1 431 Request Header Fields Too Large')
    expect(JSON.parse(body)).toEqual({ error: 'request_too_large', error_description: "The request's headers must be at most 32 KiB." })
  })

  it('answers an HTTP/1.1 request without Host with API.md\'s 400 (RFC 9112 §3.2), and still serves HTTP/1.0 without one', async () => {
    const { status, head, body } = await raw('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n')
    expect(status).toBe('HTTP/1.1 400 Bad Request')
    expect(head).toContain('x-frame-options: deny')
    expect(JSON.parse(body)).toEqual({ error: 'invalid_request', error_description: "The request's Host, target or length is malformed." })
    const old = await raw('GET /health HTTP/1.0\r\n\r\n')
    expect([old.status, JSON.parse(old.body)]).toEqual(['HTTP/1.1 200 OK', { status: 'ok' }])
  })

  it('takes a chunked body it cannot read as the client\'s fault: a 400 in the log, no error line', async () => {
    await raw('POST /signin HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n5\r\nabcde\r\nzz\r\n')
    await expect.poll(() => server.output()).toMatch(/"method":"POST","path":"\/signin","status":400/)
    expect(server.output()).not.toContain('"level":"error"')
  })
})
