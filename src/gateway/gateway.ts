import type { Context } from 'hono'
import type { AppEnv, Deps } from '../env'
import { bearerCheck } from '../http/bearer'
import { ApiError } from '../http/errors'
import { reply, setHeader } from '../http/respond'
import type { Principal } from '../tokens/principal'
import { forward, IDENTITY_HEADERS, identityHeaders } from './forward'
import { normalizePath } from './path'
import { matchRule, slashTwin } from './rules'

/**
 * The gateway: a request that no route of the service answers is checked against ROUTES and
 * sent on to the upstream (`proxy`); a proxy in front asks the same question at /auth/verify
 * (`verify`). Deny by default; the rule sees exactly the path the upstream gets.
 */
export function createGateway(deps: Pick<Deps, 'config' | 'verifier' | 'revocations' | 'upstream' | 'clientAddress' | 'clientProtocol'>) {
  const { routes, timeoutMs, upstreamUrl } = deps.config.gateway
  const check = bearerCheck(deps)
  const realm = deps.config.jwt.audience

  /** The normalized path and who asks for it, if the rule for `method` and `rawPath` lets them in. */
  async function admit(c: Context<AppEnv>, method: string, rawPath: string): Promise<{ path: string; principal?: Principal }> {
    const n = normalizePath(rawPath)
    if ('refused' in n) throw new ApiError('invalid_request', `The request path is refused: ${n.refused}.`)
    const rule = matchRule(routes, method, n.path)
    const twin = slashTwin(routes, method, n.path)
    const both = twin ? [rule, twin] : [rule]
    if (both.every((r) => r.auth === 'none')) return { path: n.path }
    const { principal } = await check(c)
    // RFC 6750 §3.1: a valid token without the rights the resource needs.
    if (both.some((r) => r.groups.length && !r.groups.some((g) => principal.groups.includes(g)))) {
      throw new ApiError('insufficient_scope', 'The signed-in user is in none of the groups this path needs.', {
        headers: { 'WWW-Authenticate': `Bearer realm="${realm}", error="insufficient_scope"` },
      })
    }
    return { path: n.path, principal }
  }

  return {
    /** Whether there is an upstream to send requests to. */
    enabled: deps.upstream !== undefined,

    /** Checks a request against ROUTES and sends it on to the upstream. */
    async proxy(c: Context<AppEnv>): Promise<Response> {
      const url = parsedUrl(c.req.url)
      if (!framed(c)) throw new ApiError('invalid_request', MALFORMED)
      const { path, principal } = await admit(c, c.req.method, url.pathname)
      return forward(deps.upstream!, c.req.raw, {
        // A service binding takes any URL; its host is the original one.
        base: upstreamUrl ?? url.origin,
        path,
        search: url.search,
        host: url.host,
        clientAddress: deps.clientAddress?.(c),
        protocol: deps.clientProtocol?.(c) ?? url.protocol.slice(0, -1),
        principal,
        timeoutMs,
      })
    },

    /**
     * Forward auth (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth): the original
     * method and URI come in headers; the answer is 200 with the identity headers, or 401/403.
     * The body is never read.
     */
    async verify(c: Context<AppEnv>): Promise<Response> {
      // Each proxy sets one pair and passes the client's headers on: the other pair may be the
      // client's own. Both there and disagreeing is refused, never settled by precedence.
      const uri = agreed(c.req.header('X-Forwarded-Uri'), c.req.header('X-Original-URI'))
      if (!uri) throw new ApiError('invalid_request', 'X-Forwarded-Uri or X-Original-URI must name the original request.')
      const method = (agreed(c.req.header('X-Forwarded-Method'), c.req.header('X-Original-Method')) ?? 'GET').toUpperCase()
      if (!/^[A-Z]+$/.test(method)) throw new ApiError('invalid_request', 'The original method is not one.')
      // A request target never holds a fragment: refused, not cut off (an upstream could read past it).
      if (uri.includes('#')) throw new ApiError('invalid_request', 'The original URI holds a fragment.')
      // An absolute URI (some proxies send one) is reduced to its path: its scheme and authority
      // become a "/" (the root when its path is empty, RFC 3986 §6.2.3; "//x" is normalized to
      // "/x"). The query plays no part in rules.
      const path = uri.replace(/^https?:\/\/[^/?#]*/i, '/').split('?', 1)[0]!
      const { principal } = await admit(c, method, path)
      // All four, empty when there is nothing to say: a proxy that copies them then overwrites what
      // the client sent (Caddy 2.6 copies a missing one as the text of its placeholder).
      const identity = principal ? identityHeaders(principal) : {}
      for (const name of IDENTITY_HEADERS) setHeader(c, name, identity[name] ?? '')
      return reply(c, { status: 'ok' })
    },
  }
}

/** Said of a request whose Host, target or length no server should take (also by the Node and Bun entries). */
export const MALFORMED = "The request's Host, target or length is malformed."

/**
 * Whether a request's Host and framing can be passed on as they are. RFC 9112 §3.2: one Host, not
 * empty (two reach the app joined, "a, b", and would reach the upstream so). One length: two reach
 * Bun's app as "3, 3" (RFC 9110 §8.6; Node's parser refuses them itself); a GET's is never
 * forwarded (forward.ts), so not read then. No transfer coding but chunked (§6.1): Node decodes only
 * that one, and a body sent `gzip, chunked` went on as plain chunked, its gzip coding lost (Bun
 * refuses it itself).
 */
function framed(c: Context<AppEnv>): boolean {
  const host = c.req.header('host')
  const coding = c.req.header('transfer-encoding')
  return host !== '' && !host?.includes(',') && (coding === undefined || /^chunked$/i.test(coding)) && (c.req.method === 'GET' || !c.req.header('content-length')?.includes(','))
}

/** The request's URL; Bun hands over one that no parser takes for a Host such as `[::1`. */
function parsedUrl(url: string): URL {
  try {
    return new URL(url)
  } catch {
    throw new ApiError('invalid_request', MALFORMED)
  }
}

/** The value of two headers that must say the same when both are there; undefined when neither is. */
function agreed(a: string | undefined, b: string | undefined): string | undefined {
  if (a !== undefined && b !== undefined && a !== b) throw new ApiError('invalid_request', 'The forwarded and original request headers disagree.')
  return a ?? b
}
