import { createMiddleware } from 'hono/factory'
import type { AppEnv, Deps } from '../env'
import { InvalidToken } from '../tokens/access-token'
import { ApiError } from './errors'

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i
// Our tokens are a few hundred bytes; anything far larger is refused before any crypto runs.
const MAX_TOKEN_LENGTH = 4096

/**
 * Requires a valid, unrevoked access token in the Authorization header (never the query string,
 * RFC 6750 §2.3) and puts its claims in `c.var.claims`. With `allowRevoked`, a revoked but
 * otherwise valid token passes: sign-out uses it so that signing out twice is harmless.
 */
export function bearerAuth(deps: Pick<Deps, 'tokens' | 'revocations' | 'config'>, options: { allowRevoked?: boolean } = {}) {
  const realm = `Bearer realm="${deps.config.jwt.audience}"`
  // RFC 6750 §3.1: a request without credentials gets no error code; one with bad credentials gets invalid_token.
  const missing = () =>
    new ApiError('unauthorized', 'A bearer token is required.', { headers: { 'WWW-Authenticate': realm } })
  const invalid = (cause?: unknown) =>
    new ApiError('invalid_token', 'The access token is invalid, expired or revoked.', {
      headers: { 'WWW-Authenticate': `${realm}, error="invalid_token"` },
      cause,
    })

  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('Authorization')
    if (!header || !/^bearer(\s|$)/i.test(header)) throw missing()
    const match = BEARER.exec(header)
    if (!match || match[1]!.length > MAX_TOKEN_LENGTH) throw invalid()
    let claims
    try {
      claims = await deps.tokens.verify(match[1]!)
    } catch (err) {
      if (err instanceof InvalidToken) throw invalid(err)
      throw err
    }
    if (!options.allowRevoked && (await deps.revocations.isRevoked(claims.jti))) throw invalid(new InvalidToken('revoked'))
    c.set('claims', claims)
    await next()
  })
}
