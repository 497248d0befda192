import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, Deps, Logger } from '../env'
import { InvalidToken, type Principal } from '../tokens/principal'
import { toClientError } from './client-error'
import { ApiError, errorResponse } from './errors'

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i
// Our tokens are a few hundred bytes, Cognito's about 1 KB; anything far larger is refused before any crypto runs.
const MAX_TOKEN_LENGTH = 8192

/** The 401 for a bad token (RFC 6750 §3.1), also used where Cognito refuses a token we passed on. */
export const invalidToken = (realm: string, cause?: unknown) =>
  new ApiError('invalid_token', 'The access token is invalid, expired or revoked.', {
    headers: { 'WWW-Authenticate': `Bearer realm="${realm}", error="invalid_token"` },
    cause,
  })

/**
 * Checks the bearer token of a request (Authorization header only, never the query string,
 * RFC 6750 §2.3): a valid token of a session that has not ended. Throws the 401 of API.md.
 * With `allowRevoked`, a token of an ended session passes: sign-out uses it so that signing out
 * twice is harmless. Shared by the middleware below and the gateway.
 */
export function bearerCheck(deps: Pick<Deps, 'verifier' | 'revocations' | 'config'>, options: { allowRevoked?: boolean } = {}) {
  const realm = deps.config.jwt.audience
  // RFC 6750 §3.1: a request without credentials gets no error code; one with bad credentials gets invalid_token.
  const missing = () =>
    new ApiError('unauthorized', 'A bearer token is required.', { headers: { 'WWW-Authenticate': `Bearer realm="${realm}"` } })
  const invalid = (cause?: unknown) => invalidToken(realm, cause)

  return async (c: Context<AppEnv>): Promise<{ principal: Principal; token: string }> => {
    const header = c.req.header('Authorization')
    if (!header) throw missing()
    // A token verified before passed the syntax check below then, and is kept exactly as it came
    // (tokens/verified-cache.ts): it is looked up first. The regex takes 0.4 to 0.7 µs a request.
    let token = header.startsWith('Bearer ') ? header.slice(7) : ''
    let principal = token.length <= MAX_TOKEN_LENGTH ? deps.verifier.known?.(token) : undefined
    if (!principal) {
      const match = BEARER.exec(header)
      // Only a failed match needs to know whether the scheme was Bearer at all.
      if (!match) throw /^bearer(\s|$)/i.test(header) ? invalid() : missing()
      if (match[1]!.length > MAX_TOKEN_LENGTH) throw invalid()
      token = match[1]!
      try {
        const verified = deps.verifier.verify(token)
        // A verifier of one's own may answer at once; awaiting only a promise spares a tick.
        principal = verified instanceof Promise ? await verified : verified
      } catch (err) {
        if (err instanceof InvalidToken) throw invalid(err)
        throw err
      }
    }
    if (!options.allowRevoked) {
      // The memory store answers at once; the shared ones in a promise.
      const ended = deps.revocations.isEnded(principal)
      // Stryker disable next-line StringLiteral: this cause's text reaches no answer, log or caller (errorResponse and onError use only the code and description; bearerCheck is not exported)
      if (ended instanceof Promise ? await ended : ended) throw invalid(new InvalidToken('session ended'))
    }
    return { principal, token }
  }
}

/** Requires a valid bearer token (bearerCheck) and puts who it speaks for in `c.get('principal')`. */
export function bearerAuth(deps: Pick<Deps, 'verifier' | 'revocations' | 'config'> & { log?: Logger }, options: { allowRevoked?: boolean } = {}) {
  const check = bearerCheck(deps, options)
  const log = deps.log ?? ((line) => console.error(JSON.stringify(line)))
  return createMiddleware<AppEnv>(async (c, next) => {
    let checked
    try {
      checked = await check(c)
    } catch (err) {
      // Answered here, as the service's own error handler answers it, so that a Hono app of one's
      // own (the library) gets API.md's 401, or its 502 when Cognito's keys or a store are out of
      // reach, never its own plain 500 (two attacker's reviews).
      if (!(err instanceof Error)) throw err
      return errorResponse(c, toClientError(err, log, c.get('requestId')))
    }
    const { principal, token } = checked
    c.set('principal', principal)
    c.set('token', token)
    await next()
    // What a bearer token unlocks is for that user only: no cache may keep it. The service's own
    // answers say so already (API_HEADERS); an answer of a route of one's own that says nothing is
    // marked here, even where the service's middleware ran too (mounted at the root), and one that
    // chose its own Cache-Control keeps it. (The gateway's forwarded answers are the upstream's to mark.)
    // Answers made by http/respond.ts are known by their gathered headers: reading c.res.headers
    // would make @hono/node-server build a Headers object for every GET /demopage.
    if (!c.get('headers')?.['cache-control'] && !c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store')
  })
}
