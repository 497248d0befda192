// Account flows beyond the first sign-in, end to end against the (extended) emulator:
// resend code, forgot and reset password, change password, challenges, delete account.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createPool, emulatorCall } from '../scripts/emulator'
import { totp } from './support/totp'
import { bearer, codeFor, cognito, confirmedUser, formPost, jsonPost, newCreds, signIn, testApp } from './support/harness'

const { app } = testApp()
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
const refresh = (rt: string) => formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: rt })
const adminGetUser = (username: string) =>
  emulatorCall(cognito().endpoint, 'AdminGetUser', { UserPoolId: cognito().userPoolId, Username: username }).then(() => true, () => false)

describe('POST /confirm/resend', () => {
  it('sends a new code that confirms the account', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const res = await jsonPost(app, '/confirm/resend', { username: creds.email })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ code_delivery: { destination: 'u***@e***', medium: 'EMAIL', attribute: 'email' } })
    expect((await jsonPost(app, '/confirm', { username: creds.email, confirmation_code: await codeFor(creds.email) })).status).toBe(200)
  })

  it('answers the same for an unknown user and for one already confirmed', async () => {
    const unconfirmed = newCreds()
    await jsonPost(app, '/signup', unconfirmed)
    const confirmed = await confirmedUser(app)
    const answers = await Promise.all(
      [unconfirmed.email, confirmed.email, `user-${randomUUID().slice(0, 8)}@example.com`].map(async (username) => {
        const res = await jsonPost(app, '/confirm/resend', { username })
        return [res.status, await res.text()]
      }),
    )
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
  })
})

describe('forgot and reset password', () => {
  it('answers /password/forgot the same whether or not the user exists', async () => {
    const creds = await confirmedUser(app)
    const known = await jsonPost(app, '/password/forgot', { username: creds.email })
    const unknown = await jsonPost(app, '/password/forgot', { username: `user-${randomUUID().slice(0, 8)}@example.com` })
    expect(known.status).toBe(200)
    expect(unknown.status).toBe(200)
    expect(await unknown.text()).toBe(await known.text())
  })

  it('resets with the code, and ends every earlier sign-in: access and refresh tokens', async () => {
    const creds = await confirmedUser(app)
    const before = await signIn(app, creds)
    await pause(1100) // a reset ends the sign-ins of earlier seconds
    await jsonPost(app, '/password/forgot', { username: creds.email })
    const code = await codeFor(creds.email)
    const res = await jsonPost(app, '/password/reset', { username: creds.email, confirmation_code: code, password: 'N3w-Passw0rd!' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ msg: 'Password reset successfully' })

    expect((await app.request('/demopage', { headers: bearer(before.access_token) })).status).toBe(401)
    expect((await (await refresh(before.refresh_token)).json()).error).toBe('invalid_grant')
    expect((await formPost(app, '/signin', { username: creds.email, password: creds.password })).status).toBe(400)
    // Signing in again at once works.
    const after = await signIn(app, { ...creds, password: 'N3w-Passw0rd!' })
    expect((await app.request('/demopage', { headers: bearer(after.access_token) })).status).toBe(200)
  })

  it('refuses a wrong code, and a new password that is not valid input', async () => {
    const creds = await confirmedUser(app)
    await jsonPost(app, '/password/forgot', { username: creds.email })
    const code = await codeFor(creds.email)
    const wrong = await jsonPost(app, '/password/reset', { username: creds.email, confirmation_code: code === '000000' ? '111111' : '000000', password: 'N3w-Passw0rd!' })
    expect(wrong.status).toBe(400)
    expect((await wrong.json()).error).toBe('invalid_code')
    const empty = await jsonPost(app, '/password/reset', { username: creds.email, confirmation_code: code, password: '' })
    expect((await empty.json()).fields).toHaveProperty('password')
  })
})

describe('POST /password/change', () => {
  it('checks the current password, then changes it', async () => {
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    const wrong = await jsonPost(app, '/password/change', { old_password: 'Wrong-pass1!', new_password: 'N3w-Passw0rd!' }, bearer(access_token))
    expect(wrong.status).toBe(400)
    expect((await wrong.json()).error).toBe('invalid_grant')

    const ok = await jsonPost(app, '/password/change', { old_password: creds.password, new_password: 'N3w-Passw0rd!' }, bearer(access_token))
    expect(ok.status).toBe(200)
    expect((await formPost(app, '/signin', { username: creds.email, password: creds.password })).status).toBe(400)
    expect((await formPost(app, '/signin', { username: creds.email, password: 'N3w-Passw0rd!' })).status).toBe(200)
  })

  it('needs a bearer token', async () => {
    expect((await jsonPost(app, '/password/change', { old_password: 'a', new_password: 'b' })).status).toBe(401)
  })
})

describe('challenges', () => {
  it('takes a user created with AdminCreateUser through NEW_PASSWORD_REQUIRED', async () => {
    const email = `admin-made-${randomUUID().slice(0, 8)}@example.com`
    await emulatorCall(cognito().endpoint, 'AdminCreateUser', {
      UserPoolId: cognito().userPoolId, Username: email, TemporaryPassword: 'Temp-Passw0rd!', MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
    })
    const first = await formPost(app, '/signin', { username: email, password: 'Temp-Passw0rd!' })
    expect(first.status).toBe(200)
    const challenge = await first.json()
    expect(challenge).toEqual({ challenge_name: 'NEW_PASSWORD_REQUIRED', session: expect.any(String), parameters: expect.any(Object) })
    expect(challenge).not.toHaveProperty('access_token')

    const done = await jsonPost(app, '/signin/challenge', {
      username: email, session: challenge.session, challenge_name: 'NEW_PASSWORD_REQUIRED',
      // Anything beyond what the challenge needs is dropped, never forwarded (no userAttributes.*).
      responses: { NEW_PASSWORD: 'Chosen-Passw0rd!', 'userAttributes.custom:role': 'admin' },
    })
    expect(done.status).toBe(200)
    expect(done.headers.get('Cache-Control')).toBe('no-store')
    const tokens = await done.json()
    expect(tokens).toMatchObject({ token_type: 'bearer', access_token: expect.any(String), refresh_token: expect.any(String) })
    expect((await app.request('/demopage', { headers: bearer(tokens.access_token) })).status).toBe(200)
    expect((await formPost(app, '/signin', { username: email, password: 'Chosen-Passw0rd!' })).status).toBe(200)
    const user = await emulatorCall<{ UserAttributes: { Name: string }[] }>(cognito().endpoint, 'AdminGetUser', { UserPoolId: cognito().userPoolId, Username: email })
    expect(user.UserAttributes.map((a) => a.Name)).not.toContain('custom:role')
  })

  it('refuses a challenge name it does not handle and a session that is not one', async () => {
    const bad = await jsonPost(app, '/signin/challenge', { username: 'a@example.com', session: 's', challenge_name: 'CUSTOM_CHALLENGE', responses: {} })
    expect(bad.status).toBe(400)
    expect((await bad.json()).fields).toHaveProperty('challenge_name')
  })
})

describe('DELETE /me', () => {
  it('keeps the account when the password is wrong', async () => {
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    const res = await app.request('/me', { method: 'DELETE', headers: { ...bearer(access_token), 'Content-Type': 'application/json' }, body: JSON.stringify({ password: 'Wrong-pass1!' }) })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toBe('invalid_grant')
    expect(await adminGetUser(creds.email)).toBe(true)
  })

  it('deletes the account after checking the password, and refuses its tokens from then on', async () => {
    const creds = await confirmedUser(app)
    const other = await signIn(app, creds)
    const { access_token } = await signIn(app, creds)
    const res = await app.request('/me', { method: 'DELETE', headers: { ...bearer(access_token), 'Content-Type': 'application/json' }, body: JSON.stringify({ password: creds.password }) })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ msg: 'User deleted successfully' })
    expect(await adminGetUser(creds.email)).toBe(false)
    for (const token of [access_token, other.access_token]) expect((await app.request('/demopage', { headers: bearer(token) })).status).toBe(401)
    expect((await (await refresh(other.refresh_token)).json()).error).toBe('invalid_grant')
    expect((await formPost(app, '/signin', { username: creds.email, password: creds.password })).status).toBe(400)
  })
})

describe('the SOFTWARE_TOKEN_MFA challenge', () => {
  it('is answered with the code of an authenticator app, and a wrong code is refused', async () => {
    // A pool of its own with MFA optional, so that the other tests' users are untouched.
    const pool = await createPool(cognito().endpoint, `mfa-${randomUUID().slice(0, 6)}`)
    await emulatorCall(cognito().endpoint, 'SetUserPoolMfaConfig', {
      UserPoolId: pool.userPoolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true },
    })
    const { app: mfaApp } = testApp({ COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId })
    const creds = await confirmedUser(mfaApp, pool.userPoolId)
    // The user sets up an authenticator app with Cognito's own access token.
    const { AuthenticationResult } = await emulatorCall<{ AuthenticationResult: { AccessToken: string } }>(cognito().endpoint, 'InitiateAuth', {
      ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
    })
    const { SecretCode } = await emulatorCall<{ SecretCode: string }>(cognito().endpoint, 'AssociateSoftwareToken', { AccessToken: AuthenticationResult.AccessToken })
    await emulatorCall(cognito().endpoint, 'VerifySoftwareToken', { AccessToken: AuthenticationResult.AccessToken, UserCode: totp(SecretCode) })

    const signin = async () => (await formPost(mfaApp, '/signin', { username: creds.email, password: creds.password })).json()
    const first = await signin()
    expect(first).toMatchObject({ challenge_name: 'SOFTWARE_TOKEN_MFA', session: expect.any(String) })
    const wrongCode = totp(SecretCode) === '000000' ? '111111' : '000000'
    const wrong = await jsonPost(mfaApp, '/signin/challenge', { username: creds.email, session: first.session, challenge_name: 'SOFTWARE_TOKEN_MFA', responses: { SOFTWARE_TOKEN_MFA_CODE: wrongCode } })
    expect(wrong.status).toBe(400)
    expect((await wrong.json()).error).toBe('invalid_grant')

    const second = await signin()
    const done = await jsonPost(mfaApp, '/signin/challenge', { username: creds.email, session: second.session, challenge_name: 'SOFTWARE_TOKEN_MFA', responses: { SOFTWARE_TOKEN_MFA_CODE: totp(SecretCode) } })
    expect(done.status).toBe(200)
    const tokens = await done.json()
    expect((await mfaApp.request('/demopage', { headers: bearer(tokens.access_token) })).status).toBe(200)
  })
})

// A pool of its own with MFA optional; the user turns on an authenticator app with Cognito's own token.
const mfaUser = async (env: Record<string, string> = {}) => {
  const pool = await createPool(cognito().endpoint, `mfa-${randomUUID().slice(0, 6)}`)
  await emulatorCall(cognito().endpoint, 'SetUserPoolMfaConfig', {
    UserPoolId: pool.userPoolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true },
  })
  const { app: mfaApp } = testApp({ COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId, ...env })
  const creds = await confirmedUser(mfaApp, pool.userPoolId)
  const { AuthenticationResult } = await emulatorCall<{ AuthenticationResult: { AccessToken: string } }>(cognito().endpoint, 'InitiateAuth', {
    ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
  })
  const { SecretCode } = await emulatorCall<{ SecretCode: string }>(cognito().endpoint, 'AssociateSoftwareToken', { AccessToken: AuthenticationResult.AccessToken })
  await emulatorCall(cognito().endpoint, 'VerifySoftwareToken', { AccessToken: AuthenticationResult.AccessToken, UserCode: totp(SecretCode) })
  const first = await (await formPost(mfaApp, '/signin', { username: creds.email, password: creds.password })).json()
  const signedIn = await jsonPost(mfaApp, '/signin/challenge', { username: creds.email, session: first.session, challenge_name: 'SOFTWARE_TOKEN_MFA', responses: { SOFTWARE_TOKEN_MFA_CODE: totp(SecretCode) } })
  const { access_token } = await signedIn.json()
  const exists = () => emulatorCall(cognito().endpoint, 'AdminGetUser', { UserPoolId: pool.userPoolId, Username: creds.email }).then(() => true, () => false)
  return { mfaApp, creds, code: () => totp(SecretCode), auth: bearer(access_token), exists }
}

describe('an account with an authenticator app (SOFTWARE_TOKEN_MFA)', () => {
  const del = (app: ReturnType<typeof testApp>['app'], auth: Record<string, string>, body: object) =>
    app.request('/me', { method: 'DELETE', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

  it('deletes the account with the password and the code of the app (DELETE /me), and asks for the code without it', async () => {
    const { mfaApp, creds, code, auth, exists } = await mfaUser()
    const without = await del(mfaApp, auth, { password: creds.password })
    expect(without.status).toBe(400)
    expect(await without.json()).toEqual({ error: 'invalid_grant', error_description: 'This account has MFA: send mfa_code, the current code of its authenticator app.' })
    const wrongCode = code() === '000000' ? '111111' : '000000'
    const wrong = await del(mfaApp, auth, { password: creds.password, mfa_code: wrongCode })
    expect(wrong.status).toBe(400)
    expect((await wrong.json()).error).toBe('invalid_grant')
    // A wrong password with a right code is refused as any wrong password.
    const wrongPassword = await del(mfaApp, auth, { password: 'Wrong-pass1!', mfa_code: code() })
    expect(wrongPassword.status).toBe(400)
    expect(await exists()).toBe(true)
    const done = await del(mfaApp, auth, { password: creds.password, mfa_code: code() })
    expect(done.status).toBe(200)
    expect(await exists()).toBe(false)
    expect((await mfaApp.request('/demopage', { headers: auth })).status).toBe(401)
  })

  it('changes the password with the old one and the code of the app (POST /password/change)', async () => {
    const { mfaApp, creds, code, auth } = await mfaUser()
    const without = await jsonPost(mfaApp, '/password/change', { old_password: creds.password, new_password: 'N3w-Passw0rd!' }, auth)
    expect(without.status).toBe(400)
    expect((await without.json()).error_description).toMatch(/mfa_code/)
    const done = await jsonPost(mfaApp, '/password/change', { old_password: creds.password, new_password: 'N3w-Passw0rd!', mfa_code: code() }, auth)
    expect(done.status).toBe(200)
    const again = await (await formPost(mfaApp, '/signin', { username: creds.email, password: 'N3w-Passw0rd!' })).json()
    expect(again).toMatchObject({ challenge_name: 'SOFTWARE_TOKEN_MFA' })
    // The caller's own session goes on.
    expect((await mfaApp.request('/demopage', { headers: auth })).status).toBe(200)
  })
})

describe('guessing the code of an authenticator app on DELETE /me', () => {
  it('counts each wrong code as a failed attempt (429 past the limit, even with the right code), and a missing one not at all', async () => {
    const { mfaApp, creds, code, auth } = await mfaUser({ SIGNIN_MAX_FAILURES_PER_USER: '2' })
    const del = (body: object) => mfaApp.request('/me', { method: 'DELETE', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
    // Asking for the code is no guess: three times, and still not blocked.
    for (let i = 0; i < 3; i++) expect((await del({ password: creds.password })).status).toBe(400)
    const wrongCode = () => (code() === '000000' ? '111111' : '000000')
    expect((await del({ password: creds.password, mfa_code: wrongCode() })).status).toBe(400)
    expect((await del({ password: creds.password, mfa_code: wrongCode() })).status).toBe(400)
    const blocked = await del({ password: creds.password, mfa_code: code() })
    expect(blocked.status).toBe(429)
    expect(blocked.headers.get('Retry-After')).toMatch(/^\d+$/)
  })
})

describe('a password re-check that Cognito answers with another challenge', () => {
  it('refuses DELETE /me for an account that must set a new password first, saying so, even with an mfa_code', async () => {
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    // An administrator sets a temporary password: the next sign-in must choose a new one.
    await emulatorCall(cognito().endpoint, 'AdminSetUserPassword', { UserPoolId: cognito().userPoolId, Username: creds.email, Password: 'Temp-Passw0rd!', Permanent: false })
    for (const body of [{ password: 'Temp-Passw0rd!' }, { password: 'Temp-Passw0rd!', mfa_code: '123456' }]) {
      const res = await app.request('/me', { method: 'DELETE', headers: { ...bearer(access_token), 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'This account needs a challenge to sign in; complete it through /signin first.' })
    }
    expect(await adminGetUser(creds.email)).toBe(true)
  })
})
