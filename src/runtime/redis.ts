import { Redis } from 'ioredis'
import type { AttemptCounter, Count } from '../stores/attempts'
import { accessTokenKey, StoreUnavailable, subjectKey, type RevocationStore } from '../stores/revocations'

/**
 * Revocations and sign-in counters in Redis, shared by several Node or Bun instances over one
 * connection. A write is seen by every instance as soon as it returns (one primary). Keys expire
 * with what they hold (EXAT, EXPIRE NX).
 */
export function redisStores(url: string, now: () => number): { revocations: RevocationStore; attempts: AttemptCounter; close(): Promise<void> } {
  const redis = new Redis(url, {
    // A request must not hang on a store that is away: every command, even one queued while
    // (re)connecting, fails after a second (ioredis arms the timer before queueing).
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
  })
  redis.on('error', () => {}) // reported per command below; ioredis reconnects by itself
  const guard = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op()
    } catch (cause) {
      throw new StoreUnavailable('Redis failed', { cause })
    }
  }
  // MULTI answers [error, value] pairs; TTL is -2 for a missing key, -1 for one without expiry.
  const count = (replies: [Error | null, unknown][] | null, countAt: number, ttlAt: number): Count => {
    if (!replies || replies.some(([err]) => err)) throw new Error('MULTI failed')
    const ttl = Number(replies[ttlAt]![1])
    return { count: Number(replies[countAt]![1] ?? 0), resetInSeconds: ttl > 0 ? ttl : 0 }
  }

  return {
    revocations: {
      kind: 'redis',
      async revoke(id, expiresAt) {
        if (expiresAt <= Math.floor(now() / 1000)) return
        await guard(() => redis.set(`revoked:${id}`, '1', 'EXAT', expiresAt))
      },
      async isRevoked(id) {
        return (await guard(() => redis.exists(`revoked:${id}`))) === 1
      },
      async revokeSubject(subject, before, until) {
        // A later cut-off never moves back: GREATEST of the old and new, kept with the later expiry.
        const key = `revoked:${subjectKey(subject)}`
        await guard(async () => {
          const old = Number((await redis.get(key)) ?? 0)
          await redis.set(key, String(Math.max(old, before)), 'EXAT', until)
        })
      },
      async isTokenRevoked({ jti, sub, iat }) {
        // One round trip for both.
        const keys = [`revoked:${subjectKey(sub)}`, ...(jti === undefined ? [] : [`revoked:${accessTokenKey(jti)}`])]
        const [cutoff, token = null] = await guard(() => redis.mget(...keys))
        return token !== null || (cutoff !== null && iat < Number(cutoff))
      },
    },
    attempts: {
      kind: 'redis',
      hit: (key, windowSeconds) => guard(async () => count(await redis.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec(), 0, 2)),
      get: (key) => guard(async () => count(await redis.multi().get(key).ttl(key).exec(), 0, 1)),
      clear: (key) => guard(async () => void (await redis.del(key))),
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}
