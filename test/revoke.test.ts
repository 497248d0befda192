// RFC 7009 revocation in process, against the real emulator: what ends, what stays, and what
// Cognito then holds. (jwks.test.ts drives /revoke with a real OAuth client library too.)
import { describe, expect, it } from 'vitest'
import { bearer, cognitoRefreshTokens, confirmedUser, formPost, signIn, testApp } from './support/harness'

const app = testApp().app
const refreshes = async (refresh_token: string) => (await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token })).status
const demopage = async (token: string) => (await app.request('/demopage', { headers: bearer(token) })).status

describe('POST /revoke', () => {
  it.each([undefined, 'refresh_token', 'access_token'])('ends the session of a refresh token (hint %s), and Cognito drops its refresh token', async (hint) => {
    const creds = await confirmedUser(app)
    const kept = await signIn(app, creds)
    const ended = await signIn(app, creds)
    const held = (await cognitoRefreshTokens(creds.email)).length
    const res = await formPost(app, '/revoke', { token: ended.refresh_token, ...(hint ? { token_type_hint: hint } : {}) })
    expect([res.status, await res.text()]).toEqual([200, ''])
    expect(await demopage(ended.access_token)).toBe(401)
    expect(await refreshes(ended.refresh_token)).toBe(400)
    expect(await cognitoRefreshTokens(creds.email)).toHaveLength(held - 1)
    // The user's other sign-in goes on.
    expect(await demopage(kept.access_token)).toBe(200)
    expect(await refreshes(kept.refresh_token)).toBe(200)
  })

  it.each([undefined, 'access_token', 'refresh_token'])('ends the session of an access token (hint %s), and no other', async (hint) => {
    const creds = await confirmedUser(app)
    const kept = await signIn(app, creds)
    const ended = await signIn(app, creds)
    const res = await formPost(app, '/revoke', { token: ended.access_token, ...(hint ? { token_type_hint: hint } : {}) })
    expect([res.status, await res.text()]).toEqual([200, ''])
    expect(await demopage(ended.access_token)).toBe(401)
    expect(await refreshes(ended.refresh_token)).toBe(400)
    expect(await demopage(kept.access_token)).toBe(200)
    expect(await refreshes(kept.refresh_token)).toBe(200)
  })

  it('changes nothing for a token that is not one, whatever the hint', async () => {
    const creds = await confirmedUser(app)
    const tokens = await signIn(app, creds)
    const held = (await cognitoRefreshTokens(creds.email)).length
    for (const token_type_hint of ['access_token', 'refresh_token']) {
      for (const token of ['garbage', `${tokens.access_token}x`, `${tokens.refresh_token.slice(0, -2)}AA`]) {
        const res = await formPost(app, '/revoke', { token, token_type_hint })
        expect([res.status, await res.text()]).toEqual([200, ''])
      }
    }
    expect(await demopage(tokens.access_token)).toBe(200)
    expect(await refreshes(tokens.refresh_token)).toBe(200)
    expect(await cognitoRefreshTokens(creds.email)).toHaveLength(held)
  })
})
