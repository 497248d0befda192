import { Redis } from 'ioredis'
import { StoreUnavailable, type RevocationStore } from '../stores/revocations'

/**
 * Revocations in Redis, shared by several Node or Bun instances. A write is seen by every
 * instance as soon as it returns (one primary). Keys expire with what they revoke (EXAT).
 */
export function redisRevocations(url: string, now: () => number): RevocationStore & { close(): Promise<void> } {
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
  return {
    kind: 'redis',
    async revoke(id, expiresAt) {
      if (expiresAt <= Math.floor(now() / 1000)) return
      await guard(() => redis.set(`revoked:${id}`, '1', 'EXAT', expiresAt))
    },
    async isRevoked(id) {
      return (await guard(() => redis.exists(`revoked:${id}`))) === 1
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}
