import { deadline } from '../deadline'
import type { Principal } from '../tokens/principal'

// RFC 9110 §7.6.1: meant for one connection, never forwarded (either way), with those `Connection` names.
const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'proxy-connection']
// Said by the client about itself, and read by some upstreams as said by a proxy: never passed on.
// `host` too: the upstream's is its own. The URL and method overrides would let a request that a
// rule let through be routed by the upstream as another path or method (IIS and Symfony read
// X-Original-URL; many frameworks honour X-HTTP-Method-Override).
const CLIENT_CLAIMS = [
  'forwarded', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'x-cluster-client-ip', 'x-rewrite-url',
  'x-http-method-override', 'x-http-method', 'x-method-override', 'host',
]
// And every header named so: X-Auth-Request-* (only the service says who the user is); every
// X-Forwarded-* (only proxies set them: the gateway sets For, with the client's chain carried on,
// Proto and Host; others tell the user, the URI, the method or a client certificate, as
// oauth2-proxy's X-Forwarded-User, Traefik's X-Forwarded-Uri or Envoy's -Client-Cert do); every
// X-Original-* (nginx's URI and method, IIS's and Symfony's X-Original-URL); and Remote-* and
// X-Remote-* (Authelia's and Authentik's identity, Kubernetes' X-Remote-User and -Group).
const CLAIMED = /^(x-auth-request|x-forwarded|x-original|x-remote|remote)-/

// Both, for one lookup per request header.
const NEVER_FORWARDED = new Set([...HOP_BY_HOP, ...CLIENT_CLAIMS])

/**
 * The names the `Connection` header lists, which are hop-by-hop too. Empty items are allowed
 * (RFC 9110 §5.6.1), and an item that is no header name names nothing: both are passed over
 * (Headers.delete() throws on them).
 */
const connectionNames = (headers: Headers) =>
  headers.get('connection')?.split(',').map((h) => h.trim().toLowerCase()).filter((h) => /^[\w!#$%&'*+.^`|~-]+$/.test(h)) ?? []

/**
 * The upstream's answer as the client gets it: status, headers but hop-by-hop ones, body streamed.
 * Node and most servers send `Connection: keep-alive` on every answer. Cut in place where the
 * headers can be changed (Node's upstream and Bun's fetch: a copy cost Bun's gateway
 * 0.8 µs a request in process); a fetch response's own are immutable (Workers), and a copy is cut then.
 */
function endToEnd(res: Response): Response {
  const names = [...HOP_BY_HOP, ...connectionNames(res.headers)]
  try {
    // Fetch's delete() throws on immutable headers before it looks for the name: at the first one.
    for (const name of names) res.headers.delete(name)
    return res
  } catch {
    const out = new Response(res.body, res)
    for (const name of names) out.headers.delete(name)
    return out
  }
}

/**
 * A request's headers for the upstream, in one pass: no hop-by-hop ones (nor the names `named` by
 * its `Connection`), no `X-Auth-Request-*` (only the service says who the user is), nothing a
 * client claims about where it came from. Each name also as WSGI and CGI read it, `_` as `-`
 * (`X_Forwarded_For` is X-Forwarded-For to them).
 */
function forwardable(headers: Headers, named: string[]): Headers {
  // A native copy, then deletions: appending each header from JavaScript instead cost Bun's
  // gateway a fifth of its throughput (its fetch then converts them one by one).
  const out = new Headers(headers)
  for (const name of headers.keys()) {
    const read = name.includes('_') ? name.replaceAll('_', '-') : name
    if (NEVER_FORWARDED.has(read) || named.includes(name) || CLAIMED.test(read)) out.delete(name)
  }
  return out
}

// Header values are bytes: a display name beyond printable ASCII travels percent-encoded (UTF-8).
const headerValue = (v: string) => (/^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v))

/** The identity headers, with oauth2-proxy's names. */
export const IDENTITY_HEADERS = ['X-Auth-Request-User', 'X-Auth-Request-Email', 'X-Auth-Request-Preferred-Username', 'X-Auth-Request-Groups'] as const

/** The identity headers for a signed-in user; one with no value is left out. */
export function identityHeaders(p: Principal): Partial<Record<(typeof IDENTITY_HEADERS)[number], string>> {
  const out: Partial<Record<(typeof IDENTITY_HEADERS)[number], string>> = { 'X-Auth-Request-User': p.sub }
  if (p.email) out['X-Auth-Request-Email'] = headerValue(p.email)
  if (p.username) out['X-Auth-Request-Preferred-Username'] = headerValue(p.username)
  if (p.groups.length) out['X-Auth-Request-Groups'] = headerValue(p.groups.join(','))
  return out
}

/**
 * How the gateway reaches its upstream: fetch to UPSTREAM_URL, or a Workers service binding. It
 * answers a new Response each call: the gateway cuts hop-by-hop headers out of it in place.
 */
export type Upstream = (url: string, init: RequestInit) => Promise<Response>

/** Why a forward failed: no answer in time, none at all, or the request's body broke off (its client went away). */
export class UpstreamFailed extends Error {
  override name = 'UpstreamFailed'
  constructor(readonly kind: 'timeout' | 'unreachable' | 'client_gone', options?: { cause?: unknown }) {
    super(`upstream ${kind}`, options)
  }
}

/**
 * Whether a forward failed because the request's own body did: its client went away halfway
 * through an upload. Its fault, not the upstream's. Fetch then fails with an AbortError (Bun's,
 * and nodeUpstream's), and the runtime has aborted the request's signal (read only on this path).
 * A client that hangs up on a request the upstream then fails does not make it its own fault.
 */
const bodyFailed = (request: Request, cause: unknown) => (cause as Error | undefined)?.name === 'AbortError' && request.signal.aborted

/**
 * Sends a request on to the upstream at `base` + `path` + the original query, as it came
 * (method, headers but hop-by-hop ones and client-sent identity, body streamed), with
 * X-Forwarded-For/-Proto/-Host and the identity of `principal`; answers what the upstream
 * answered, minus hop-by-hop headers, its body streamed. Times out only until the response headers.
 */
export async function forward(
  upstream: Upstream,
  request: Request,
  target: { base: string; path: string; search: string; host: string; clientAddress?: string; protocol: string; principal?: Principal; timeoutMs: number },
): Promise<Response> {
  const named = connectionNames(request.headers)
  const headers = forwardable(request.headers, named)
  // The client's chain, carried on unless its Connection header says it was for this hop only.
  const prior = named.includes('x-forwarded-for') ? null : request.headers.get('x-forwarded-for')
  const forwardedFor = prior && target.clientAddress ? `${prior}, ${target.clientAddress}` : prior || target.clientAddress
  if (forwardedFor) headers.set('X-Forwarded-For', forwardedFor)
  // The connection's, as the runtime knows it: not the scheme of an absolute-form request target.
  headers.set('X-Forwarded-Proto', target.protocol)
  headers.set('X-Forwarded-Host', request.headers.get('host') ?? target.host)
  if (target.principal) {
    const identity = identityHeaders(target.principal)
    for (const name of IDENTITY_HEADERS) if (identity[name] !== undefined) headers.set(name, identity[name])
  }

  const { signal, clear } = deadline(target.timeoutMs)
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null
  // A length with no body would make the upstream read the next request on the connection as
  // this one's body (request smuggling): the body is dropped, its framing with it.
  if (!hasBody) headers.delete('content-length')
  let res: Response
  try {
    res = await upstream(`${target.base}${target.path}${target.search}`, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      redirect: 'manual',
      signal,
      // A streamed request body (fetch requires saying so).
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit)
  } catch (cause) {
    throw new UpstreamFailed(signal.aborted ? 'timeout' : bodyFailed(request, cause) ? 'client_gone' : 'unreachable', { cause })
  } finally {
    clear()
  }
  return endToEnd(res)
}
