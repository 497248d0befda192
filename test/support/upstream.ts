// A real upstream for the gateway tests: an HTTP server on loopback that records what it receives
// and answers in the ways an API can (echo, cookies, a 5xx, gzip, a slow stream, no answer at all, a reset).
import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { gzipSync } from 'node:zlib'
import { freePort } from '../../scripts/emulator'

export type Received = { method: string; url: string; headers: IncomingHttpHeaders; bytes: number; sha256: string; aborted?: true }
export type TestUpstream = { url: string; received: Received[]; last(): Received | undefined; stop(): Promise<void> }

export async function startUpstream(): Promise<TestUpstream> {
  const received: Received[] = []
  const server = createServer(async (req, res) => {
    const hash = createHash('sha256')
    let bytes = 0
    try {
      for await (const chunk of req) {
        hash.update(chunk as Buffer)
        bytes += (chunk as Buffer).length
      }
    } catch {
      // The request ended before its body did (the gateway gave up on it): recorded as such.
      received.push({ method: req.method!, url: req.url!, headers: req.headers, bytes, sha256: hash.digest('hex'), aborted: true })
      return
    }
    const r: Received = { method: req.method!, url: req.url!, headers: req.headers, bytes, sha256: hash.digest('hex') }
    received.push(r)
    const path = req.url!.split('?')[0]!
    if (path.endsWith('/hang')) return // never answers
    // Fails the request after a while: the connection reset, no answer.
    if (path.endsWith('/reset')) return void setTimeout(() => req.socket.resetAndDestroy(), 300)
    if (path.endsWith('/cookies')) {
      res.writeHead(200, [['Set-Cookie', 'a=1; Path=/'], ['Set-Cookie', 'b=2; Path=/; HttpOnly'], ['Content-Type', 'text/plain']])
      return res.end('cookies')
    }
    if (path.endsWith('/broken')) {
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '7' })
      return res.end('upstream is down for maintenance')
    }
    if (path.endsWith('/gzip')) {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' })
      return res.end(gzipSync('hello, compressed world'))
    }
    if (path.endsWith('/hop')) {
      res.writeHead(200, [['Content-Type', 'text/plain'], ['Connection', 'X-Upstream-Secret'], ['X-Upstream-Secret', 'leak'], ['Keep-Alive', 'timeout=5'], ['X-Kept', 'yes']])
      return res.end('hop')
    }
    if (path.endsWith('/stream')) {
      // A slow download: ten chunks, 30 ms apart.
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      for (let i = 0; i < 10; i++) {
        res.write(Buffer.alloc(1000, i))
        await new Promise((resolve) => setTimeout(resolve, 30))
      }
      return res.end()
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'yes' })
    res.end(JSON.stringify({ method: r.method, url: r.url, bytes, sha256: r.sha256 }))
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    last: () => received.at(-1),
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
