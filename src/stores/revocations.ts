/**
 * Where revoked ids live until what they name would have expired anyway. One small interface
 * with three implementations, chosen by configuration: in memory (one process), Workers KV
 * (`kv.ts`), Redis (`runtime/redis.ts`, Node and Bun).
 */
export interface RevocationStore {
  /** Refuses `id` from now until `expiresAt` (epoch seconds). Revoking twice is harmless. */
  revoke(id: string, expiresAt: number): Promise<void>
  isRevoked(id: string): Promise<boolean>
  /** For logs and docs: which store this is. */
  readonly kind: 'memory' | 'kv' | 'redis'
}

/** A shared store that could not be reached: the request fails rather than let a revoked token through. */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable'
}

// What is revoked: one access token (by jti), or one sign-in (by a hash of its refresh token).
export const accessTokenKey = (jti: string) => `jti:${jti}`
export const sessionKey = (sid: string) => `sid:${sid}`

/** One process's revocations: enough for a single Node or Bun instance, not for several. */
export function memoryRevocations(now: () => number): RevocationStore {
  const until = new Map<string, number>()
  let nextSweep = 0
  // Expired entries are dropped in passing, at most once a minute, so the map stays as small as the live set.
  const sweep = (nowSeconds: number) => {
    if (nowSeconds < nextSweep) return
    nextSweep = nowSeconds + 60
    for (const [id, exp] of until) if (exp <= nowSeconds) until.delete(id)
  }
  return {
    kind: 'memory',
    async revoke(id, expiresAt) {
      const nowSeconds = now() / 1000
      sweep(nowSeconds)
      if (expiresAt > nowSeconds) until.set(id, Math.max(expiresAt, until.get(id) ?? 0))
    },
    async isRevoked(id) {
      const exp = until.get(id)
      return exp !== undefined && exp > now() / 1000
    },
  }
}
