// /token per RFC 6749 and the end of sessions, in both token modes, driven by a real OAuth 2
// client library (oauth4webapi), against the real emulator.
import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { emulatorCall } from '../scripts/emulator'
import { bearer, cognito, confirmedUser, formPost, jsonPost, signIn, testApp } from './support/harness'

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())
const ADMIN = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }

describe.each(['app', 'cognito'] as const)('TOKEN_MODE=%s', (mode) => {
  const { app } = testApp({ TOKEN_MODE: mode })
  const as: oauth.AuthorizationServer = { issuer: 'http://gateway.test', token_endpoint: 'http://gateway.test/token' }
  const client: oauth.Client = { client_id: 'any-public-client' }
  // The client talks to the app in process: customFetch hands its requests to app.request.
  const options = {
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: (url: string, init: RequestInit) => Promise.resolve(app.request(url, init)),
  } as oauth.TokenEndpointRequestOptions
  const passwordGrant = async (username: string, password: string) =>
    oauth.processGenericTokenEndpointResponse(as, client,
      await oauth.genericTokenEndpointRequest(as, client, oauth.None(), 'password', { username, password }, options))
  const refreshGrant = async (refreshToken: string) =>
    oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, options))
  const refreshStatus = async (refreshToken: string, on = app) => {
    const res = await formPost(on, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken })
    return { status: res.status, error: res.status === 200 ? undefined : (await res.json()).error }
  }
  const signOut = (token: string, form?: Record<string, string>, on = app) =>
    form ? formPost(on, '/signout', form, bearer(token)) : on.request('/signout', { method: 'POST', headers: bearer(token) })

  describe('an OAuth 2 client library', () => {
    it('completes the password grant and the refresh grant', async () => {
      const creds = await confirmedUser(app)
      const first = await passwordGrant(creds.email, creds.password)
      expect(first.token_type).toBe('bearer')
      expect(first.expires_in).toBeGreaterThan(0)
      expect(first.refresh_token).toEqual(expect.any(String))

      const second = await refreshGrant(first.refresh_token!)
      expect(second.access_token).not.toBe(first.access_token)
      // The same identity (and in app mode, the same sign-in).
      const [a, b] = [decode(first.access_token), decode(second.access_token)]
      const same = mode === 'app' ? ['sub', 'email', 'username', 'mode', 'sid', 'iss', 'aud'] : ['sub', 'username', 'client_id', 'iss', 'token_use']
      for (const claim of same) expect(b[claim], claim).toEqual(a[claim])
      expect(b.jti).not.toBe(a.jti)
      // Cognito does not rotate refresh tokens here: none is returned, the client keeps its own (§6).
      expect(second.refresh_token).toBeUndefined()
      expect((await app.request('/demopage', { headers: bearer(second.access_token) })).status).toBe(200)
    })

    it('sees invalid_grant as an OAuth error response for a wrong password', async () => {
      const creds = await confirmedUser(app)
      const err = await passwordGrant(creds.email, 'Wrong-pass1!').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(oauth.ResponseBodyError)
      expect((err as oauth.ResponseBodyError).error).toBe('invalid_grant')
      expect((err as oauth.ResponseBodyError).status).toBe(400)
    })
  })

  describe('POST /token (RFC 6749)', () => {
    it('answers tokens with Cache-Control: no-store and Pragma: no-cache (§5.1), for both grants', async () => {
      const tokens = await signIn(app, await confirmedUser(app))
      const res = await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
      expect(res.status).toBe(200)
      expect(res.headers.get('Cache-Control')).toBe('no-store')
      expect(res.headers.get('Pragma')).toBe('no-cache')
    })

    it.each([
      ['grant_type missing', {}, 'invalid_request'],
      ['grant_type empty', { grant_type: '' }, 'invalid_request'],
      ['refresh_token missing', { grant_type: 'refresh_token' }, 'invalid_request'],
      ['refresh_token empty', { grant_type: 'refresh_token', refresh_token: '' }, 'invalid_request'],
      ['username empty', { grant_type: 'password', username: '', password: 'x' }, 'invalid_request'],
      ['grant_type client_credentials', { grant_type: 'client_credentials' }, 'unsupported_grant_type'],
      ['grant_type authorization_code', { grant_type: 'authorization_code', code: 'x' }, 'unsupported_grant_type'],
      ['a refresh token that is not one', { grant_type: 'refresh_token', refresh_token: 'garbage' }, 'invalid_grant'],
      ['a refresh token Cognito does not know', { grant_type: 'refresh_token', refresh_token: 'dXNlcg.1.not-a-cognito-token' }, 'invalid_grant'],
    ])('answers %s with 400 %s (§5.2)', async (_, form, error) => {
      const res = await formPost(app, '/token', form as Record<string, string>)
      expect(res.status).toBe(400)
      expect((await res.json()).error).toBe(error)
      expect(res.headers.get('Cache-Control')).toBe('no-store')
    })

    it('answers a repeated parameter with invalid_request (§3.1)', async () => {
      const res = await formPost(app, '/token', 'grant_type=password&grant_type=refresh_token')
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: 'invalid_request', fields: { grant_type: 'must be given once' } })
    })

    it('is POST only, and form-encoded only', async () => {
      const get = await app.request('/token?grant_type=password')
      expect(get.status).toBe(405)
      expect(get.headers.get('Allow')).toBe('POST')
      expect((await jsonPost(app, '/token', { grant_type: 'password' })).status).toBe(415)
    })
  })

  describe('sign-out, and refresh afterwards', () => {
    it('refuses the access token, and the refresh token, after signing out with the access token alone', async () => {
      const tokens = await signIn(app, await confirmedUser(app))
      expect((await signOut(tokens.access_token)).status).toBe(200)
      expect((await app.request('/demopage', { headers: bearer(tokens.access_token) })).status).toBe(401)
      expect(await refreshStatus(tokens.refresh_token)).toEqual({ status: 400, error: 'invalid_grant' })
    })

    it('revokes a given refresh token at Cognito (RevokeToken); app mode leaves the user\'s other sessions alone', async () => {
      const creds = await confirmedUser(app)
      const a = await signIn(app, creds)
      const b = await signIn(app, creds)
      expect((await signOut(a.access_token, { refresh_token: a.refresh_token })).status).toBe(200)
      expect(await refreshStatus(a.refresh_token)).toEqual({ status: 400, error: 'invalid_grant' })
      // Cognito's access tokens here name no session (no origin_jti), so they can only be signed out all together.
      expect(await refreshStatus(b.refresh_token)).toEqual(mode === 'app' ? { status: 200, error: undefined } : { status: 400, error: 'invalid_grant' })
      expect((await app.request('/demopage', { headers: bearer(b.access_token) })).status).toBe(mode === 'app' ? 200 : 401)
    })

    it('refuses the sign-in\'s refresh token when a refreshed access token is signed out', async () => {
      const tokens = await signIn(app, await confirmedUser(app))
      const refreshed = await refreshGrant(tokens.refresh_token)
      expect((await signOut(refreshed.access_token)).status).toBe(200)
      expect(await refreshStatus(tokens.refresh_token)).toEqual({ status: 400, error: 'invalid_grant' })
    })

    it('ends only that sign-in, or every sign-in, as the mode says, when signing out with the access token alone', async () => {
      const creds = await confirmedUser(app)
      const a = await signIn(app, creds)
      const b = await signIn(app, creds)
      await signOut(a.access_token)
      // app mode, no AWS credentials: only a's sign-in ends (by its sid). cognito mode: GlobalSignOut ends both.
      expect(await refreshStatus(b.refresh_token)).toEqual(mode === 'app' ? { status: 200, error: undefined } : { status: 400, error: 'invalid_grant' })
    })

    it('ends that session only, also with AWS credentials (a sign-out is not a global one in app mode)', async () => {
      const { app: admin } = testApp({ TOKEN_MODE: mode, ...ADMIN })
      const creds = await confirmedUser(admin)
      const a = await signIn(admin, creds)
      const b = await signIn(admin, creds)
      expect((await signOut(a.access_token, undefined, admin)).status).toBe(200)
      expect(await refreshStatus(a.refresh_token, admin)).toEqual({ status: 400, error: 'invalid_grant' })
      expect(await refreshStatus(b.refresh_token, admin)).toEqual(mode === 'app' ? { status: 200, error: undefined } : { status: 400, error: 'invalid_grant' })
    })

    it('is harmless twice in a row', async () => {
      const tokens = await signIn(app, await confirmedUser(app))
      expect((await signOut(tokens.access_token, { refresh_token: tokens.refresh_token })).status).toBe(200)
      const again = await signOut(tokens.access_token, { refresh_token: tokens.refresh_token })
      expect(again.status).toBe(200)
      expect(await again.json()).toEqual({ msg: 'User signed out successfully' })
    })

    it('refuses to refresh for a user disabled at Cognito', async () => {
      const creds = await confirmedUser(app)
      const tokens = await signIn(app, creds)
      await emulatorCall(cognito().endpoint, 'AdminDisableUser', { UserPoolId: cognito().userPoolId, Username: creds.email })
      expect(await refreshStatus(tokens.refresh_token)).toEqual({ status: 400, error: 'invalid_grant' })
    })
  })
})
