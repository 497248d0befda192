// /token per RFC 6749, driven by a real OAuth 2 client library (oauth4webapi), against the real emulator.
import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { emulatorCall } from '../src/dev/emulator'
import { bearer, cognito, confirmedUser, formPost, jsonPost, signIn, testApp } from './support/harness'

const { app } = testApp()
const as: oauth.AuthorizationServer = { issuer: 'http://gateway.test', token_endpoint: 'http://gateway.test/token' }
const client: oauth.Client = { client_id: 'any-public-client' }
// The client talks to the app in process: customFetch hands its requests to app.request.
const options = {
  [oauth.allowInsecureRequests]: true,
  [oauth.customFetch]: (url: string, init: RequestInit) => Promise.resolve(app.request(url, init)),
} as oauth.TokenEndpointRequestOptions

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())
const passwordGrant = async (username: string, password: string) =>
  oauth.processGenericTokenEndpointResponse(as, client,
    await oauth.genericTokenEndpointRequest(as, client, oauth.None(), 'password', { username, password }, options))
const refreshGrant = async (refreshToken: string) =>
  oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, options))
const refreshError = async (refreshToken: string) => {
  const res = await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: refreshToken })
  return { status: res.status, body: await res.json() }
}

describe('an OAuth 2 client library', () => {
  it('completes the password grant and the refresh grant', async () => {
    const creds = await confirmedUser(app)
    const first = await passwordGrant(creds.email, creds.password)
    expect(first.token_type).toBe('bearer')
    expect(first.expires_in).toBe(900)
    expect(first.refresh_token).toEqual(expect.any(String))

    const second = await refreshGrant(first.refresh_token!)
    expect(second.access_token).not.toBe(first.access_token)
    // The same identity, and the same sign-in.
    const [a, b] = [decode(first.access_token), decode(second.access_token)]
    for (const claim of ['sub', 'email', 'username', 'mode', 'sid', 'iss', 'aud']) expect(b[claim], claim).toEqual(a[claim])
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
    const creds = await confirmedUser(app)
    const tokens = await signIn(app, creds)
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
    ['a refresh token Cognito does not know', { grant_type: 'refresh_token', refresh_token: 'dXNlcg.not-a-cognito-token' }, 'invalid_grant'],
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
    const json = await jsonPost(app, '/token', { grant_type: 'password' })
    expect(json.status).toBe(415)
  })
})

describe('refresh after the session ended', () => {
  it('is refused after signing out with the access token alone: that sign-in is over', async () => {
    const tokens = await signIn(app, await confirmedUser(app))
    expect((await app.request('/signout', { method: 'POST', headers: bearer(tokens.access_token) })).status).toBe(200)
    expect(await refreshError(tokens.refresh_token)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) } })
  })

  it('is refused after the refresh token was revoked at sign-out (RevokeToken at Cognito)', async () => {
    const tokens = await signIn(app, await confirmedUser(app))
    await formPost(app, '/signout', { refresh_token: tokens.refresh_token }, bearer(tokens.access_token))
    expect((await refreshError(tokens.refresh_token)).body.error).toBe('invalid_grant')
  })

  it('is refused with a refreshed access token signed out: it belongs to the same sign-in', async () => {
    const tokens = await signIn(app, await confirmedUser(app))
    const refreshed = await refreshGrant(tokens.refresh_token)
    await app.request('/signout', { method: 'POST', headers: bearer(refreshed.access_token) })
    expect((await refreshError(tokens.refresh_token)).body.error).toBe('invalid_grant')
  })

  it('does not touch another sign-in of the same user', async () => {
    const creds = await confirmedUser(app)
    const a = await signIn(app, creds)
    const b = await signIn(app, creds)
    await app.request('/signout', { method: 'POST', headers: bearer(a.access_token) })
    expect((await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: b.refresh_token })).status).toBe(200)
  })

  it('is refused for a user disabled at Cognito', async () => {
    const creds = await confirmedUser(app)
    const tokens = await signIn(app, creds)
    await emulatorCall(cognito().endpoint, 'AdminDisableUser', { UserPoolId: cognito().userPoolId, Username: creds.email })
    expect((await refreshError(tokens.refresh_token)).body.error).toBe('invalid_grant')
  })

  it('ends every session with AdminUserGlobalSignOut when AWS credentials are configured and no refresh token is given', async () => {
    const { app: admin } = testApp({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' })
    const creds = await confirmedUser(admin)
    const a = await signIn(admin, creds)
    const b = await signIn(admin, creds)
    expect((await admin.request('/signout', { method: 'POST', headers: bearer(a.access_token) })).status).toBe(200)
    // b's access token lives until it expires (it is the service's own), but b cannot refresh any more.
    const res = await formPost(admin, '/token', { grant_type: 'refresh_token', refresh_token: b.refresh_token })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toBe('invalid_grant')
  })
})
