import * as z from 'zod/mini'
import { safeJsonParse } from '../encoding'

/** One of JWT_KEYS: a private key that signs (the first) or verifies (all) access tokens. */
export type SigningKey = { kid: string; alg: 'ES256' | 'EdDSA'; privateJwk: JsonWebKey; publicJwk: JsonWebKey & { kid: string; alg: string; use: 'sig' } }

// The 32-byte coordinates and scalars of P-256 and Ed25519, base64url without padding.
// Stryker disable next-line StringLiteral: never shown: an issue inside a key has a path, and parseSigningKeys then names the key with its own message
const b64url32 = z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes, base64url'))
// Stryker disable next-line StringLiteral: never shown: an issue inside a key has a path, and parseSigningKeys then names the key with its own message
const kid = z.string().check(z.regex(/^[A-Za-z0-9._~-]{1,64}$/, 'must be 1 to 64 URL-safe characters'))
const Ec = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: b64url32, y: b64url32, d: b64url32, kid, alg: z.optional(z.literal('ES256')) })
const Okp = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64url32, d: b64url32, kid, alg: z.optional(z.literal('EdDSA')) })
const Keys = z.array(z.union([Ec, Okp])).check(z.minLength(1, 'must hold at least one key'))

/**
 * Parses JWT_KEYS: a JSON array of private JWKs (ES256 on P-256, or EdDSA on Ed25519), each with a
 * unique `kid`. Throws an Error saying what is wrong, never a key's value.
 */
export function parseSigningKeys(text: string): SigningKey[] {
  const json = safeJsonParse(text)
  if (json === undefined) throw new Error('must be a JSON array of private JWKs')
  const parsed = Keys.safeParse(json)
  if (!parsed.success) {
    const at = parsed.error.issues[0]!.path
    // About the list itself: not an array, or an empty one.
    if (!at.length) throw new Error(Array.isArray(json) ? parsed.error.issues[0]!.message : 'must be a JSON array of private JWKs')
    // A public key alone (no `d`) is the mistake worth naming.
    const publicOnly = Array.isArray(json) && json.some((k) => k && typeof k === 'object' && !('d' in k))
    throw new Error(publicOnly ? 'must hold private keys (a JWK with "d"), not public ones' : `key ${at.join('.')}: must be a private EC P-256 or OKP Ed25519 JWK with a kid`)
  }
  const kids = parsed.data.map((k) => k.kid)
  if (new Set(kids).size !== kids.length) throw new Error('must give every key its own kid')
  return parsed.data.map((k) => {
    const alg = k.kty === 'EC' ? 'ES256' : 'EdDSA'
    const publicJwk = k.kty === 'EC' ? { kty: k.kty, crv: k.crv, x: k.x, y: k.y } : { kty: k.kty, crv: k.crv, x: k.x }
    return { kid: k.kid, alg, privateJwk: { ...k, alg }, publicJwk: { ...publicJwk, kid: k.kid, alg, use: 'sig' as const } }
  })
}

/** The algorithm WebCrypto knows each JWT algorithm by. */
export const WEBCRYPTO: Record<SigningKey['alg'], EcKeyImportParams | Algorithm> = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
}
