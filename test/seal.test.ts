// What the service seals (refresh tokens): real AES-GCM through WebCrypto, as on every runtime.
import { describe, expect, it } from 'vitest'
import { refreshTokenSealer } from '../src/sessions/refresh-token'
import { createSealer } from '../src/sessions/seal'
import { newSessionId, sessionStart } from '../src/sessions/session-id'
import { TEST_SECRET } from './support/harness'

const contents = { sid: newSessionId(1_800_000_000_123), sub: 'a-sub', cognitoUsername: 'a-sub', since: 1_800_000_000_123, cognitoToken: 'cognito.refresh.token' }

describe('sealed refresh tokens', () => {
  it('open to what was sealed, and show none of it', async () => {
    const sealer = refreshTokenSealer(TEST_SECRET)
    const token = await sealer.wrap(contents)
    expect(await sealer.unwrap(token)).toEqual(contents)
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
    const bytes = Buffer.from(token, 'base64url').toString('latin1')
    for (const part of [contents.sub, contents.cognitoToken, 'cognito', contents.sid]) expect(bytes).not.toContain(part)
    expect(await sealer.wrap(contents)).not.toBe(token) // a fresh IV each time
  })

  it('refuse every one-character edit, a cut, an extension, and another secret\'s token', async () => {
    const sealer = refreshTokenSealer(TEST_SECRET)
    const token = await sealer.wrap(contents)
    for (let i = 0; i < token.length; i++) {
      const edited = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
      expect(await sealer.unwrap(edited)).toBeUndefined()
    }
    for (const bad of [token.slice(0, -1), token + 'A', `${token}=`, '', 'not.a.token']) expect(await sealer.unwrap(bad)).toBeUndefined()
    const other = await refreshTokenSealer('another-secret-of-at-least-32-bytes!!').wrap(contents)
    expect(await sealer.unwrap(other)).toBeUndefined()
  })

  it('keep purposes apart: a value sealed for one purpose does not open for another', async () => {
    const a = createSealer(TEST_SECRET, 'purpose a')
    const b = createSealer(TEST_SECRET, 'purpose b')
    expect(await b.open(await a.seal('hello'))).toBeUndefined()
    expect(await a.open(await a.seal('hello'))).toBe('hello')
  })

  it('refuse sealed text that is not the shape of a refresh token', async () => {
    const sealer = createSealer(TEST_SECRET, 'edge-auth-gateway refresh token v1')
    const refresh = refreshTokenSealer(TEST_SECRET)
    const good = ['sid', 'sub', 'user', 1_800_000_000_000, 'token']
    expect(await refresh.unwrap(await sealer.seal(JSON.stringify(good)))).toEqual({ sid: 'sid', sub: 'sub', cognitoUsername: 'user', since: 1_800_000_000_000, cognitoToken: 'token' })
    const wrong = [
      'not json', '{}', '[]', 'null',
      JSON.stringify(['sid', 'sub', 'user', 'not a number', 'token']),
      JSON.stringify(['sid', 'sub', 'user', 1.5, 'token']),
      JSON.stringify([...good, 'one more']),
      JSON.stringify(good.slice(0, 4)),
      // Each text field of another type.
      ...[0, 1, 2, 4].map((i) => JSON.stringify(good.map((v, j) => (i === j ? 7 : v)))),
    ]
    for (const text of wrong) expect(await refresh.unwrap(await sealer.seal(text)), text).toBeUndefined()
  })
})

describe('session ids', () => {
  it('carry their start to the millisecond, and nothing else reads as one', () => {
    expect(sessionStart(newSessionId(1_800_000_000_123))).toBe(1_800_000_000_123)
    for (const sid of ['', 'abc', 'zzzzzzzzzzzz.AAAAAAAAAAAAAAAA', '1.AAAAAAAAAAAAAAA', '-1.AAAAAAAAAAAAAAAA']) expect(sessionStart(sid)).toBeUndefined()
  })
})
