// The gateway's way to its upstream on Node and Bun. Node: node:http rather than fetch, because
// Node's fetch decompresses bodies and keeps their Content-Encoding, which would hand clients
// plain bytes labelled gzip. Bun: its fetch, told not to decompress (faster there than node:http).
// Bodies stream both ways.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { pipeline, Readable } from 'node:stream'
import type { Upstream } from '../../gateway/forward'

// Connections to the upstream are kept and reused, as fetch would.
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 256 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 256 }) }

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

/** Bun's fetch, leaving bodies as the upstream encoded them. */
export const bunUpstream: Upstream = (url, init) => fetch(url, { ...init, decompress: false } as RequestInit)

/**
 * Sends one request upstream with node:http; resolves with the response as soon as its headers are
 * in. A kept-alive connection the upstream closed just as it was reused fails before any answer
 * (Node's docs: `request.reusedSocket`); an idempotent request without a body (RFC 9110 §9.2.2:
 * the upstream may have acted on it already) is then sent once more, on a new connection, as
 * undici does. Seen as one 502 in 24,000 requests under `npm run bench`.
 */
export const nodeUpstream: Upstream = (url, init) =>
  sendOnce(url, init).catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
    if (err.reusedSocket && err.code === 'ECONNRESET' && IDEMPOTENT.has(init.method ?? 'GET') && init.body == null && !init.signal?.aborted) return sendOnce(url, init)
    throw err
  })

const sendOnce = (url: string, init: RequestInit) =>
  new Promise<Response>((resolve, reject) => {
    const target = new URL(url)
    const headers: Record<string, string> = {}
    ;(init.headers instanceof Headers ? init.headers : new Headers(init.headers)).forEach((value, name) => (headers[name] = value))
    // A streamed body without a length must be sent chunked. node:http chunks by default only for
    // methods that usually carry a body: a DELETE or OPTIONS body went out unframed, and the
    // upstream read a request hidden in it as a second request, identity headers and all.
    if (init.body instanceof ReadableStream && headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked'
    const https = target.protocol === 'https:'
    const req = (https ? httpsRequest : httpRequest)(target, { method: init.method, headers, signal: init.signal ?? undefined, agent: https ? agents.https : agents.http })
    req.once('error', (err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })))
    req.once('response', (res: IncomingMessage) => {
      const out = new Headers()
      for (let i = 0; i < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
      const empty = init.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304
      if (empty) res.resume()
      resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status: res.statusCode, statusText: res.statusMessage, headers: out }))
    })
    // pipeline, not pipe: a body that fails (its client gone halfway) then ends the upstream
    // request too, cut off rather than passed as whole, and its error has a listener (with pipe it
    // had none, and the process died of it).
    if (init.body instanceof ReadableStream) {
      const body = Readable.fromWeb(init.body as import('node:stream/web').ReadableStream)
      pipeline(body, req, () => {})
      // Said as fetch says it (forward.ts): the body broke off, not the upstream. Before the
      // request's own error, which pipeline passes on a tick later.
      body.once('error', (cause) => reject(new DOMException(`the request body failed: ${cause.message}`, 'AbortError')))
    } else req.end(init.body ?? undefined)
  })
