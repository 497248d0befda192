// The gateway's way to its upstream on Node (and Bun, which speaks node:http too): node:http
// rather than fetch, because Node's fetch decompresses bodies and keeps their Content-Encoding,
// which would hand clients plain bytes labelled gzip. Bodies stream both ways.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import type { Upstream } from '../gateway/forward'

/** Sends one request upstream; resolves with the response as soon as its headers are in. */
export const nodeUpstream: Upstream = (url, init) =>
  new Promise<Response>((resolve, reject) => {
    const target = new URL(url)
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, name) => (headers[name] = value))
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method: init.method, headers, signal: init.signal ?? undefined })
    req.once('error', reject)
    req.once('response', (res: IncomingMessage) => {
      const out = new Headers()
      for (let i = 0; i < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
      const empty = init.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304
      if (empty) res.resume()
      resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status: res.statusCode, statusText: res.statusMessage, headers: out }))
    })
    if (init.body instanceof ReadableStream) Readable.fromWeb(init.body as import('node:stream/web').ReadableStream).pipe(req)
    else req.end(init.body ?? undefined)
  })
