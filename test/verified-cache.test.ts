import { describe, expect, it } from 'vitest'
import { InvalidToken, type BearerVerifier } from '../src/tokens/principal'
import { cachedVerifier } from '../src/tokens/verified-cache'

/** A verifier that accepts whatever it is given, spelled "h.<n>.AA" (exp: second n), and counts its calls. */
function counting(): BearerVerifier & { calls: number } {
  const v = {
    calls: 0,
    async verify(token: string) {
      v.calls++
      const exp = Number(token.split('.')[1])
      if (!Number.isInteger(exp)) throw new InvalidToken('no')
      return { sub: token, username: 'u', groups: [], jti: token, exp, iat: 0, since: 0 }
    },
  }
  return v
}
const ok = (exp: number) => `h.${exp}.AA`

describe('the cache of verified tokens', () => {
  it('verifies a token once while it is valid', async () => {
    const inner = counting()
    const cache = cachedVerifier(inner, () => 1_000_000)
    for (let i = 0; i < 5; i++) await cache.verify(ok(2000))
    expect(inner.calls).toBe(1)
  })

  it('never caches a refusal, and verifies a changed token afresh', async () => {
    const inner = counting()
    const cache = cachedVerifier(inner, () => 0)
    await expect(cache.verify('h.bad.AA')).rejects.toBeInstanceOf(InvalidToken)
    await expect(cache.verify('h.bad.AA')).rejects.toBeInstanceOf(InvalidToken)
    await cache.verify(ok(10))
    await cache.verify(ok(100))
    expect(inner.calls).toBe(4)
  })

  it('drops an entry when its token expires', async () => {
    const inner = counting()
    let now = 5_000
    const cache = cachedVerifier(inner, () => now)
    await cache.verify(ok(10))
    now = 10_000
    await cache.verify(ok(10))
    expect(inner.calls).toBe(2)
  })

  it('holds at most `max` entries, dropping the oldest', async () => {
    const inner = counting()
    const cache = cachedVerifier(inner, () => 0, 100)
    for (let i = 1; i <= 1000; i++) await cache.verify(ok(1_000_000 + i))
    expect(cache.size()).toBe(100)
    await cache.verify(ok(1_001_000)) // the newest is still there
    expect(inner.calls).toBe(1000)
    await cache.verify(ok(1_000_001)) // the oldest is gone
    expect(inner.calls).toBe(1001)
  })

  it('refuses before any verifying what is not a compact JWS, so that no other spelling of a token is ever kept', async () => {
    const inner = counting()
    const cache = cachedVerifier(inner, () => 0)
    // Each of these the inner verifier would take; hono/jwt does take a token with "=" after its
    // signature, or unused bits set in its last character ("AB" is the byte 0 as "AA" is:
    // test/bearer-header.test.ts).
    for (const token of [`${ok(10)}=`, 'h.10.AA+', 'h.10.AA/', 'h.10.AA ', 'h.10.AB', 'h.10.AP', 'h.10.A', 'h.10', 'h.10.AA.x', '.10.AA', 'h..AA', 'h.10.', 'h.1\u00e9.AA', 'x.h.10.AA', '!h.10.AA']) {
      await expect(cache.verify(token), token).rejects.toBeInstanceOf(InvalidToken)
      expect(cache.known?.(token), token).toBeUndefined()
    }
    expect(inner.calls).toBe(0)
  })

  it('knows a verified token, exactly as it was spelled, until it expires', async () => {
    const inner = counting()
    let now = 5_000
    const cache = cachedVerifier(inner, () => now)
    expect(cache.known?.(ok(10))).toBeUndefined()
    const principal = await cache.verify(ok(10))
    expect(cache.known?.(ok(10))).toBe(principal)
    expect(cache.known?.(`${ok(10)} `)).toBeUndefined()
    now = 10_000
    expect(cache.known?.(ok(10))).toBeUndefined()
    expect(inner.calls).toBe(1)
  })
})
