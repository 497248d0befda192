import { describe, expect, it } from 'vitest'
import { sessionId, unwrapRefreshToken, wrapRefreshToken } from '../src/tokens/refresh-token'

describe('refresh tokens handed to clients', () => {
  it('carry the Cognito username and the Cognito token, and give both back', () => {
    const wrapped = wrapRefreshToken('4beb71b1-dc20-46d5-88d3-79f70c954706', 1_800_000_000, 'eyJjdHkiOiJKV1QiLCJlbmMiOi.a.b.c.d')
    expect(wrapped).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-z]+\.eyJ/)
    expect(unwrapRefreshToken(wrapped)).toEqual({ username: '4beb71b1-dc20-46d5-88d3-79f70c954706', issuedAt: 1_800_000_000, token: 'eyJjdHkiOiJKV1QiLCJlbmMiOi.a.b.c.d' })
    expect(unwrapRefreshToken(wrapRefreshToken('ünïcode', 5, 't'))).toEqual({ username: 'ünïcode', issuedAt: 5, token: 't' })
  })

  it.each(['', 'garbage', '.token', 'dXNlcg.', 'dXNlcg.1.', 'dXNlcg.token', 'dXNlcg.!!.token', '***.1.token', '_-8.1.token'])('are not ours when they look like %j', (value) => {
    expect(unwrapRefreshToken(value)).toBeUndefined()
  })

  it('name their sign-in by a hash that is stable and differs between tokens', async () => {
    const a = await sessionId('token-a')
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(await sessionId('token-a')).toBe(a)
    expect(await sessionId('token-b')).not.toBe(a)
  })
})
