import type { BearerVerifier, Principal, TokenVerifier } from './principal'

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
    const principal = await inner.verify(token)
    if (verified.size >= max) verified.delete(verified.keys().next().value!)
    verified.set(token, principal)
    return principal
  }
  return {
    size: () => verified.size,
    // A token seen before is answered at once, not in a promise: with the memory store, GET
    // /demopage and the gateway then await nothing to know who is asking.
    verify(token) {
      const hit = verified.get(token)
      if (hit && hit.exp * 1000 > now()) return hit
      return verifyAfresh(token)
    },
  }
}
