import { decode, verify } from 'hono/utils/jwt/jwt'
import * as z from 'zod/mini'
import { deadline } from '../deadline'
import { CognitoError } from '../cognito/errors'
import type { Config } from '../config'
import { checkTimes } from './access-token'
import { InvalidToken, type BearerVerifier, type Principal } from './principal'

// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
const Jwks = z.object({
  keys: z.array(z.object({ kid: z.string().check(z.minLength(1)), kty: z.string(), n: z.optional(z.string()), e: z.optional(z.string()), alg: z.optional(z.string()) })),
})
const AccessTokenClaims = z.object({
  sub: z.string().check(z.minLength(1)),
  username: z.string().check(z.minLength(1)),
  token_use: z.literal('access'), // an ID token is never a bearer token
  client_id: z.string(),
  iss: z.string(),
  iat: z.int(),
  exp: z.int(),
  jti: z.string().check(z.minLength(1), z.maxLength(128)),
  nbf: z.optional(z.int()),
  auth_time: z.optional(z.int()),
  'cognito:groups': z._default(z.array(z.string()), []),
  // Cognito's id of the sign-in (the refresh token) every access token of it carries.
  origin_jti: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
})
/** Keys are fetched again on an unknown `kid`, but never more often than this. */
export const JWKS_MIN_REFETCH_MS = 10_000

/**
 * Verifies Cognito's access tokens (TOKEN_MODE=cognito) against the pool's JWKS: RS256 only,
 * the pool's `iss`, `token_use: access`, our `client_id`, `exp`. The keys are cached; `kid` is
 * only ever a key into that cache, and `jku`/`x5u`/`jwk` headers are never followed.
 */
export function cognitoTokenVerifier(
  config: Config['cognito'],
  deps: { now: () => number; fetch?: typeof fetch },
): BearerVerifier {
  const doFetch = deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const jwksUrl = `${config.issuer}/.well-known/jwks.json`
  let keys = new Map<string, CryptoKey>()
  let lastFetch = -Infinity
  let lastError: CognitoError | undefined
  let inflight: Promise<void> | undefined

  async function loadKeys(): Promise<void> {
    lastFetch = deps.now()
    const { signal, clear } = deadline(config.timeoutMs)
    let body: unknown
    let status = 0
    try {
      const res = await doFetch(jwksUrl, { signal })
      status = res.status
      body = await res.json()
    } catch (cause) {
      throw new CognitoError('JWKS', signal.aborted ? { kind: 'timeout' } : status ? { kind: 'malformed', status } : { kind: 'unreachable' }, { cause })
    } finally {
      clear()
    }
    const jwks = Jwks.safeParse(body)
    if (status !== 200 || !jwks.success) throw new CognitoError('JWKS', { kind: 'malformed', status })
    const next = new Map<string, CryptoKey>()
    for (const jwk of jwks.data.keys) {
      if (jwk.kty !== 'RSA' || (jwk.alg && jwk.alg !== 'RS256') || !jwk.n || !jwk.e) continue
      const key = await crypto.subtle
        .importKey('jwk', { kty: 'RSA', n: jwk.n, e: jwk.e, alg: 'RS256', ext: true }, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify'])
        .catch(() => undefined)
      if (key) next.set(jwk.kid, key)
    }
    keys = next
  }

  async function keyFor(kid: string): Promise<CryptoKey | undefined> {
    const known = keys.get(kid)
    if (known) return known
    if (deps.now() - lastFetch >= JWKS_MIN_REFETCH_MS) {
      inflight ??= loadKeys()
        .then(() => void (lastError = undefined))
        .catch((err: CognitoError) => void (lastError = err))
        .finally(() => (inflight = undefined))
      await inflight
    } else if (inflight) {
      await inflight
    }
    const key = keys.get(kid)
    // No key because Cognito could not be asked: say so (502/504), not "bad token".
    if (!key && lastError && keys.size === 0) throw lastError
    return key
  }

  return {
    async verify(token): Promise<Principal> {
      let header: { alg?: unknown; kid?: unknown }
      try {
        header = decode(token).header as typeof header
      } catch {
        // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
        throw new InvalidToken('malformed')
      }
      if (header === null || typeof header !== 'object' || header.alg !== 'RS256' || typeof header.kid !== 'string') {
        // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
        throw new InvalidToken('not an RS256 token with a kid')
      }
      const key = await keyFor(header.kid)
      // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
      if (!key) throw new InvalidToken('unknown kid')
      let payload: unknown
      try {
        payload = await verify(token, key, { alg: 'RS256', iss: config.issuer, exp: false, nbf: false, iat: false })
      } catch (cause) {
        // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
        throw new InvalidToken(cause instanceof Error ? cause.name : 'verify failed')
      }
      const parsed = AccessTokenClaims.safeParse(payload)
      // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
      if (!parsed.success || parsed.data.client_id !== config.clientId) throw new InvalidToken('claims')
      const { nbf, ...c } = parsed.data
      checkTimes(c, nbf, deps.now)
      // Whole seconds only: the session counts as started at the very start of its second, so a
      // cut-off in that second ends it (a sign-in in the same second as a reset is refused, never kept).
      const since = Math.min(c.auth_time ?? c.iat, c.iat) * 1000
      return { sub: c.sub, username: c.username, groups: c['cognito:groups'], jti: c.jti, exp: c.exp, iat: c.iat, since, ...(c.origin_jti ? { sid: c.origin_jti } : {}) }
    },
  }
}
