// The same contract for every store of sessions' state and attempt counters: memory, a real
// redis-server, and for sessions' state Workers KV as workerd simulates it (wrangler's
// getPlatformProxy). The Durable Object is held to it over HTTP in sessions.test.ts.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getPlatformProxy } from 'wrangler'
import { startRedis, type RedisServer } from '../scripts/redis-server'
import { redisStores } from '../src/runtime/node/redis'
import { memoryAttempts, type AttemptCounter } from '../src/stores/attempts'
import { kvRevocations, type KVNamespaceLike } from '../src/stores/kv'
import { memoryRevocations, StoreUnavailable, type RevocationStore } from '../src/stores/revocations'

let redis: RedisServer
let closeRedis: () => Promise<void>
let workerd: Awaited<ReturnType<typeof getPlatformProxy<{ REVOCATIONS: KVNamespaceLike }>>> | undefined
let kv: KVNamespaceLike
const stores: Record<string, { revocations: RevocationStore; attempts?: AttemptCounter }> = {}

beforeAll(async () => {
  redis = await startRedis()
  const r = redisStores(redis.url, () => Date.now())
  closeRedis = r.close
  stores.redis = r
  stores.memory = { revocations: memoryRevocations(() => Date.now()), attempts: memoryAttempts(() => Date.now()) }
  workerd = await getPlatformProxy<{ REVOCATIONS: KVNamespaceLike }>({ configPath: 'wrangler.toml', persist: false })
  kv = workerd.env.REVOCATIONS
  stores.kv = { revocations: kvRevocations(kv, () => Date.now()) }
}, 30_000)
afterAll(async () => {
  await workerd?.dispose()
  await closeRedis?.()
  await redis?.stop()
})

const later = () => Math.floor(Date.now() / 1000) + 600
let n = 0
const unique = (what: string) => `${what}-${Date.now()}-${n++}`

describe.each(['memory', 'redis', 'kv'])('the %s store', (name) => {
  it('ends a session by its id, and no other', async () => {
    const { revocations } = stores[name]!
    const sub = unique('sub')
    await revocations.endSession('sid-a', later())
    expect(await revocations.isEnded({ sub, sid: 'sid-a', since: 1 })).toBe(true)
    expect(await revocations.isEnded({ sub, sid: 'sid-b', since: 1 })).toBe(false)
  })

  it('cuts off a user to the millisecond, spares the kept session, and never moves the cut-off back', async () => {
    const { revocations } = stores[name]!
    const sub = unique('sub')
    await revocations.cutOff(sub, 1_000_500, later(), 'keep')
    expect(await revocations.isEnded({ sub, since: 1_000_500, sid: 'other' })).toBe(true)
    expect(await revocations.isEnded({ sub, since: 1_000_501, sid: 'other' })).toBe(false)
    expect(await revocations.isEnded({ sub, since: 1_000_000, sid: 'keep' })).toBe(false)
    expect(await revocations.isEnded({ sub: unique('someone-else'), since: 1 })).toBe(false)
    await revocations.cutOff(sub, 1_000_400, later()) // earlier: changes nothing, the kept session stays kept
    expect(await revocations.isEnded({ sub, since: 1_000_000, sid: 'keep' })).toBe(false)
    await revocations.cutOff(sub, 1_000_600, later()) // later, sparing none
    expect(await revocations.isEnded({ sub, since: 1_000_000, sid: 'keep' })).toBe(true)
  })

  it('remembers which account a name is, the latest one winning', async () => {
    const { revocations } = stores[name]!
    const [a, b] = [unique('name'), unique('name')]
    expect(await revocations.accountOf(a)).toBeUndefined()
    await revocations.rememberAccount([a, b], 'sub-1', later())
    expect(await revocations.accountOf(b)).toBe('sub-1')
    await revocations.rememberAccount([a], 'sub-2', later())
    expect(await revocations.accountOf(a)).toBe('sub-2')
  })

  it('keeps nothing for a session whose tokens have all expired already', async () => {
    const { revocations } = stores[name]!
    const sid = unique('sid')
    await revocations.endSession(sid, Math.floor(Date.now() / 1000) - 1)
    expect(await revocations.isEnded({ sub: unique('sub'), sid, since: 1 })).toBe(false)
    // Ending one that lives a few seconds more is kept (Workers KV holds it its 60 s minimum).
    await revocations.endSession(sid, Math.floor(Date.now() / 1000) + 5)
    expect(await revocations.isEnded({ sub: unique('sub'), sid, since: 1 })).toBe(true)
  })

  it('tells a token without a session id by its user\'s cut-off alone', async () => {
    const { revocations } = stores[name]!
    const sub = unique('sub')
    expect(await revocations.isEnded({ sub, since: 1_000 })).toBe(false)
    await revocations.cutOff(sub, 2_000, later())
    expect(await revocations.isEnded({ sub, since: 1_000 })).toBe(true)
    expect(await revocations.isEnded({ sub, since: 3_000 })).toBe(false)
  })
})

// Workers' counters are a Durable Object, held to the same over HTTP in sessions.test.ts.
describe.each(['memory', 'redis'])('the %s attempt counters', (name) => {
  it('gives 30 parallel hits 30 distinct counts, releases never below zero, and clears', async () => {
    const attempts = stores[name]!.attempts!
    const key = unique('attempts')
    const counts = await Promise.all(Array.from({ length: 30 }, () => attempts.hit(key, 60)))
    expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
    expect(counts.every((c) => c.resetInSeconds > 0 && c.resetInSeconds <= 60)).toBe(true)
    await attempts.clear(key)
    await attempts.release(key)
    expect((await attempts.hit(key, 60)).count).toBe(1)
    await attempts.release(key)
    await attempts.release(key)
    expect((await attempts.hit(key, 60)).count).toBe(1)
  })
})

// An attacker's review (session 12): a request refused before Cognito was asked (past the address
// limit) counted and released its name's key, which stayed for its window at zero: anyone could
// fill Redis with them, and under an eviction policy push out the records of ended sessions.
describe('a count released back to zero', () => {
  it('leaves no key in Redis', async () => {
    const attempts = stores.redis!.attempts!
    const key = unique('attempts')
    await attempts.hit(key, 60)
    await attempts.hit(key, 60)
    await attempts.release(key)
    const client = new Redis(redis.url)
    try {
      expect(await client.get(key)).toBe('1')
      await attempts.release(key)
      expect(await client.exists(key)).toBe(0)
    } finally {
      client.disconnect()
    }
  })

  it('leaves nothing in memory: the next hit starts a window of its own', async () => {
    let t = 0
    const attempts = memoryAttempts(() => t)
    await attempts.hit('k', 60)
    t = 30_000
    expect((await attempts.hit('k', 60)).resetInSeconds).toBe(30)
    await attempts.release('k')
    expect((await attempts.hit('k', 60)).resetInSeconds).toBe(30) // back to 1 of the same window
    await attempts.release('k')
    await attempts.release('k')
    expect((await attempts.hit('k', 60)).resetInSeconds).toBe(60)
  })
})

describe('the Workers KV store', () => {
  it('writes what it keeps with an expiration KV takes (at least 60 s ahead) and no shorter than asked', async () => {
    const sub = unique('sub')
    const until = later() + 3_000
    await stores.kv!.revocations.rememberAccount([`${sub}-name`], sub, until)
    // The account is kept a day past the sessions it can end.
    expect(await kv.get(`account:${sub}-name`)).toBe(`${sub} ${until + 86_400}`)
    // Known already, for long enough: not written again (KV takes one write per second per key).
    await stores.kv!.revocations.rememberAccount([`${sub}-name`], sub, until - 10)
    expect(await kv.get(`account:${sub}-name`)).toBe(`${sub} ${until + 86_400}`)
    // Asked to outlive what is kept: written again, a day past the new end.
    await stores.kv!.revocations.rememberAccount([`${sub}-name`], sub, until + 86_400 + 10)
    expect(await kv.get(`account:${sub}-name`)).toBe(`${sub} ${until + 2 * 86_400 + 10}`)
  })

  // No real KV fails on demand: a namespace whose every call is refused stands in for one that is down.
  it('answers StoreUnavailable, not a KV error, when KV fails', async () => {
    const failing = kvRevocations({ get: () => Promise.reject(new Error('KV GET failed: 500')), put: () => Promise.reject(new Error('KV PUT failed: 500')) }, () => Date.now())
    const err = await Promise.resolve(failing.isEnded({ sub: 's', sid: 'x', since: 1 })).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StoreUnavailable)
    expect(err).toMatchObject({ message: 'Workers KV failed', cause: { message: 'KV GET failed: 500' } })
    await expect(failing.endSession('x', later())).rejects.toBeInstanceOf(StoreUnavailable)
  })
})
