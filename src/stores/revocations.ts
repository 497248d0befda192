/**
 * Where revoked ids live until what they name would have expired anyway. One small interface
 * with three implementations, chosen by configuration: in memory (one process), Workers KV
 * (`kv.ts`), Redis (`runtime/redis.ts`, Node and Bun).
 */
export interface RevocationStore {
  /** Refuses `id` from now until `expiresAt` (epoch seconds). Revoking twice is harmless. */
  revoke(id: string, expiresAt: number): Promise<void>
  isRevoked(id: string): Promise<boolean>
  /** Refuses every token of `subject` issued before `before` (epoch seconds), until `until`. */
  revokeSubject(subject: string, before: number, until: number): Promise<void>
  /** One read for a token: revoked itself (when it has a `jti`), or issued before its subject's cut-off. */
  isTokenRevoked(t: { jti?: string; sub: string; iat: number }): Promise<boolean>
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
export const subjectKey = (sub: string) => `sub:${sub}`

/** One process's revocations: enough for a single Node or Bun instance, not for several. */
export function memoryRevocations(now: () => number): RevocationStore {
  const until = new Map<string, number>()
  // Subjects' cut-offs: tokens issued before `before` are refused, until `until`.
  const cutoffs = new Map<string, { before: number; until: number }>()
  let nextSweep = 0
  // Expired entries are dropped in passing, at most once a minute, so the map stays as small as the live set.
  const sweep = (nowSeconds: number) => {
    if (nowSeconds < nextSweep) return
    nextSweep = nowSeconds + 60
    for (const [id, exp] of until) if (exp <= nowSeconds) until.delete(id)
    for (const [sub, c] of cutoffs) if (c.until <= nowSeconds) cutoffs.delete(sub)
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
    async revokeSubject(subject, before, untilSeconds) {
      const nowSeconds = now() / 1000
      sweep(nowSeconds)
      const c = cutoffs.get(subject)
      cutoffs.set(subject, { before: Math.max(before, c?.before ?? 0), until: Math.max(untilSeconds, c?.until ?? 0) })
    },
    async isTokenRevoked({ jti, sub, iat }) {
      const nowSeconds = now() / 1000
      const exp = jti === undefined ? undefined : until.get(accessTokenKey(jti))
      if (exp !== undefined && exp > nowSeconds) return true
      const c = cutoffs.get(sub)
      return c !== undefined && c.until > nowSeconds && iat < c.before
    },
  }
}
