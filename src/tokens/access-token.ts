import { sign, verify } from 'hono/jwt'
import * as z from 'zod/mini'
import type { Identity } from '../cognito/identity'
import type { Config } from '../config'
import { base64url } from '../encoding'
import { newSessionId, sessionStart } from '../sessions/session-id'
import { InvalidToken, type BearerVerifier, type Principal } from './principal'

export type AccessClaims = Identity & { iss: string; aud: string; iat: number; exp: number; jti: string; sid: string }

const ALG = 'HS256'
// The one header this service issues. Requiring it exactly refuses `none`, other algorithms and
// any kid/jku/x5u/jwk/crit before any crypto runs (RFC 8725 §3.1: the algorithm is ours).
const HEADER = base64url(JSON.stringify({ alg: ALG, typ: 'JWT' }))
// Clocks of several instances drift a little; a token is not "from the future" within this.
export const CLOCK_SKEW_SECONDS = 5

/**
 * Issues and verifies the service's own access tokens with hono/jwt: HS256 pinned, the HMAC key
 * imported once, and every claim of API.md required (hono checks exp/iat only when present).
 */
export function createAccessTokens(config: Config['jwt'], now: () => number) {
  // The key is the UTF-8 bytes of JWT_SECRET, as hono/jwt and every JWT library treat a string secret.
  const key = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(config.secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  )
  const Claims = z.object({
    sub: z.string().check(z.minLength(1)),
    email: z.optional(z.string()),
    username: z.string(),
    mode: z.string(),
    groups: z.array(z.string()),
    iss: z.literal(config.issuer),
    aud: z.literal(config.audience),
    iat: z.int(),
    exp: z.int(),
    jti: z.string().check(z.minLength(1), z.maxLength(128)),
    nbf: z.optional(z.int()),
    sid: z.string().check(z.maxLength(64)),
  })

  return {
    ttlSeconds: config.ttlSeconds,

    /** Signs a fresh token for the identity in session `sid` (a new one by default), with a unique `jti`. */
    async issue(identity: Identity, sid = newSessionId(now())): Promise<{ token: string; claims: AccessClaims }> {
      const iat = Math.floor(now() / 1000)
      const claims: AccessClaims = {
        sub: identity.sub,
        ...(identity.email ? { email: identity.email } : {}),
        username: identity.username,
        mode: identity.mode,
        groups: identity.groups,
        iss: config.issuer,
        aud: config.audience,
        iat,
        exp: iat + config.ttlSeconds,
        jti: crypto.randomUUID(),
        sid,
      }
      return { token: await sign(claims, await key, ALG), claims }
    },

    /** Verifies signature and claims; throws InvalidToken whatever the reason. */
    async verify(token: string): Promise<AccessClaims> {
      if (!token.startsWith(`${HEADER}.`)) throw new InvalidToken('not a header this service issues')
      let payload: unknown
      try {
        // Time claims are checked below against the injected clock, not hono's Date.now().
        payload = await verify(token, await key, { alg: ALG, iss: config.issuer, aud: config.audience, exp: false, nbf: false, iat: false })
      } catch (cause) {
        // hono's messages carry the whole token: keep only the error's name.
        throw new InvalidToken(cause instanceof Error ? cause.name : 'verify failed')
      }
      const parsed = Claims.safeParse(payload)
      if (!parsed.success) throw new InvalidToken('claims missing or of the wrong type')
      const { nbf, ...claims } = parsed.data
      checkTimes(claims, nbf, now)
      return claims
    },
  }
}

/** exp, iat and nbf against the injected clock (RFC 7519 §4.1.4–6). */
export function checkTimes(c: { exp: number; iat: number }, nbf: number | undefined, now: () => number): void {
  const nowSeconds = Math.floor(now() / 1000)
  if (c.exp <= nowSeconds) throw new InvalidToken('expired')
  if (c.iat > nowSeconds + CLOCK_SKEW_SECONDS) throw new InvalidToken('issued in the future')
  if (nbf !== undefined && nbf > nowSeconds + CLOCK_SKEW_SECONDS) throw new InvalidToken('not yet valid')
}

export type AccessTokens = ReturnType<typeof createAccessTokens>

/** Bearer verification in app mode: the service's own tokens only. */
export function appTokenVerifier(tokens: AccessTokens): BearerVerifier {
  return {
    async verify(token): Promise<Principal> {
      const c = await tokens.verify(token)
      // The session's start travels in its id, signed with the rest: compared to cut-offs to the millisecond.
      const since = sessionStart(c.sid)
      if (since === undefined) throw new InvalidToken('not a session id this service makes')
      return { sub: c.sub, username: c.username, email: c.email, mode: c.mode, groups: c.groups, jti: c.jti, exp: c.exp, iat: c.iat, sid: c.sid, since }
    },
  }
}
