import { sign, verify } from 'hono/jwt'
import * as z from 'zod'
import type { Config } from '../config'

/** Who a token speaks for: taken from Cognito at sign-in. */
export type Identity = { sub: string; email: string; username: string; mode: string }

export type AccessClaims = Identity & { iss: string; aud: string; iat: number; exp: number; jti: string }

/** Any reason a bearer token is refused; the client only ever learns `invalid_token`. */
export class InvalidToken extends Error {
  override name = 'InvalidToken'
}

const ALG = 'HS256'
// Clocks of several instances drift a little; a token is not "from the future" within this.
const CLOCK_SKEW_SECONDS = 5

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
    sub: z.string().min(1),
    email: z.string(),
    username: z.string(),
    mode: z.string(),
    iss: z.literal(config.issuer),
    aud: z.literal(config.audience),
    iat: z.int(),
    exp: z.int(),
    jti: z.string().min(1).max(128),
    nbf: z.int().optional(),
  })

  return {
    ttlSeconds: config.ttlSeconds,

    /** Signs a fresh token for the identity, with a unique `jti` so that it can be revoked alone. */
    async issue(identity: Identity): Promise<{ token: string; claims: AccessClaims }> {
      const iat = Math.floor(now() / 1000)
      const claims: AccessClaims = {
        ...identity,
        iss: config.issuer,
        aud: config.audience,
        iat,
        exp: iat + config.ttlSeconds,
        jti: crypto.randomUUID(),
      }
      return { token: await sign(claims, await key, ALG), claims }
    },

    /** Verifies signature and claims; throws InvalidToken whatever the reason (the cause keeps it). */
    async verify(token: string): Promise<AccessClaims> {
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
      const c = parsed.data
      const nowSeconds = Math.floor(now() / 1000)
      if (c.exp <= nowSeconds) throw new InvalidToken('expired')
      if (c.iat > nowSeconds + CLOCK_SKEW_SECONDS) throw new InvalidToken('issued in the future')
      if (c.nbf !== undefined && c.nbf > nowSeconds + CLOCK_SKEW_SECONDS) throw new InvalidToken('not yet valid')
      const { nbf: _nbf, ...claims } = c
      return claims
    },
  }
}

export type AccessTokens = ReturnType<typeof createAccessTokens>
