// The same contract for every store of sessions' state and attempt counters: memory, and a real
// redis-server (Workers KV and the Durable Object are held to it over HTTP in sessions.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type RedisServer } from '../scripts/redis-server'
import { redisStores } from '../src/runtime/redis'
import { memoryAttempts, type AttemptCounter } from '../src/stores/attempts'
import { memoryRevocations, type RevocationStore } from '../src/stores/revocations'

let redis: RedisServer
let closeRedis: () => Promise<void>
const stores: Record<string, { revocations: RevocationStore; attempts: AttemptCounter }> = {}

beforeAll(async () => {
  redis = await startRedis()
  const r = redisStores(redis.url, () => Date.now())
  closeRedis = r.close
  stores.redis = r
  stores.memory = { revocations: memoryRevocations(() => Date.now()), attempts: memoryAttempts(() => Date.now()) }
}, 30_000)
afterAll(async () => {
  await closeRedis?.()
  await redis?.stop()
})

const later = () => Math.floor(Date.now() / 1000) + 600
let n = 0
const unique = (what: string) => `${what}-${Date.now()}-${n++}`

describe.each(['memory', 'redis'])('the %s store', (name) => {
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

  it('gives 30 parallel hits 30 distinct counts, releases never below zero, and clears', async () => {
    const { attempts } = stores[name]!
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
