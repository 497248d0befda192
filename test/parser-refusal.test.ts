// The Node entry's answer to what Node's own HTTP server refuses (src/runtime/node/listen.ts), on
// a real node:http server with short timeouts, so that a 408 comes in a second. The cases an
// attacker's review found: a refused connection must read nothing more (after a 408 the rest of
// the request was parsed and sent on; after a parser error each further byte raised the refusal
// again, and a listener each), and nothing may be written where an earlier answer goes.
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parserRefusal } from '../src/runtime/node/listen'

let server: Server
let port: number
const seen: string[] = []
let refusals = 0
beforeAll(async () => {
  server = createServer({ headersTimeout: 500, requestTimeout: 1000, connectionsCheckingInterval: 100 }, (req, res) => {
    seen.push(`${req.method} ${req.url}`)
    req.resume()
    // A slow answer, for a request pipelined behind it.
    setTimeout(() => res.end('answer'), req.url === '/slow' ? 300 : 0)
  }).on('clientError', (err: Error, socket: Socket) => {
    refusals++
    parserRefusal(err, socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
})
afterAll(() => server?.close())

/** A connection: what it received, and whether the server closed it. */
function open(options: { allowHalfOpen?: boolean } = {}) {
  // allowHalfOpen: the client goes on sending after the server's FIN, as a client may.
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false })
  socket.on('error', () => {})
  const state = { got: '', closed: false, socket }
  socket.on('data', (d) => (state.got += d))
  socket.on('close', () => (state.closed = true))
  return state
}
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

it('answers a request that does not arrive in time with 408, then reads nothing more of that connection', async () => {
  seen.length = 0
  const c = open({ allowHalfOpen: true })
  c.socket.write('POST /late HTTP/1.1\r\nHost: x\r\n')
  await expect.poll(() => c.got, { timeout: 3000 }).toContain('HTTP/1.1 408 Request Timeout')
  c.socket.write('Content-Length: 3\r\n\r\nabcGET /second HTTP/1.1\r\nHost: x\r\n\r\n')
  await wait(300)
  expect(JSON.parse(c.got.split('\r\n\r\n')[1]!)).toEqual({ error: 'invalid_request', error_description: 'The request did not arrive in time.' })
  // Neither the rest of that request nor the next reached the server's handler.
  expect(seen).toEqual([])
})

it('closes a connection after its refusal: more bytes raise nothing more', async () => {
  refusals = 0
  const c = open()
  c.socket.write('HELLO\r\n\r\n')
  await expect.poll(() => c.closed).toBe(true)
  expect(c.got).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
  expect(refusals).toBe(1)
})

it('writes no refusal while the answer to a whole request before it is under way: the connection is cut', async () => {
  refusals = 0
  seen.length = 0
  const c = open()
  c.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\nX\r\n')
  // One byte at a time after the bad one, as the review's flood did.
  for (let i = 0; i < 200 && !c.closed; i++) {
    c.socket.write('y')
    await wait(1)
  }
  await expect.poll(() => c.closed).toBe(true)
  expect(c.got).not.toContain('HTTP/1.1 400')
  expect(refusals).toBe(1)
})

it('answers the request whose own body its parser refuses, when nothing of its answer has gone', async () => {
  const c = open()
  c.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')
  await expect.poll(() => c.closed).toBe(true)
  expect(c.got).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
  expect(c.got.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 400'])
})
