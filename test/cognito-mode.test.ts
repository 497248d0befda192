// TOKEN_MODE=cognito: Cognito's own access tokens, checked against the pool's JWKS.
import { sign } from 'hono/jwt'
import { describe, expect, it } from 'vitest'
import { createPool, emulatorCall } from '../scripts/emulator'
import { wholeAnswerFetch } from '../src/runtime/node/fetch'
import { bearer, cognito, confirmedUser, formPost, signIn, testApp, type Creds } from './support/harness'

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString())
const jwks = () => `${cognito().endpoint}/${cognito().userPoolId}/.well-known/jwks.json`

/** The app in cognito mode, with a clock we can move and a count of what it fetched. */
function cognitoApp(env: Record<string, string> = {}, via: typeof fetch = fetch) {
  const fetched: string[] = []
  let offset = 0
  const counting = (input: RequestInfo | URL, init?: RequestInit) => {
    fetched.push(input instanceof Request ? input.url : String(input))
    return via(input, init)
  }
  const t = testApp({ TOKEN_MODE: 'cognito', ...env }, { fetch: counting, now: () => Date.now() + offset })
  return { ...t, jwksFetches: () => fetched.filter((u) => u.endsWith('/jwks.json')).length, fetched, advance: (ms: number) => (offset += ms) }
}

/** Cognito's tokens for a user, straight from the emulator. */
async function cognitoTokens(creds: Creds, clientId = cognito().clientId) {
  const r = await emulatorCall<{ AuthenticationResult: { AccessToken: string; IdToken: string } }>(cognito().endpoint, 'InitiateAuth', {
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
  })
  return r.AuthenticationResult
}

/** An RS256 token signed with a key that is not the pool's. */
async function forged(header: Record<string, unknown>, payload: Record<string, unknown>) {
  const { privateKey } = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])
  const token = await sign(payload, privateKey, 'RS256')
  const [, p, s] = token.split('.')
  return `${Buffer.from(JSON.stringify({ typ: 'JWT', ...header })).toString('base64url')}.${p}.${s}`
}

describe('TOKEN_MODE=cognito', () => {
  it('works whole through the Node entry\'s node:http fetch: sign-up, sign-in, the JWKS, /me, refresh, sign-out', async () => {
    const { app, jwksFetches } = cognitoApp({}, wholeAnswerFetch)
    const creds = await confirmedUser(app)
    const tokens = await signIn(app, creds)
    expect((await app.request('/demopage', { headers: bearer(tokens.access_token) })).status).toBe(200)
    expect(jwksFetches()).toBe(1)
    const me = await app.request('/me', { headers: bearer(tokens.access_token) })
    expect(await me.json()).toMatchObject({ email: creds.email, username: creds.username, mode: creds.mode })
    const refreshed = await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
    expect(refreshed.status).toBe(200)
    const { access_token } = await refreshed.json()
    expect((await app.request('/signout', { method: 'POST', headers: bearer(access_token) })).status).toBe(200)
    expect((await app.request('/demopage', { headers: bearer(access_token) })).status).toBe(401)
  })

  it('hands out Cognito\'s access token, and accepts it on the demo page', async () => {
    const { app } = cognitoApp()
    const creds = await confirmedUser(app)
    const tokens = await signIn(app, creds)
    const [h, p] = tokens.access_token.split('.')
    expect(decode(h!)).toMatchObject({ alg: 'RS256', kid: 'CognitoLocal' })
    const claims = decode(p!)
    expect(claims).toMatchObject({ token_use: 'access', client_id: cognito().clientId, iss: `${cognito().endpoint}/${cognito().userPoolId}` })
    expect(tokens.expires_in).toBeGreaterThan(0)
    expect(tokens.expires_in).toBeLessThanOrEqual(claims.exp - claims.iat)

    const demo = await app.request('/demopage', { headers: bearer(tokens.access_token) })
    expect(demo.status).toBe(200)
    expect(await demo.json()).toEqual({ msg: `Hello, ${claims.username}! Welcome to the demo page.` })
  })

  it('answers /me from Cognito, which has the attributes', async () => {
    const { app } = cognitoApp()
    const creds = await confirmedUser(app)
    const tokens = await signIn(app, creds)
    const me = await app.request('/me', { headers: bearer(tokens.access_token) })
    expect(await me.json()).toEqual({ sub: decode(tokens.access_token.split('.')[1]!).sub, email: creds.email, username: creds.username, mode: creds.mode })
  })

  it('refreshes through Cognito, and signs out everywhere with GlobalSignOut', async () => {
    const { app } = cognitoApp()
    const tokens = await signIn(app, await confirmedUser(app))
    const refreshed = await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
    expect(refreshed.status).toBe(200)
    const { access_token } = await refreshed.json()
    expect(decode(access_token.split('.')[1]).token_use).toBe('access')

    expect((await app.request('/signout', { method: 'POST', headers: bearer(access_token) })).status).toBe(200)
    expect((await app.request('/demopage', { headers: bearer(access_token) })).status).toBe(401)
    // GlobalSignOut dropped the user's refresh tokens at Cognito.
    const again = await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
    expect((await again.json()).error).toBe('invalid_grant')
  })

  it('fetches the JWKS once and keeps the keys', async () => {
    const { app, jwksFetches } = cognitoApp()
    const tokens = await signIn(app, await confirmedUser(app))
    for (let i = 0; i < 5; i++) expect((await app.request('/demopage', { headers: bearer(tokens.access_token) })).status).toBe(200)
    expect(jwksFetches()).toBe(1)
  })

  it('fetches again on an unknown kid, at most every 10 s, and only ever from the pool\'s JWKS', async () => {
    const { app, jwksFetches, fetched, advance } = cognitoApp()
    const tokens = await signIn(app, await confirmedUser(app))
    await app.request('/demopage', { headers: bearer(tokens.access_token) })
    expect(jwksFetches()).toBe(1)
    const payload = decode(tokens.access_token.split('.')[1]!)
    for (const kid of ['rotated-key', '../../../etc/passwd', 'https://attacker.example/jwks.json']) {
      const res = await app.request('/demopage', { headers: bearer(await forged({ alg: 'RS256', kid, jku: 'https://attacker.example/jwks.json' }, payload)) })
      expect(res.status).toBe(401)
    }
    expect(jwksFetches()).toBe(1) // within 10 s of the last fetch
    advance(10_000)
    await app.request('/demopage', { headers: bearer(await forged({ alg: 'RS256', kid: 'rotated-key' }, payload)) })
    expect(jwksFetches()).toBe(2)
    expect(fetched.filter((u) => !u.startsWith(`${cognito().endpoint}/`) || (u.includes('jwks') && u !== jwks()))).toEqual([])
  })

  it('refuses the service\'s own tokens, Cognito\'s ID token, and a token forged with another key', async () => {
    const { app } = cognitoApp()
    const { app: appMode } = testApp()
    const creds = await confirmedUser(appMode)
    const own = await signIn(appMode, creds)
    const { IdToken, AccessToken } = await cognitoTokens(creds)
    for (const token of [own.access_token, IdToken, await forged({ alg: 'RS256', kid: 'CognitoLocal' }, decode(AccessToken.split('.')[1]!))]) {
      const res = await app.request('/demopage', { headers: bearer(token) })
      expect(res.status).toBe(401)
      expect((await res.json()).error).toBe('invalid_token')
    }
    expect((await app.request('/demopage', { headers: bearer(AccessToken) })).status).toBe(200)
  })

  it('refuses a token of another app client, and one of another pool signed with the same emulator key', async () => {
    const { app } = cognitoApp()
    const creds = await confirmedUser(testApp().app)
    const { UserPoolClient } = await emulatorCall<{ UserPoolClient: { ClientId: string } }>(cognito().endpoint, 'CreateUserPoolClient', {
      UserPoolId: cognito().userPoolId, ClientName: 'other', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
    })
    const otherClient = await cognitoTokens(creds, UserPoolClient.ClientId)
    expect((await app.request('/demopage', { headers: bearer(otherClient.AccessToken) })).status).toBe(401)

    const other = await createPool(cognito().endpoint, 'other-pool')
    const { app: otherApp } = testApp({ COGNITO_USER_POOL_ID: other.userPoolId, COGNITO_CLIENT_ID: other.clientId })
    const stranger = await confirmedUser(otherApp, other.userPoolId)
    const otherPool = await cognitoTokens(stranger, other.clientId)
    expect(decode(otherPool.AccessToken.split('.')[0]!).kid).toBe('CognitoLocal') // a signature that verifies...
    expect((await app.request('/demopage', { headers: bearer(otherPool.AccessToken) })).status).toBe(401) // ...but the wrong iss
  })

  it('refuses RS256→HS256 confusion: the pool\'s public key used as an HMAC secret', async () => {
    const { app } = cognitoApp()
    const keys = (await (await fetch(jwks())).json()) as { keys: object[] }
    const payload = { sub: 's', username: 'u', token_use: 'access', client_id: cognito().clientId, iss: `${cognito().endpoint}/${cognito().userPoolId}`, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, jti: 'x' }
    const token = await sign(payload, JSON.stringify(keys.keys[0]), 'HS256')
    expect((await app.request('/demopage', { headers: bearer(token) })).status).toBe(401)
  })

  it('answers 502 when the JWKS cannot be fetched, rather than calling the token bad', async () => {
    const { app } = cognitoApp({ COGNITO_ISSUER: 'http://127.0.0.1:9/nowhere' })
    const { AccessToken } = await cognitoTokens(await confirmedUser(testApp().app))
    const res = await app.request('/demopage', { headers: bearer(AccessToken) })
    expect(res.status).toBe(502)
    expect((await res.json()).error).toBe('upstream_error')
  })
})

describe('TOKEN_MODE=app', () => {
  it('refuses Cognito\'s access and ID tokens', async () => {
    const { app } = testApp()
    const { AccessToken, IdToken } = await cognitoTokens(await confirmedUser(app))
    for (const token of [AccessToken, IdToken]) expect((await app.request('/demopage', { headers: bearer(token) })).status).toBe(401)
  })
})
