import { describe, expect, it } from 'vitest'
import { sessionId, unwrapRefreshToken, wrapRefreshToken } from '../src/tokens/refresh-token'

describe('refresh tokens handed to clients', () => {
  it('carry the Cognito username and the Cognito token, and give both back', () => {
    const wrapped = wrapRefreshToken('4beb71b1-dc20-46d5-88d3-79f70c954706', 'eyJjdHkiOiJKV1QiLCJlbmMiOi.a.b.c.d')
    expect(wrapped).toMatch(/^[A-Za-z0-9_-]+\.eyJ/)
    expect(unwrapRefreshToken(wrapped)).toEqual({ username: '4beb71b1-dc20-46d5-88d3-79f70c954706', token: 'eyJjdHkiOiJKV1QiLCJlbmMiOi.a.b.c.d' })
    expect(unwrapRefreshToken(wrapRefreshToken('ünïcode', 't'))).toEqual({ username: 'ünïcode', token: 't' })
  })

  it.each(['', 'garbage', '.token', 'dXNlcg.', '***.token', '_-8.token'])('are not ours when they look like %j', (value) => {
    expect(unwrapRefreshToken(value)).toBeUndefined()
  })

  it('name their sign-in by a hash that is stable and differs between tokens', async () => {
    const a = await sessionId('token-a')
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(await sessionId('token-a')).toBe(a)
    expect(await sessionId('token-b')).not.toBe(a)
  })
})
