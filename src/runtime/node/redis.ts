import { Redis } from 'ioredis'
import type { AttemptCounter, Count } from '../../stores/attempts'
import { cutOffValue, isCutOff, StoreUnavailable, type RevocationStore } from '../../stores/revocations'

// A cut-off is replaced only by a later one (the stored value starts with its time in ms); the key
// keeps the later of the two expiries.
const CUT_OFF = `
local old = redis.call('GET', KEYS[1])
if old and tonumber(string.match(old, '^%d+')) >= tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('TTL', KEYS[1])
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl, 'GT') end
return 1`
// One attempt taken back, never below zero, never creating the key.
// A count released to zero is deleted: a request refused before Cognito was asked left a key
// behind for its window, so that anyone could fill Redis with them (an attacker's review).
const RELEASE = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 1 then redis.call('DECR', KEYS[1]) elseif n == 1 then redis.call('DEL', KEYS[1]) end
return n`

/**
 * Sessions' state and attempt counters in Redis, shared by several Node or Bun instances over one
 * connection. A write is seen by every instance as soon as it returns (one primary). Keys expire
 * with what they hold (EXAT, EXPIRE NX).
 */
export function redisStores(url: string, now: () => number): { revocations: RevocationStore; attempts: AttemptCounter; evictionPolicy(): Promise<string | undefined>; close(): Promise<void> } {
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
  const failedIn = (replies: [Error | null, unknown][] | null): [Error | null, unknown][] => {
    if (!replies || replies.some(([err]) => err)) throw new Error('MULTI failed')
    return replies
  }
  const count = (answer: [Error | null, unknown][] | null, countAt: number, ttlAt: number): Count => {
    const replies = failedIn(answer)
    const ttl = Number(replies[ttlAt]![1])
    return { count: Number(replies[countAt]![1] ?? 0), resetInSeconds: ttl > 0 ? ttl : 0 }
  }

  const sessionKeys = (s: { sub: string; sid?: string }) => [`session:cutoff:${s.sub}`, ...(s.sid === undefined ? [] : [`session:ended:${s.sid}`])]

  return {
    revocations: {
      kind: 'redis',
      async endSession(sid, until) {
        if (until <= Math.floor(now() / 1000)) return
        await guard(() => redis.set(`session:ended:${sid}`, '1', 'EXAT', until))
      },
      async cutOff(sub, atMs, until, keepSid) {
        // Atomic, so that of two cut-offs at once the later wins (a cut-off never moves back).
        await guard(() => redis.eval(CUT_OFF, 1, `session:cutoff:${sub}`, String(atMs), cutOffValue(atMs, keepSid), String(until)))
      },
      async isEnded(s) {
        // One round trip for both.
        const [cutOff, ended = null] = await guard(() => redis.mget(...sessionKeys(s)))
        return ended !== null || isCutOff(cutOff, s)
      },
      async rememberAccount(names, sub, until) {
        await guard(async () => {
          const batch = redis.multi()
          for (const name of names) batch.set(`account:${name}`, sub, 'EXAT', until)
          failedIn(await batch.exec())
        })
      },
      async accountOf(name) {
        return (await guard(() => redis.get(`account:${name}`))) ?? undefined
      },
    },
    attempts: {
      kind: 'redis',
      // INCR is atomic: of N parallel attempts, each gets its own count.
      hit: (key, windowSeconds) => guard(async () => count(await redis.multi().incr(key).expire(key, windowSeconds, 'NX').ttl(key).exec(), 0, 2)),
      release: (key) => guard(async () => void (await redis.eval(RELEASE, 1, key))),
      clear: (key) => guard(async () => void (await redis.del(key))),
    },
    /** The server's maxmemory-policy, or undefined where CONFIG is not allowed (some managed Redis). */
    async evictionPolicy() {
      const reply = (await redis.config('GET', 'maxmemory-policy').catch(() => undefined)) as string[] | undefined
      return reply?.[1]
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}
