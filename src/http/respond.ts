import { Hono, type Context, type TypedResponse } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { JSONParsed, JSONValue } from 'hono/utils/types'
import { createMiddleware } from 'hono/factory'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from '../env'

// Every answer's headers are gathered in one plain object per request and handed to the
// Response in one go. On Node that keeps @hono/node-server on its fast path: hono's c.header()
// builds an undici Headers object, which validates each header, and headers changed on a
// finished response make the adapter build a full Response. Together they cost GET /demopage
// most of its time (npm run bench).

/**
 * This request's answer headers, made on first use: the security defaults (if responseHeaders()
 * or requestLog() ran) and the request id, then whatever the request's handlers set. A request
 * the gateway forwards never makes them: the upstream's answer goes back as it came.
 */
// c.get(), not c.var: hono's c.var copies every variable into a new object on each access.
function headersOf(c: Context<AppEnv>): Record<string, string> {
  let headers = c.get('headers')
  if (!headers) {
    headers = { ...c.get('defaultHeaders') }
    const id = c.get('requestId')
    if (id) headers['x-request-id'] = id
    c.set('headers', headers)
  }
  return headers
}

/** Sets a header of this request's answer. */
export function setHeader(c: Context<AppEnv>, name: string, value: string): void {
  headersOf(c)[name.toLowerCase()] = value
}

/**
 * A JSON answer with every header gathered for this request. Typed as hono's `c.json()` is, so
 * that `hc<AppType>` knows each route's body; at run time it is the same plain Response.
 */
export function reply<T extends JSONValue | object, S extends ContentfulStatusCode = 200>(
  c: Context<AppEnv>,
  body: T,
  status?: S,
): Response & TypedResponse<JSONParsed<T>, S, 'json'> {
  return replyText(c, JSON.stringify(body), 'application/json', status ?? 200) as Response & TypedResponse<JSONParsed<T>, S, 'json'>
}

/** A text answer of the given type with every header gathered for this request. */
export function replyText(c: Context<AppEnv>, text: string, type: string, status = 200): Response {
  return new Response(text, { status, headers: { ...headersOf(c), 'content-type': type } })
}

/** No body (204, or 200 where a spec wants it empty) with every header gathered for this request. */
export function replyEmpty(c: Context<AppEnv>, status = 204): Response {
  return new Response(null, { status, headers: headersOf(c) })
}

/** Bytes (a static file) with every header gathered for this request, plus the given ones. */
export function replyBytes(c: Context<AppEnv>, bytes: Uint8Array, headers: Record<string, string>): Response {
  return new Response(bytes as BodyInit, { headers: { ...headersOf(c), ...headers } })
}

let defaults: Record<string, string> | undefined
let reading: Promise<void> | undefined

/**
 * Gives this request's answers hono/secure-headers' defaults, read once from the middleware itself
 * (so they stay exactly its defaults). Only the first requests after start wait for them (the
 * promise); after that it is synchronous. Every answer is built by reply/replyText/replyBytes,
 * which send them; only CORS answers, when CORS is configured, are built by hono's middleware.
 */
export function useSecureHeaders(c: Context<AppEnv>): Promise<void> | undefined {
  if (defaults) {
    c.set('defaultHeaders', defaults)
    return undefined
  }
  reading ??= (async () => {
    const res = await new Hono().use(secureHeaders()).get('/', (c) => c.body(null)).request('/')
    const headers: Record<string, string> = {}
    res.headers.forEach((value, name) => {
      if (name !== 'content-type') headers[name] = value
    })
    defaults = headers
  })()
  return reading.then(() => c.set('defaultHeaders', defaults!))
}

/** The security headers of useSecureHeaders() as a middleware, for an app without requestLog(). */
export function responseHeaders() {
  return createMiddleware<AppEnv>(async (c, next) => {
    await useSecureHeaders(c)
    await next()
  })
}

/** RFC 6749 §5.1: responses that carry tokens must not be cached. */
export function noStore(c: Context<AppEnv>): void {
  setHeader(c, 'Cache-Control', 'no-store')
  setHeader(c, 'Pragma', 'no-cache')
}
