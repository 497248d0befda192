// Node's way to Cognito and a pool's JWKS: node:http rather than Node's fetch (undici), whose
// requests and answers go through Web streams. With the service in its own process against the
// emulator, interleaved with the same build on undici, 300 sign-ins each, twice: 0.51 and 0.54 ms
// less of every sign-in's overhead (scripts/bench.ts measures the overhead). The answers are small
// JSON documents, so each is read whole before it is handed over. Bun keeps its own fetch.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'

// Kept-alive connections, as undici keeps them: dropped after 4 s idle, or a second before the
// server's own `Keep-Alive: timeout=` (Node's agent reads it), so that a POST is never sent on a
// connection the server is closing. A POST that fails is never sent twice.
const agents = { http: new HttpAgent({ keepAlive: true, timeout: 4000 }), https: new HttpsAgent({ keepAlive: true, timeout: 4000 }) }

/**
 * A `fetch` for calls whose answers are read whole: a string body (or none) out, the whole answer
 * back. An abort (the call's deadline), a refused or reset connection, or an answer cut off before
 * its end rejects, as fetch does; a short body is never handed over.
 */
export const wholeAnswerFetch = ((input: RequestInfo | URL, init: RequestInit = {}) =>
  new Promise<Response>((resolve, reject) => {
    if (init.body != null && typeof init.body !== 'string') throw new TypeError('wholeAnswerFetch sends string bodies only')
    const target = new URL(input instanceof Request ? input.url : input)
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, name) => (headers[name] = value))
    const https = target.protocol === 'https:'
    const req = (https ? httpsRequest : httpRequest)(target, { method: init.method ?? 'GET', headers, signal: init.signal ?? undefined, agent: https ? agents.https : agents.http })
    req.once('error', reject)
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      // Closed before its end (the connection cut, or the request aborted meanwhile): no answer.
      // Node also emits an error then, which must have a listener.
      res.once('error', reject)
      res.once('close', () => res.complete || reject(new TypeError('the answer was cut off')))
      res.once('end', () => {
        const out = new Headers()
        for (let i = 0; i < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
        const status = res.statusCode ?? 0
        const empty = status === 204 || status === 304 || init.method === 'HEAD'
        try {
          resolve(new Response(empty ? null : (Buffer.concat(chunks) as Uint8Array<ArrayBuffer>), { status, statusText: res.statusMessage, headers: out }))
        } catch (err) {
          // A status no Response can have (below 200 or above 599): fetch refuses it too.
          reject(err)
        }
      })
    })
    req.end(init.body ?? undefined)
  })) as typeof fetch
