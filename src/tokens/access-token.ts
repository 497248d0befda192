import { sign, verify } from 'hono/utils/jwt/jwt'
import * as z from 'zod/mini'
import type { Identity } from '../cognito/identity'
import type { Config } from '../config'
import { base64url, fromBase64url } from '../encoding'
import { newSessionId, sessionStart } from '../sessions/session-id'
import { WEBCRYPTO } from './keys'
import { InvalidToken, type BearerVerifier, type Principal } from './principal'

export type AccessClaims = Identity & { iss: string; aud: string; iat: number; exp: number; jti: string; sid: string }

/** How a token whose header is exactly this one is signed and checked. */
type Signer = { alg: 'HS256' | 'ES256' | 'EdDSA'; verifyKey: Promise<CryptoKey>; signKey: Promise<CryptoKey> | JsonWebKey }
const header = (alg: string, kid?: string) => base64url(JSON.stringify(kid ? { alg, typ: 'JWT', kid } : { alg, typ: 'JWT' }))

/**
 * The headers this service issues, each with its key: HS256 under JWT_SECRET, or with JWT_KEYS
 * one per key (its alg and kid, the first key signing). Requiring a token's header to be exactly
 * one of them refuses `none`, other algorithms, unknown kids, a public key used as an HMAC secret
 * and any jku/x5u/jwk/crit before any crypto runs (RFC 8725 §3.1: the algorithm is ours).
 */
function signers(config: Config['jwt']): Map<string, Signer> {
  if (!config.keys.length) {
    // The key is the UTF-8 bytes of JWT_SECRET, as hono/jwt and every JWT library treat a string secret.
    // Stryker disable next-line BooleanLiteral: the key never leaves this module, so whether it could be exported changes nothing
    const key = crypto.subtle.importKey('raw', new TextEncoder().encode(config.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    return new Map([[header('HS256'), { alg: 'HS256', verifyKey: key, signKey: key }]])
  }
  return new Map(
    config.keys.map((k) => [
      header(k.alg, k.kid),
      // Signed with the private JWK itself: hono/jwt then writes its kid into the header.
      // Stryker disable next-line BooleanLiteral: the key never leaves this module, so whether it could be exported changes nothing
      { alg: k.alg, verifyKey: crypto.subtle.importKey('jwk', k.publicJwk, WEBCRYPTO[k.alg], false, ['verify']), signKey: k.privateJwk },
    ]),
  )
}
// P-256's order n: an ECDSA signature (r, s) verifies as (r, n - s) too, a second text of one
// token. Only s <= n/2 is issued, and taken (as Bitcoin does, BIP 62).
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/** An ES256 token with its signature's s made low: the token itself when it already is. */
function lowS(token: string): string {
  const at = token.lastIndexOf('.') + 1
  const sig = fromBase64url(token.slice(at))
  const s = sig?.subarray(32).reduce((v, b) => v * 256n + BigInt(b), 0n)
  if (!s || s * 2n <= N) return token
  for (let i = 63, v = N - s; i > 31; i--, v >>= 8n) sig![i] = Number(v & 255n)
  return token.slice(0, at) + base64url(sig!)
}

// Clocks of several instances drift a little; a token is not "from the future" within this.
export const CLOCK_SKEW_SECONDS = 5

/**
 * Issues and verifies the service's own access tokens with hono/jwt: the algorithm pinned per
 * header, keys imported once, and every claim of API.md required (hono checks exp/iat only when present).
 */
export function createAccessTokens(config: Config['jwt'], now: () => number) {
  const byHeader = signers(config)
  const signing = byHeader.values().next().value!
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
      const key = signing.signKey instanceof Promise ? await signing.signKey : signing.signKey
      const token = await sign(claims, key, signing.alg)
      return { token: signing.alg === 'ES256' ? lowS(token) : token, claims }
    },

    /** Verifies signature and claims; throws InvalidToken whatever the reason. */
    async verify(token: string): Promise<AccessClaims> {
      const signer = byHeader.get(token.slice(0, token.indexOf('.')))
      // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
      if (!signer) throw new InvalidToken('not a header this service issues')
      // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
      if (signer.alg === 'ES256' && lowS(token) !== token) throw new InvalidToken('high s')
      let payload: unknown
      try {
        // Time claims are checked below against the injected clock, not hono's Date.now().
        payload = await verify(token, await signer.verifyKey, { alg: signer.alg, iss: config.issuer, aud: config.audience, exp: false, nbf: false, iat: false })
      } catch (cause) {
        // hono's messages carry the whole token: keep only the error's name.
        // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
        throw new InvalidToken(cause instanceof Error ? cause.name : 'verify failed')
      }
      const parsed = Claims.safeParse(payload)
      // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
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
  // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
  if (c.exp <= nowSeconds) throw new InvalidToken('expired')
  // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
  if (c.iat > nowSeconds + CLOCK_SKEW_SECONDS) throw new InvalidToken('issued in the future')
  // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
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
      // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
      if (since === undefined) throw new InvalidToken('not a session id this service makes')
      return { sub: c.sub, username: c.username, email: c.email, mode: c.mode, groups: c.groups, jti: c.jti, exp: c.exp, iat: c.iat, sid: c.sid, since }
    },
  }
}
