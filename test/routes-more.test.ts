// The session, password and account routes, in process against the real emulator: what their
// answers say word for word, which source /confirm reads, the masked address of a code, and how a
// sign-in that ends in a challenge counts against the limit of failed attempts.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createPool, emulatorCall } from '../scripts/emulator'
import { totp } from './support/totp'
import { codeFor, cognito, confirmedUser, formPost, jsonPost, newCreds, testApp } from './support/harness'

const { app } = testApp()

describe('the token endpoint', () => {
  it('says which grant types it supports', async () => {
    const res = await formPost(app, '/token', { grant_type: 'client_credentials' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'unsupported_grant_type', error_description: 'Supported grant types: password, refresh_token.' })
  })

  it('says that a parameter the grant requires is missing, and which', async () => {
    const res = await formPost(app, '/token', { grant_type: 'refresh_token' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: 'invalid_request', error_description: 'A parameter this grant requires is missing.', fields: { refresh_token: 'is required' },
    })
  })
})

describe('a sign-in answered with a challenge', () => {
  it('releases its own attempt only: the failed ones before it still count', async () => {
    // An MFA user: the right password is answered with SOFTWARE_TOKEN_MFA, a wrong one refused.
    const pool = await createPool(cognito().endpoint, `mfa-${randomUUID().slice(0, 6)}`)
    await emulatorCall(cognito().endpoint, 'SetUserPoolMfaConfig', {
      UserPoolId: pool.userPoolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true },
    })
    const { app: limited } = testApp({ COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId, SIGNIN_MAX_FAILURES_PER_USER: '3' })
    const creds = await confirmedUser(limited, pool.userPoolId)
    const { AuthenticationResult } = await emulatorCall<{ AuthenticationResult: { AccessToken: string } }>(cognito().endpoint, 'InitiateAuth', {
      ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
    })
    const { SecretCode } = await emulatorCall<{ SecretCode: string }>(cognito().endpoint, 'AssociateSoftwareToken', { AccessToken: AuthenticationResult.AccessToken })
    await emulatorCall(cognito().endpoint, 'VerifySoftwareToken', { AccessToken: AuthenticationResult.AccessToken, UserCode: totp(SecretCode) })

    const attempt = async (password: string) => (await formPost(limited, '/signin', { username: creds.email, password })).status
    expect([await attempt('Wrong-Passw0rd1'), await attempt('Wrong-Passw0rd2')]).toEqual([400, 400])
    const challenge = await formPost(limited, '/signin', { username: creds.email, password: creds.password })
    expect((await challenge.json()).challenge_name).toBe('SOFTWARE_TOKEN_MFA')
    expect([await attempt('Wrong-Passw0rd3'), await attempt('Wrong-Passw0rd4')]).toEqual([400, 429])
  })
})

describe('POST /confirm', () => {
  it('reads the query when it has either field, and then only the query', async () => {
    for (const query of ['username', 'confirmation_code']) {
      const creds = newCreds()
      await jsonPost(app, '/signup', creds)
      const code = await codeFor(creds.email)
      const fields: Record<string, string> = { username: creds.email, confirmation_code: code }
      const res = await jsonPost(app, `/confirm?${query}=${encodeURIComponent(fields[query]!)}`, fields)
      expect(res.status).toBe(400)
      const missing = query === 'username' ? 'confirmation_code' : 'username'
      expect((await res.json()).fields).toHaveProperty(missing)
      // The same body alone confirms.
      expect((await jsonPost(app, '/confirm', fields)).status).toBe(200)
    }
  })

  it('says which bodies it takes, and that one it takes could not be parsed', async () => {
    const post = (headers: Record<string, string>, body: string) => app.request('/confirm', { method: 'POST', headers, body })
    const unparsed = await post({ 'Content-Type': 'application/json' }, '{"username":')
    expect([unparsed.status, await unparsed.json()]).toEqual([400, { error: 'invalid_request', error_description: 'The request body could not be parsed.' }])
    const refused = { error: 'unsupported_media_type', error_description: 'The request body must be application/json or application/x-www-form-urlencoded.' }
    const other = await post({ 'Content-Type': 'text/plain' }, 'username=a')
    expect([other.status, await other.json()]).toEqual([415, refused])
    // A body without a type (bytes get none, a string would be text/plain) is not the optional empty one.
    const bytes = new TextEncoder().encode('username=a')
    const untyped = new Request('http://localhost/confirm', { method: 'POST', headers: { 'Content-Length': '10' }, body: bytes })
    expect(untyped.headers.get('Content-Type')).toBeNull()
    const res = await app.request(untyped)
    expect([res.status, await res.json()]).toEqual([415, refused])
  })
})

describe('the media type of a body', () => {
  // /confirm takes JSON or a form: an empty object of either is read, then refused field by field (400);
  // a type it does not take is refused as such (415).
  const post = (type: string, body: string) => app.request('/confirm', { method: 'POST', headers: { 'Content-Type': type }, body })
  const read = { error: 'invalid_request', error_description: 'The request is missing a field or has one of the wrong form.', fields: { username: 'is required', confirmation_code: 'is required' } }

  it('is read without its parameters, spaces or case: JSON, any +json type, and forms', async () => {
    for (const type of ['application/json; charset=UTF-8', 'application/json ; charset=utf-8', 'Application/JSON', 'application/vnd.api+json', 'application/merge-patch+json;charset=utf-8']) {
      const res = await post(type, '{}')
      expect([type, res.status, await res.json()]).toEqual([type, 400, read])
    }
    for (const type of ['application/x-www-form-urlencoded; charset=UTF-8', 'Application/X-WWW-Form-Urlencoded ;charset=utf-8']) {
      const res = await post(type, 'other=1')
      expect([type, res.status, await res.json()]).toEqual([type, 400, read])
    }
  })

  it('is refused whole, under "(body)", when it is JSON but no object', async () => {
    for (const body of ['"x"', '[]', '1']) {
      const res = await post('application/json', body)
      expect([body, res.status, (await res.json()).fields]).toEqual([body, 400, { '(body)': expect.any(String) }])
    }
  })

  it('is refused when it only looks like JSON or a form', async () => {
    for (const type of ['application/jsonx', 'application/json-seq', 'text/json', 'application/+json', 'x-application/json', 'application/x-www-form-urlencodedx']) {
      const res = await post(type, '{}')
      expect([type, res.status, (await res.json()).error]).toEqual([type, 415, 'unsupported_media_type'])
    }
  })
})

describe('a parameter given twice (RFC 6749 §3.1: parameters must not be repeated)', () => {
  const twice = { error: 'invalid_request', error_description: 'The request is missing a field or has one of the wrong form.' }
  const form = (pairs: [string, string][]) => new URLSearchParams(pairs).toString()

  it('is refused by /confirm in its query and in a form, with neither value used', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const code = await codeFor(creds.email)
    const inQuery = await app.request(`/confirm?username=${encodeURIComponent(creds.email)}&username=other%40example.com&confirmation_code=${code}`, { method: 'POST' })
    expect([inQuery.status, await inQuery.json()]).toEqual([400, { ...twice, fields: { username: 'must be given once' } }])
    const inForm = await app.request('/confirm', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form([['username', creds.email], ['confirmation_code', '000000'], ['confirmation_code', code]]),
    })
    expect([inForm.status, await inForm.json()]).toEqual([400, { ...twice, fields: { confirmation_code: 'must be given once' } }])
    // Neither was tried: the right code once still confirms.
    expect((await jsonPost(app, '/confirm', { username: creds.email, confirmation_code: code })).status).toBe(200)
  })

  it('is refused by /signout in a form, and the session goes on', async () => {
    const creds = await confirmedUser(app)
    const signin = await (await formPost(app, '/signin', { username: creds.email, password: creds.password })).json()
    const auth = { Authorization: `Bearer ${signin.access_token}` }
    const res = await app.request('/signout', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form([['refresh_token', 'other'], ['refresh_token', signin.refresh_token]]),
    })
    expect([res.status, await res.json()]).toEqual([400, { ...twice, fields: { refresh_token: 'must be given once' } }])
    expect((await app.request('/demopage', { headers: auth })).status).toBe(200)
  })
})

describe('where a code went', () => {
  it('is masked from the name alone, also for a name without a domain', async () => {
    const res = await jsonPost(app, '/password/forgot', { username: `nobody-${randomUUID().slice(0, 8)}` })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ code_delivery: { destination: 'n***@***', medium: 'EMAIL', attribute: 'email' } })
  })
})
