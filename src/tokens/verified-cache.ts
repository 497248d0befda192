import type { BearerVerifier, Principal } from './principal'

/**
 * Remembers tokens already verified, so the signature and claims of a token are checked once,
 * not on every request. Keyed by the whole token (a token with one byte changed is another key
 * and is verified afresh); an entry is dropped when its token expires; at most `max` entries,
 * the oldest going first. Revocation is not cached: it is still checked on every request.
 */
export function cachedVerifier(inner: BearerVerifier, now: () => number, max = 10_000): BearerVerifier & { size(): number } {
  const verified = new Map<string, Principal>()
  return {
    size: () => verified.size,
    async verify(token) {
      const hit = verified.get(token)
      if (hit) {
        if (hit.exp * 1000 > now()) return hit
        verified.delete(token)
      }
      const principal = await inner.verify(token)
      if (verified.size >= max) verified.delete(verified.keys().next().value!)
      verified.set(token, principal)
      return principal
    },
  }
}
