import { base64url, fromBase64url } from '../encoding'
import { InvalidToken, type BearerVerifier, type Principal, type TokenVerifier } from './principal'

// RFC 7515 §7.1: a JWS in compact form is three base64url parts, unpadded.
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.([\w-]+)$/

/**
 * A token spelled the one way its issuer spells it. hono/jwt also accepts a signature followed by
 * "=", or whose last character has other unused bits (RFC 4648 §3.5: 4 spellings of every HS256
 * signature, 16 of an ES256 one, 16 of Cognito's RS256 ones): refused here, before any crypto. So
 * every token kept below is spelled so, and the bearer check, which looks a token up before its
 * own syntax check (http/bearer.ts), finds no other spelling of it.
 */
function canonical(token: string): boolean {
  const signature = COMPACT_JWS.exec(token)?.[1]
  const bytes = signature && fromBase64url(signature)
  return !!bytes && base64url(bytes) === signature
}

/**
 * Remembers tokens already verified, so the signature and claims of a token are checked once,
 * not on every request. Keyed by the whole token (a token with one byte changed is another key
 * and is verified afresh); an entry is dropped when its token expires; at most `max` entries,
 * the oldest going first. Revocation is not cached: it is still checked on every request.
 */
export function cachedVerifier(inner: BearerVerifier, now: () => number, max = 10_000): TokenVerifier & { size(): number } {
  const verified = new Map<string, Principal>()
  const verifyAfresh = async (token: string) => {
    // An expired entry goes too: a token that fails now is not kept.
    verified.delete(token)
    // Stryker disable next-line StringLiteral: an InvalidToken's message is never sent nor logged (http/bearer.ts answers every one with the same 401)
    if (!canonical(token)) throw new InvalidToken('not a canonical JWS')
    // One object serves every request with this token: frozen, so that a route that changes it
    // fails at once instead of changing who the next request is.
    const principal = Object.freeze(await inner.verify(token))
    Object.freeze(principal.groups)
    if (verified.size >= max) verified.delete(verified.keys().next().value!)
    verified.set(token, principal)
    return principal
  }
  const known = (token: string) => {
    const hit = verified.get(token)
    return hit && hit.exp * 1000 > now() ? hit : undefined
  }
  return {
    size: () => verified.size,
    known,
    // A token seen before is answered at once, not in a promise: with the memory store, GET
    // /demopage and the gateway then await nothing to know who is asking.
    verify: (token) => known(token) ?? verifyAfresh(token),
  }
}
