import { describe, expect, it } from 'vitest'
import { InvalidToken, type BearerVerifier } from '../src/tokens/principal'
import { cachedVerifier } from '../src/tokens/verified-cache'

/** A verifier that accepts tokens named "ok-<n>", expiring at second n, and counts its calls. */
function counting(): BearerVerifier & { calls: number } {
  const v = {
    calls: 0,
    async verify(token: string) {
      v.calls++
      if (!token.startsWith('ok-')) throw new InvalidToken('no')
      return { sub: token, username: 'u', groups: [], jti: token, exp: Number(token.slice(3)), iat: 0, since: 0 }
    },
  }
  return v
}

describe('the cache of verified tokens', () => {
  it('verifies a token once while it is valid', async () => {
    const inner = counting()
    const cache = cachedVerifier(inner, () => 1_000_000)
    for (let i = 0; i < 5; i++) await cache.verify('ok-2000')
    expect(inner.calls).toBe(1)
  })

  it('never caches a refusal, and verifies a changed token afresh', async () => {
    const inner = counting()
    const cache = cachedVerifier(inner, () => 0)
    await expect(cache.verify('bad')).rejects.toBeInstanceOf(InvalidToken)
    await expect(cache.verify('bad')).rejects.toBeInstanceOf(InvalidToken)
    await cache.verify('ok-10')
    await cache.verify('ok-100')
    expect(inner.calls).toBe(4)
  })

  it('drops an entry when its token expires', async () => {
    const inner = counting()
    let now = 5_000
    const cache = cachedVerifier(inner, () => now)
    await cache.verify('ok-10')
    now = 10_000
    await cache.verify('ok-10')
    expect(inner.calls).toBe(2)
  })

  it('holds at most `max` entries, dropping the oldest', async () => {
    const inner = counting()
    const cache = cachedVerifier(inner, () => 0, 100)
    for (let i = 1; i <= 1000; i++) await cache.verify(`ok-${1_000_000 + i}`)
    expect(cache.size()).toBe(100)
    await cache.verify('ok-1001000') // the newest is still there
    expect(inner.calls).toBe(1000)
    await cache.verify('ok-1000001') // the oldest is gone
    expect(inner.calls).toBe(1001)
  })
})
