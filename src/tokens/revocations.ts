/**
 * Where revoked token ids live until the token would have expired anyway. One small interface so
 * that a shared store (Workers KV, Redis) can replace the in-memory one for several instances.
 */
export interface RevocationStore {
  /** Refuses `id` from now until `expiresAt` (epoch seconds). Revoking twice is harmless. */
  revoke(id: string, expiresAt: number): Promise<void>
  isRevoked(id: string): Promise<boolean>
}

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
