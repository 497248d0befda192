// The sessions module (src/sessions/) in process, against the real emulator: what a session
// remembers and for how long, whose sessions a password reset ends (when Cognito answers with
// tokens, with an MFA challenge, or not at all, and what the operator then reads in the log),
// the temporary Cognito session of a password check, and the sealed formats that must stay
// readable. Where no real Cognito can be made to (fail one operation, run a pre-sign-up trigger,
// name its sign-in in origin_jti), a real HTTP server on loopback stands in front of the emulator.
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emulatorCall, createPool } from '../scripts/emulator'
import { refreshTokenSealer } from '../src/sessions/refresh-token'
import { createSealer } from '../src/sessions/seal'
import { newSessionId, sessionStart } from '../src/sessions/session-id'
import { createSessions, nameDigest, SessionRefused, typedNameDigest } from '../src/sessions/sessions'
import type { Principal } from '../src/tokens/principal'
import { totp } from './support/totp'
import { bearer, codeFor, cognito, cognitoRefreshTokens, confirmedUser, formPost, jsonPost, newCreds, signIn, TEST_SECRET, testApp, type Creds } from './support/harness'

type App = ReturnType<typeof testApp>['app']
type Answer = { status: number; body: unknown }
type Handler = (op: string, body: Record<string, any>, forward: () => Promise<Answer>) => Promise<Answer>
const pass: Handler = (_op, _body, forward) => forward()
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())
const withClaims = (jwt: string, extra: object) => {
  const [h, p, s] = jwt.split('.')
  return `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), ...extra })).toString('base64url')}.${s}`
}
const refresh = (app: App, refresh_token: string) => formPost(app, '/token', { grant_type: 'refresh_token', refresh_token })
const demopage = async (app: App, token: string) => (await app.request('/demopage', { headers: bearer(token) })).status
const cognitoSignIn = async (creds: Creds, clientId = cognito().clientId) =>
  (await emulatorCall<{ AuthenticationResult: { AccessToken: string } }>(cognito().endpoint, 'InitiateAuth', {
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
  })).AuthenticationResult.AccessToken
const reset = async (app: App, email: string, password: string, userPoolId?: string) => {
  await jsonPost(app, '/password/forgot', { username: email })
  return jsonPost(app, '/password/reset', { username: email, confirmation_code: await codeFor(email, userPoolId), password })
}

// The stand-in: forwards every call to the emulator unless the test's handler answers itself.
let handler: Handler = pass
let server: Server
let standIn = ''
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString()
      const target = req.headers['x-amz-target']
      const forward = async (): Promise<Answer> => {
        const headers = target ? { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': String(target) } : undefined
        const r = await fetch(`${cognito().endpoint}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? text : undefined })
        return { status: r.status, body: await r.json() }
      }
      const answer = await handler(target ? String(target).split('.').pop()! : `GET ${req.url}`, text ? JSON.parse(text) : {}, forward)
      res.writeHead(answer.status, { 'Content-Type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer.body))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  standIn = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})
const failing = (ops: string[]): Handler => (op, _body, forward) =>
  ops.includes(op) ? Promise.resolve({ status: 500, body: { __type: 'InternalErrorException', message: 'down' } }) : forward()

describe('sealed values', () => {
  it('seal and open an empty text (a sealed value of IV and tag alone)', async () => {
    const sealer = createSealer(TEST_SECRET, 'any purpose')
    expect(await sealer.open(await sealer.seal(''))).toBe('')
  })

  it('refuse a sealed plaintext that is not UTF-8, though the key and tag are right', async () => {
    // The key as createSealer documents it: HKDF-SHA-256 of the secret, no salt, the purpose as info.
    const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(TEST_SECRET), 'HKDF', false, ['deriveKey'])
    const info = new TextEncoder().encode('a purpose')
    const hkdf = { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info }
    const key = await crypto.subtle.deriveKey(hkdf, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt'])
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new Uint8Array([0x68, 0xff, 0x69])))
    const value = Buffer.concat([iv, sealed]).toString('base64url')
    const sealer = createSealer(TEST_SECRET, 'a purpose')
    expect(await sealer.open(value)).toBeUndefined()
    expect(await sealer.open(await sealer.seal('h\u00ffi'))).toBe('h\u00ffi')
  })

  it('keep refresh tokens under their fixed purpose, so that tokens already handed out stay valid', async () => {
    const contents = { sid: newSessionId(1_800_000_000_000), sub: 'a-sub', cognitoUsername: 'a-sub', since: 1_800_000_000_000, cognitoToken: 'rt' }
    const earlier = await createSealer(TEST_SECRET, 'edge-auth-gateway refresh token v1').seal(JSON.stringify([contents.sid, 'a-sub', 'a-sub', contents.since, 'rt']))
    expect(await refreshTokenSealer(TEST_SECRET).unwrap(earlier)).toEqual(contents)
  })

  it('read a session id only when nothing follows its 16 random characters', () => {
    const sid = newSessionId(1_800_000_000_123)
    expect(sessionStart(sid)).toBe(1_800_000_000_123)
    expect(sessionStart(`${sid}A`)).toBeUndefined()
  })
})

describe('names of accounts', () => {
  it('are kept exactly as spelled; typed names are trimmed and lower-cased, not upper-cased', async () => {
    expect(await nameDigest('alice@example.com')).not.toBe(await nameDigest('bob@example.com'))
    expect(await nameDigest('Alice@example.com')).not.toBe(await nameDigest('alice@example.com'))
    expect(await typedNameDigest(' Alice@Example.com ')).toBe(await typedNameDigest('alice@example.com'))
    // 'ß' upper-cases to 'SS': two different names would share one count.
    expect(await typedNameDigest('straße@example.com')).not.toBe(await typedNameDigest('STRASSE@example.com'))
  })

  it('are the same store keys with the Node entry\'s SHA-256 (node:crypto) as with Web Crypto\'s', async () => {
    const { createHash } = await import('node:crypto')
    const nodeSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest()
    const names = ['alice@example.com', ' Alice@Example.com ', 'straße@example.com', 'Zoë 🙂', '', 'x'.repeat(300)]
    for (const name of names) {
      expect(await nameDigest(name, nodeSha256), name).toBe(await nameDigest(name))
      expect(await typedNameDigest(name, nodeSha256), name).toBe(await typedNameDigest(name))
    }
    expect(await nameDigest('alice@example.com')).toMatch(/^[A-Za-z0-9_-]{24}$/)
  })

  it('are made with the runtime\'s SHA-256 when one is given, for the guard and the session alike', async () => {
    const { createHash } = await import('node:crypto')
    const hashed: string[] = []
    const sha256 = (bytes: Uint8Array) => {
      hashed.push(new TextDecoder().decode(bytes))
      return createHash('sha256').update(bytes).digest()
    }
    const { app } = testApp({}, { sha256 })
    const creds = await confirmedUser(app)
    hashed.length = 0
    await signIn(app, creds)
    // The guard's count of the typed name, its account lookup, and the names the session remembers.
    expect(hashed).toEqual(expect.arrayContaining([`typed:${creds.email}`, `name:${creds.email}`]))
    expect(hashed.filter((h) => h === `name:${creds.email}`)).toHaveLength(2)
  })

  it('lead to the account for as long as a refresh token lives, and no longer', async () => {
    let now = Date.now()
    const { app, deps } = testApp({ ACCESS_TOKEN_TTL_SECONDS: '60', REFRESH_TOKEN_TTL_SECONDS: '3600' }, { now: () => now })
    const sessions = createSessions(deps)
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    const { sub } = claims(access_token)
    expect(await sessions.accountOf(creds.email)).toBe(sub)
    expect(await sessions.accountOf(sub)).toBe(sub)
    expect(await sessions.accountOf(creds.email.toUpperCase())).toBeUndefined()
    now += 120_000 // past the access token's lifetime, within the refresh token's
    expect(await sessions.accountOf(creds.email)).toBe(sub)
    now += 3_600_000
    expect(await sessions.accountOf(creds.email)).toBeUndefined()
  })
})

describe('refresh', () => {
  it('works until exactly REFRESH_TOKEN_TTL_SECONDS after the sign-in, not a millisecond longer', async () => {
    let now = Date.now()
    const { app } = testApp({ REFRESH_TOKEN_TTL_SECONDS: '60' }, { now: () => now })
    const { refresh_token } = await signIn(app, await confirmedUser(app))
    now += 60_000
    expect((await refresh(app, refresh_token)).status).toBe(200)
    now += 1
    expect((await refresh(app, refresh_token)).status).toBe(400)
  })

  it('stays refused after signing out, past the access token\'s lifetime, though Cognito\'s refresh token lives on', async () => {
    let now = Date.now()
    const { app } = testApp({ ACCESS_TOKEN_TTL_SECONDS: '60', REFRESH_TOKEN_TTL_SECONDS: '3600' }, { now: () => now })
    const tokens = await signIn(app, await confirmedUser(app))
    expect((await app.request('/signout', { method: 'POST', headers: bearer(tokens.access_token) })).status).toBe(200)
    now += 120_000
    expect((await refresh(app, tokens.refresh_token)).status).toBe(400)
  })

  it('is refused when Cognito\'s session turns out to be another account\'s', async () => {
    const { app } = testApp()
    const creds = await confirmedUser(app)
    await signIn(app, creds)
    const [cognitoToken] = await cognitoRefreshTokens(creds.email)
    const since = Date.now()
    const other = randomUUID()
    const forged = await refreshTokenSealer(TEST_SECRET).wrap({ sid: newSessionId(since), sub: other, cognitoUsername: other, since, cognitoToken: cognitoToken! })
    const res = await refresh(app, forged)
    expect(res.status).toBe(400)
    expect((await res.json()).error).toBe('invalid_grant')
  })

  it('refuses what is not a refresh token with SessionRefused', async () => {
    const sessions = createSessions(testApp().deps)
    const err = await sessions.refresh('garbage').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SessionRefused)
    expect(err).toMatchObject({ name: 'SessionRefused', reason: 'refresh_token' })
  })
})

describe('sign-out', () => {
  it('with another user\'s refresh token ends only the caller\'s session', async () => {
    const { app } = testApp()
    const alice = await signIn(app, await confirmedUser(app))
    const bobCreds = await confirmedUser(app)
    const bob = await signIn(app, bobCreds)
    const held = await cognitoRefreshTokens(bobCreds.email)
    const res = await jsonPost(app, '/signout', { refresh_token: bob.refresh_token }, bearer(alice.access_token))
    expect(res.status).toBe(200)
    expect(await demopage(app, alice.access_token)).toBe(401)
    expect((await refresh(app, bob.refresh_token)).status).toBe(200)
    expect(await cognitoRefreshTokens(bobCreds.email)).toEqual(held)
  })
})

describe('a password reset', () => {
  it('ends the sessions of the account Cognito names, also ones never started here (cognito mode)', async () => {
    const { app } = testApp({ TOKEN_MODE: 'cognito' })
    const creds = await confirmedUser(app)
    const direct = await cognitoSignIn(creds) // signed in at Cognito, not through the service
    expect(await demopage(app, direct)).toBe(200)
    const held = (await cognitoRefreshTokens(creds.email)).length
    expect((await reset(app, creds.email, 'N3w-Passw0rd!')).status).toBe(200)
    expect(await demopage(app, direct)).toBe(401)
    // The sign-in that asked Cognito whose account it is was dropped at once.
    expect(await cognitoRefreshTokens(creds.email)).toHaveLength(held)
  })

  it('ends the sessions of an MFA user, whom Cognito names in its challenge (cognito mode)', async () => {
    const pool = await createPool(cognito().endpoint, `mfa-${randomUUID().slice(0, 6)}`)
    await emulatorCall(cognito().endpoint, 'SetUserPoolMfaConfig', {
      UserPoolId: pool.userPoolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true },
    })
    const { app } = testApp({ TOKEN_MODE: 'cognito', COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId })
    const creds = await confirmedUser(app, pool.userPoolId)
    const first = await cognitoSignIn(creds, pool.clientId)
    const { SecretCode } = await emulatorCall<{ SecretCode: string }>(cognito().endpoint, 'AssociateSoftwareToken', { AccessToken: first })
    await emulatorCall(cognito().endpoint, 'VerifySoftwareToken', { AccessToken: first, UserCode: totp(SecretCode) })
    const challenge = await emulatorCall<{ Session: string }>(cognito().endpoint, 'InitiateAuth', {
      ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
    })
    const { AuthenticationResult } = await emulatorCall<{ AuthenticationResult: { AccessToken: string } }>(cognito().endpoint, 'RespondToAuthChallenge', {
      ClientId: pool.clientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: challenge.Session,
      ChallengeResponses: { USERNAME: creds.email, SOFTWARE_TOKEN_MFA_CODE: totp(SecretCode) },
    })
    expect(await demopage(app, AuthenticationResult.AccessToken)).toBe(200)
    expect((await reset(app, creds.email, 'N3w-Passw0rd!', pool.userPoolId)).status).toBe(200)
    expect(await demopage(app, AuthenticationResult.AccessToken)).toBe(401)
  })

  it('with AWS credentials, also ends every session of the user at Cognito', async () => {
    const { app } = testApp({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' })
    const creds = await confirmedUser(app)
    await signIn(app, creds)
    await signIn(app, creds)
    expect(await cognitoRefreshTokens(creds.email)).toHaveLength(2)
    expect((await reset(app, creds.email, 'N3w-Passw0rd!')).status).toBe(200)
    expect(await cognitoRefreshTokens(creds.email)).toEqual([])
  })

  it('when Cognito cannot say whose account it is, ends the sessions of the name as signed in, and logs a warning', async () => {
    const lines: Record<string, unknown>[] = []
    const { app } = testApp({ COGNITO_ENDPOINT: standIn }, { log: (line) => lines.push(line) })
    const creds = await confirmedUser(app)
    const before = await signIn(app, creds)
    await jsonPost(app, '/password/forgot', { username: creds.email })
    const code = await codeFor(creds.email)
    handler = failing(['InitiateAuth'])
    try {
      const res = await jsonPost(app, '/password/reset', { username: creds.email, confirmation_code: code, password: 'N3w-Passw0rd!' })
      expect(res.status).toBe(200)
    } finally {
      handler = pass
    }
    const warning = { level: 'warn', msg: 'could not ask Cognito whose password was reset', error: 'InitiateAuth failed: HTTP 500 InternalErrorException' }
    expect(lines).toContainEqual(warning)
    expect(await demopage(app, before.access_token)).toBe(401)
  })
})

describe('a password check', () => {
  it('drops its temporary Cognito session', async () => {
    const { app } = testApp()
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    const held = await cognitoRefreshTokens(creds.email)
    const res = await jsonPost(app, '/password/change', { old_password: creds.password, new_password: 'N3w-Passw0rd!' }, bearer(access_token))
    expect([res.status, await res.json()]).toEqual([200, { msg: 'Password changed successfully' }])
    expect(await cognitoRefreshTokens(creds.email)).toEqual(held)
  })

  it('logs a warning when Cognito cannot drop its temporary session, and the change still succeeds', async () => {
    const lines: Record<string, unknown>[] = []
    const { app } = testApp({ COGNITO_ENDPOINT: standIn }, { log: (line) => lines.push(line) })
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    handler = failing(['RevokeToken'])
    try {
      const res = await jsonPost(app, '/password/change', { old_password: creds.password, new_password: 'N3w-Passw0rd!' }, bearer(access_token))
      expect(res.status).toBe(200)
    } finally {
      handler = pass
    }
    const warning = { level: 'warn', msg: 'could not revoke a temporary Cognito session', error: 'RevokeToken failed: HTTP 500 InternalErrorException' }
    expect(lines).toContainEqual(warning)
  })

  it('refuses a password that signs in as another account (one whose Cognito username is this account\'s sub)', async () => {
    // Cognito looks a username up before anything else: an account named like another's sub is
    // the one a password check of that sub reaches. cognito-local names e-mail accounts by a random
    // id and takes `sub` as given, so the victim is given the other account's name as its sub.
    const { app } = testApp()
    const make = async (creds: Creds, sub: string) => {
      await emulatorCall(cognito().endpoint, 'SignUp', {
        ClientId: cognito().clientId, Username: creds.email, Password: creds.password, UserAttributes: [{ Name: 'sub', Value: sub }, { Name: 'email', Value: creds.email }],
      })
      await emulatorCall(cognito().endpoint, 'AdminConfirmSignUp', { UserPoolId: cognito().userPoolId, Username: creds.email })
      return (await emulatorCall<{ Username: string }>(cognito().endpoint, 'AdminGetUser', { UserPoolId: cognito().userPoolId, Username: creds.email })).Username
    }
    const other = { ...newCreds(), password: 'Other-Passw0rd!' }
    const otherName = await make(other, randomUUID())
    const victim = newCreds()
    await make(victim, otherName)
    const { access_token } = await signIn(app, victim)
    expect(claims(access_token).sub).toBe(otherName)
    const res = await jsonPost(app, '/password/change', { old_password: other.password, new_password: 'N3w-Passw0rd!' }, bearer(access_token))
    expect(res.status).toBe(400)
    expect((await res.json()).error).toBe('invalid_grant')
    // The other account's password is unchanged.
    expect(await cognitoSignIn(other)).toEqual(expect.any(String))
  })
})

describe('a Cognito that names its sign-in in origin_jti', () => {
  const originJti = randomUUID()
  const naming: Handler = async (op, _body, forward) => {
    const answer = await forward()
    const result = (answer.body as { AuthenticationResult?: { AccessToken: string } }).AuthenticationResult
    if (op === 'InitiateAuth' && result) result.AccessToken = withClaims(result.AccessToken, { origin_jti: originJti })
    return answer
  }

  it('has its sign-in ended by ending that session here (cognito mode)', async () => {
    const { app, deps } = testApp({ TOKEN_MODE: 'cognito', COGNITO_ENDPOINT: standIn })
    const creds = await confirmedUser(app)
    handler = naming
    try {
      const tokens = await signIn(app, creds)
      expect(claims(tokens.access_token).origin_jti).toBe(originJti)
      const principal: Principal = { sub: claims(tokens.access_token).sub, username: creds.email, jti: 'j', exp: 0, iat: 0, groups: [], since: 0, sid: originJti }
      await createSessions(deps).signOut(principal, tokens.access_token)
      expect((await refresh(app, tokens.refresh_token)).status).toBe(400)
    } finally {
      handler = pass
    }
  })

  it('does not name the service\'s own sessions (app mode)', async () => {
    const { app } = testApp({ COGNITO_ENDPOINT: standIn })
    const creds = await confirmedUser(app)
    handler = naming
    try {
      const { access_token } = await signIn(app, creds)
      expect(sessionStart(claims(access_token).sid)).toEqual(expect.any(Number))
    } finally {
      handler = pass
    }
  })
})

describe('POST /revoke, when Cognito\'s keys cannot be fetched (cognito mode)', () => {
  it('answers 502 rather than pretend the access token was revoked', async () => {
    const { app } = testApp({ TOKEN_MODE: 'cognito', COGNITO_ENDPOINT: standIn })
    const creds = await confirmedUser(app)
    const token = await cognitoSignIn(creds)
    handler = failing([`GET /${cognito().userPoolId}/.well-known/jwks.json`])
    try {
      const res = await formPost(app, '/revoke', { token, token_type_hint: 'access_token' })
      expect(res.status).toBe(502)
      expect((await res.json()).error).toBe('upstream_error')
    } finally {
      handler = pass
    }
  })
})

describe('sign-up in a pool that confirms at once (a pre-sign-up trigger)', () => {
  const autoConfirm = (challenge?: boolean): Handler => async (op, body, forward) => {
    if (op === 'InitiateAuth' && challenge) return { status: 200, body: { ChallengeName: 'MFA_SETUP', Session: 'a-session', ChallengeParameters: {} } }
    const answer = await forward()
    if (op !== 'SignUp' || answer.status !== 200) return answer
    await emulatorCall(cognito().endpoint, 'AdminConfirmSignUp', { UserPoolId: cognito().userPoolId, Username: body.Username })
    const { CodeDeliveryDetails: _, ...rest } = answer.body as Record<string, unknown>
    return { status: 200, body: { ...rest, UserConfirmed: true } }
  }

  it('hands out the tokens of a session at once, not to be cached', async () => {
    const { app } = testApp({ COGNITO_ENDPOINT: standIn })
    handler = autoConfirm()
    try {
      const res = await jsonPost(app, '/signup', newCreds())
      expect(res.status).toBe(201)
      expect(res.headers.get('Cache-Control')).toBe('no-store')
      const body = await res.json()
      expect(body).toMatchObject({ user_confirmed: true, token_type: 'bearer', access_token: expect.any(String), refresh_token: expect.any(String) })
      expect(body).not.toHaveProperty('code_delivery')
      expect(await demopage(app, body.access_token)).toBe(200)
    } finally {
      handler = pass
    }
  })

  it('hands out no challenge in the sign-up answer when Cognito asks for one', async () => {
    const { app } = testApp({ COGNITO_ENDPOINT: standIn })
    handler = autoConfirm(true)
    try {
      const res = await jsonPost(app, '/signup', newCreds())
      expect(res.status).toBe(201)
      const body = await res.json()
      expect(body.user_confirmed).toBe(true)
      expect(Object.keys(body).sort()).toEqual(['user_confirmed', 'user_sub'])
    } finally {
      handler = pass
    }
  })
})
