import type { Context, TypedResponse } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { JSONParsed, JSONValue } from 'hono/utils/types'
import type { AppEnv } from '../env'

// Every answer's headers are gathered in one plain object per request and handed to the
// Response in one go. On Node that keeps @hono/node-server on its fast path: hono's c.header()
// builds an undici Headers object, which validates each header, and headers changed on a
// finished response make the adapter build a full Response. Together they cost GET /demopage
// most of its time (npm run bench).
// Every header object here is copied with Object.assign and added to after, never made by a
// spread: on Node 20 an object made by `{ ...h }` and then given more headers, in the same literal
// or after, is slow to build and to walk (2.4 µs a request where Object.assign's takes 0.1; Node's
// writeHead walks it again). GET /demopage did 0.38 of the same-headers baseline that way, 0.58
// after (README, Performance).

/**
 * This request's answer headers, made on first use: API_HEADERS and the request id (when
 * requestLog() gave one), then whatever the request's handlers set. Every answer made here has
 * them, in an app of one's own too (bearerAuth's 401s had none there: an attacker's review). A
 * request the gateway forwards never makes them: the upstream's answer goes back as it came.
 */
// c.get(), not c.var: hono's c.var copies every variable into a new object on each access.
function headersOf(c: Context<AppEnv>): Record<string, string> {
  let headers = c.get('headers')
  if (!headers) {
    headers = Object.assign({}, API_HEADERS)
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
  const headers = Object.assign({}, headersOf(c))
  headers['content-type'] = type
  return new Response(text, { status, headers })
}

/** No body (204, or 200 where a spec wants it empty) with every header gathered for this request. */
export function replyEmpty(c: Context<AppEnv>, status = 204): Response {
  return new Response(null, { status, headers: headersOf(c) })
}

/** Bytes (a static file) with every header gathered for this request, plus the given ones. */
export function replyBytes(c: Context<AppEnv>, bytes: Uint8Array, headers: Record<string, string>): Response {
  return new Response(bytes as BodyInit, { headers: Object.assign({}, headersOf(c), headers) })
}

/**
 * The headers of every answer of this API: OWASP's REST Security Cheat Sheet ("Security headers")
 * lists exactly these for JSON APIs. No answer may be cached unless a route says otherwise (the
 * JWKS); none may be framed, sniffed as another type, or fetched over plain HTTP again.
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "frame-ancestors 'none'",
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
}

/**
 * What a page a browser renders needs besides (hono/secure-headers' defaults that only matter for
 * documents): for /docs and its files. test/headers-and-logs.test.ts keeps them equal to hono's.
 */
export const DOCUMENT_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
}

/** Adds DOCUMENT_HEADERS to this request's answer: it is a page or a file a page loads. */
export function documentHeaders(c: Context<AppEnv>): void {
  Object.assign(headersOf(c), DOCUMENT_HEADERS)
}

/** RFC 6749 §5.1: responses that carry tokens must not be cached. */
export function noStore(c: Context<AppEnv>): void {
  setHeader(c, 'Cache-Control', 'no-store')
  setHeader(c, 'Pragma', 'no-cache')
}
