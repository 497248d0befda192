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

// Cognito's answers and a pool's JWKS are a few kilobytes; a larger one is no answer of theirs.
const MAX_ANSWER_BYTES = 1024 * 1024

/**
 * A `fetch` for calls whose answers are read whole: a URL and a string body (or none) out, the
 * whole answer back. Settled whatever happens, as the deadline of every call needs: an abort
 * rejects at once, and so do a refused or reset connection, an answer cut off before its end, one
 * over MAX_ANSWER_BYTES, and a 101 (an upgrade is no answer; with nobody listening for it, Node
 * drops the socket without an error, and the call would wait forever). A short body is never
 * handed over; redirects are not followed (a signed POST is never sent elsewhere).
 */
export const wholeAnswerFetch = ((input: string | URL, init: RequestInit = {}) =>
  new Promise<Response>((resolve, reject) => {
    if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('wholeAnswerFetch takes a URL, not a Request')
    if (init.body != null && typeof init.body !== 'string') throw new TypeError('wholeAnswerFetch sends string bodies only')
    const signal = init.signal ?? undefined
    signal?.throwIfAborted()
    const target = new URL(input)
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, name) => (headers[name] = value))
    const https = target.protocol === 'https:'
    const req = (https ? httpsRequest : httpRequest)(target, { method: init.method ?? 'GET', headers, agent: https ? agents.https : agents.http })
    const fail = (err: unknown) => {
      reject(err)
      req.destroy()
    }
    const onAbort = () => fail(signal!.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    req.once('close', () => signal?.removeEventListener('abort', onAbort))
    req.once('error', fail)
    req.once('upgrade', () => fail(new TypeError('the answer was an upgrade')))
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_ANSWER_BYTES) fail(new TypeError('the answer is too large'))
        else chunks.push(chunk)
      })
      // Closed before its end (the connection cut, or the request aborted meanwhile): no answer.
      // Node also emits an error then, which must have a listener.
      res.once('error', fail)
      res.once('close', () => res.complete || fail(new TypeError('the answer was cut off')))
      res.once('end', () => {
        const out = new Headers()
        for (let i = 0; i < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
        const status = res.statusCode ?? 0
        const empty = status === 204 || status === 304 || init.method === 'HEAD'
        try {
          resolve(new WholeAnswer(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers: out }))
        } catch (err) {
          // A status no Response can have (below 200 or above 599): fetch refuses it too.
          reject(err)
        }
      })
    })
    req.end(init.body ?? undefined)
  })) as typeof fetch

const utf8 = new TextDecoder()

/**
 * An answer read whole, whose text() and json() decode its bytes at once. A Response made on
 * bytes hands them out through a Web stream: on Node that took 0.35 ms of every sign-in (a 3 KB
 * answer of Cognito's, timed step by step inside POST /signin), against 0.02 ms this way. Read so,
 * its stream is cancelled, which leaves the body used, as a read would: a second read, a clone
 * or the stream then fail as they do after any read. The text is decoded as fetch decodes it.
 */
class WholeAnswer extends Response {
  #bytes: Buffer | null
  constructor(bytes: Buffer | null, init: ResponseInit) {
    super(bytes as Uint8Array<ArrayBuffer> | null, init)
    this.#bytes = bytes
  }
  override text(): Promise<string> {
    const bytes = this.#bytes
    // Already read, or its stream taken: fetch's own answer (an error, or the stream's text).
    if (!bytes || this.bodyUsed || this.body!.locked) return super.text()
    this.#bytes = null
    // Cancelled through a reader kept: locked and used, as a stream is after a read.
    void this.body!.getReader().cancel()
    // As Node's fetch (undici) decodes: it drops a byte order mark itself, then its decoder drops another.
    return Promise.resolve(utf8.decode(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes))
  }
  override json(): Promise<any> {
    return this.text().then(JSON.parse)
  }
}
