// Every way a Cognito call can fail, as a client of the service, its operator (the log) and a
// library user of deps.cognito see it: API.md's status, code and description; the log line of a
// 5xx or a misconfiguration; what is retried and how long it waits; and the error's cause.
// Cognito's own answers come from the real emulator; what no emulator can be made to answer
// (throttling, a 5xx, garbage, a header-only error type) comes from a real HTTP server on loopback.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../scripts/emulator'
import { createCognitoClient } from '../src/cognito/client'
import { CognitoError, ignoreUserFaults, isMisconfiguration, isWrongSecret, parseErrorType, type CognitoErrorType, type Operation } from '../src/cognito/errors'
import { parseConfig } from '../src/config'
import { cognitoToApiError } from '../src/http/cognito-errors'
import { codeFor, cognitoRefreshTokens, confirmedUser, formPost, jsonPost, newCreds, testApp, testEnv } from './support/harness'

type Answer = (res: ServerResponse, req: IncomingMessage, body: string) => void
let answer: Answer = () => {}
const calls: { op: string; body: Record<string, unknown>; at: number }[] = []
let server: Server
let endpoint = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      calls.push({ op: String(req.headers['x-amz-target']).split('.').pop()!, body: JSON.parse(body || '{}'), at: performance.now() })
      answer(res, req, body)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => (res) =>
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', ...headers }).end(JSON.stringify(body))
const raw = (status: number, text: string): Answer => (res) => res.writeHead(status).end(text)
const op = (name: string) => calls.filter((c) => c.op === name)

/** The client against the stand-in (or `env`'s endpoint), as createDeps builds it, with `random` for the retry jitter. */
const client = (env: Record<string, string> = {}, deps: { random?: () => number; fetch?: typeof fetch } = {}) =>
  createCognitoClient(parseConfig(testEnv({ COGNITO_ENDPOINT: endpoint, COGNITO_TIMEOUT_MS: '1000', ...env })).cognito, deps)
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(CognitoError)
  return err as CognitoError
}

/** The app against the stand-in, with its log lines. */
function app(env: Record<string, string> = {}) {
  const lines: Record<string, unknown>[] = []
  const { app } = testApp({ COGNITO_ENDPOINT: endpoint, COGNITO_TIMEOUT_MS: '1000', ...env }, { log: (line) => lines.push(line as Record<string, unknown>) })
  const signin = async () => {
    calls.length = 0
    const res = await formPost(app, '/signin', { username: newCreds().email, password: 'Passw0rd!' })
    return { status: res.status, body: await res.json(), retryAfter: res.headers.get('Retry-After') }
  }
  return { app, lines, signin, errors: () => lines.filter((l) => l.level === 'error').map(({ msg, operation, failure }) => ({ msg, operation, failure })) }
}

describe('an error type that Cognito sends only in the x-amzn-ErrorType header', () => {
  it('is read as the type (the header comes first, as in the AWS JSON protocol), not as a malformed answer', async () => {
    const { signin } = app()
    const type = 'NotAuthorizedException:http://internal.amazon.com/coral/com.amazon.coral.service/'
    answer = json(400, { message: 'Incorrect username or password.' }, { 'x-amzn-ErrorType': type })
    expect(await signin()).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Incorrect username or password.' }, retryAfter: null })
    answer = json(400, {}, { 'x-amzn-ErrorType': 'TooManyRequestsException' })
    expect(await signin()).toMatchObject({ status: 429, body: { error: 'too_many_requests' }, retryAfter: '30' })
  })
})

describe('API.md errors for what Cognito answers', () => {
  // The description a client reads for each row of API.md's table Cognito can cause (details only in the log).
  it.each<[Operation, CognitoErrorType, number, string, string]>([
    ['InitiateAuth', 'NotAuthorizedException', 400, 'invalid_grant', 'Incorrect username or password.'],
    ['ChangePassword', 'NotAuthorizedException', 400, 'invalid_grant', 'The token or credentials were refused.'],
    ['RevokeToken', 'UserNotFoundException', 400, 'invalid_grant', 'The token or credentials were refused.'],
    ['RespondToAuthChallenge', 'ExpiredCodeException', 400, 'invalid_grant', 'The challenge answer was refused; sign in again if the session has expired.'],
    ['SignUp', 'InvalidPasswordException', 400, 'invalid_password', 'The password does not meet the password policy.'],
    ['ChangePassword', 'PasswordHistoryPolicyViolationException', 400, 'invalid_password', 'The password was used recently; choose another.'],
    ['ConfirmForgotPassword', 'PasswordHistoryPolicyViolationException', 400, 'invalid_password', 'The password was used recently; choose another.'],
    ['SignUp', 'UsernameExistsException', 400, 'username_exists', 'Username already exists'],
    ['ConfirmSignUp', 'CodeMismatchException', 400, 'invalid_code', 'Invalid confirmation code.'],
    ['InitiateAuth', 'CodeMismatchException', 400, 'invalid_code', 'Invalid confirmation code.'],
    ['ForgotPassword', 'ExpiredCodeException', 400, 'expired_code', 'The confirmation code has expired or was already used.'],
    ['InitiateAuth', 'UserNotConfirmedException', 400, 'user_not_confirmed', 'The user has not confirmed the account yet.'],
    ['SignUp', 'InvalidParameterException', 400, 'invalid_request', 'The user directory refused the request parameters.'],
    ['SignUp', 'LimitExceededException', 429, 'too_many_requests', 'Too many attempts; try again later.'],
    ['InitiateAuth', 'ResourceNotFoundException', 500, 'server_misconfigured', 'The service is misconfigured; the operator has been told.'],
  ])('%s refused with %s: %i %s', (operation, type, status, code, description) => {
    const err = cognitoToApiError(new CognitoError(operation, { kind: 'rejected', type }))
    expect({ status: err.status, code: err.code, description: err.description }).toEqual({ status, code, description })
  })

  it('answers 502 upstream_error, logged with the operation and what went wrong, when Cognito answers 5xx or garbage', async () => {
    const { signin, errors } = app()
    const upstreamError = { error: 'upstream_error', error_description: 'The user directory could not be reached or answered badly.' }
    for (const [given, msg, failure] of [
      [json(500, { __type: 'InternalErrorException', message: 'internals' }), 'InitiateAuth failed: HTTP 500 InternalErrorException', 'unrecognized'],
      [raw(503, '<html>unavailable</html>'), 'InitiateAuth failed: HTTP 503 without a known type', 'unrecognized'],
      [json(500, { message: 'no type' }), 'InitiateAuth failed: HTTP 500 without a known type', 'unrecognized'],
      [raw(500, 'not json'), 'InitiateAuth failed: HTTP 500 without a known type', 'unrecognized'],
      [json(400, { __type: 'BrandNewException' }), 'InitiateAuth failed: HTTP 400 BrandNewException', 'unrecognized'],
      [raw(200, 'not json'), 'InitiateAuth failed: HTTP 200 with a malformed body', 'malformed'],
      [json(400, { message: 'no type' }), 'InitiateAuth failed: HTTP 400 with a malformed body', 'malformed'],
    ] as const) {
      answer = given
      expect(await signin()).toEqual({ status: 502, body: upstreamError, retryAfter: null })
      expect(errors().at(-1)).toEqual({ msg, operation: 'InitiateAuth', failure })
    }
  })

  it('answers 500 server_misconfigured, and tells the operator, when Cognito says the pool or client is wrong', async () => {
    const { signin, errors } = app()
    answer = json(400, { __type: 'ResourceNotFoundException', message: 'User pool client x does not exist.' })
    expect((await signin()).status).toBe(500)
    expect(errors()).toEqual([{ msg: 'InitiateAuth failed: ResourceNotFoundException', operation: 'InitiateAuth', failure: 'rejected' }])
  })

  it('logs no error for a refusal about the user: a wrong password is the client\'s, not the operator\'s', async () => {
    const { signin, errors } = app()
    answer = json(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' })
    expect(await signin()).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    answer = json(400, { __type: 'TooManyRequestsException', message: 'Rate exceeded' })
    const throttled = { status: 429, body: { error: 'too_many_requests', error_description: 'Too many attempts; try again later.' }, retryAfter: '30' }
    expect(await signin()).toEqual(throttled)
    expect(errors()).toEqual([])
  })
})

describe('which refusals count as what (the exported predicates)', () => {
  const refused = (operation: Operation, type: CognitoErrorType) => new CognitoError(operation, { kind: 'rejected', type })
  const timeout = new CognitoError('RevokeToken', { kind: 'timeout' })

  it('counts a wrong password, code or unknown user as a wrong secret, and nothing else', () => {
    const secrets = ['NotAuthorizedException', 'UserNotFoundException', 'CodeMismatchException', 'ExpiredCodeException', 'PasswordResetRequiredException'] as const
    for (const type of secrets) {
      expect([type, isWrongSecret(refused('ConfirmSignUp', type))]).toEqual([type, true])
    }
    // cognito-local's answer to a wrong password; elsewhere it means a weak new password.
    expect(isWrongSecret(refused('InitiateAuth', 'InvalidPasswordException'))).toBe(true)
    expect(isWrongSecret(refused('ChangePassword', 'InvalidPasswordException'))).toBe(false)
    expect(isWrongSecret(refused('InitiateAuth', 'TooManyRequestsException'))).toBe(false)
    expect(isWrongSecret(refused('SignUp', 'UsernameExistsException'))).toBe(false)
    expect(isWrongSecret(timeout)).toBe(false)
    expect(isWrongSecret(new Error('NotAuthorizedException'))).toBe(false)
  })

  it('ignores refusals about the user or token, and passes on every other failure', async () => {
    const aboutTheUser = ['NotAuthorizedException', 'InvalidParameterException', 'UnsupportedTokenTypeException', 'UserNotFoundException', 'UserNotConfirmedException'] as const
    for (const type of aboutTheUser) {
      await expect(ignoreUserFaults(Promise.reject(refused('ResendConfirmationCode', type)))).resolves.toBeUndefined()
    }
    await expect(ignoreUserFaults(Promise.reject(timeout))).rejects.toBe(timeout)
    const throttled = refused('ForgotPassword', 'LimitExceededException')
    await expect(ignoreUserFaults(Promise.reject(throttled))).rejects.toBe(throttled)
    const other = new Error('boom')
    await expect(ignoreUserFaults(Promise.reject(other))).rejects.toBe(other)
  })

  it('calls only our own setup a misconfiguration', () => {
    expect(isMisconfiguration({ kind: 'rejected', type: 'ResourceNotFoundException' })).toBe(true)
    expect(isMisconfiguration({ kind: 'rejected', type: 'UnauthorizedException' })).toBe(true)
    expect(isMisconfiguration({ kind: 'rejected', type: 'NotAuthorizedException' })).toBe(false)
    expect(isMisconfiguration({ kind: 'unrecognized', status: 500 })).toBe(false)
  })

  it('reads no type from an answer that is not an object', () => {
    for (const body of [undefined, null, 'NotAuthorizedException', 42]) expect(parseErrorType(body)).toBeUndefined()
    expect(parseErrorType({ __type: 'x#CodeMismatchException' }, null)).toBe('CodeMismatchException')
  })
})

describe('retries of a busy Cognito', () => {
  it('retries a sign-in Cognito throttled with LimitExceededException, as with TooManyRequestsException', async () => {
    const { signin } = app()
    for (const type of ['LimitExceededException', 'TooManyRequestsException']) {
      answer = json(400, { __type: type, message: 'Attempt limit exceeded' })
      expect(await signin()).toMatchObject({ status: 429, retryAfter: '30' })
      expect([type, op('InitiateAuth').length]).toEqual([type, 3])
    }
  })

  it('waits longer before each retry: up to 100 ms, then up to 200 ms (full jitter)', async () => {
    answer = json(500, { __type: 'InternalErrorException' })
    calls.length = 0
    await failure(client({ COGNITO_TIMEOUT_MS: '2000' }, { random: () => 0.9 }).passwordAuth('a@example.com', 'x'))
    const [first, second, third] = op('InitiateAuth').map((c) => c.at)
    expect(second! - first!).toBeGreaterThanOrEqual(85)
    expect(third! - second!).toBeGreaterThanOrEqual(170)
  })

  it('ends in a timeout at the deadline, whose cause is the last failure, with no attempt after it', async () => {
    answer = json(500, { __type: 'InternalErrorException' })
    calls.length = 0
    // No pause before the second attempt; the second pause would last 200 ms, and the deadline comes about 90 ms into it.
    const jitter = [0, 0.999]
    const err = await failure(client({ COGNITO_TIMEOUT_MS: '100' }, { random: () => jitter.shift()! }).passwordAuth('a@example.com', 'x'))
    expect(err.failure).toEqual({ kind: 'timeout' })
    expect((err.cause as CognitoError).failure).toEqual({ kind: 'unrecognized', status: 500, type: 'InternalErrorException' })
    expect(op('InitiateAuth')).toHaveLength(2)
  })

  it('lets the deadline end with the call: the signal fetch was given never aborts afterwards', async () => {
    answer = json(200, {})
    const signals: AbortSignal[] = []
    const fetching: typeof fetch = (input, init) => (signals.push(init!.signal!), fetch(input, init))
    await client({ COGNITO_TIMEOUT_MS: '100' }, { fetch: fetching }).revokeToken('rt')
    await new Promise((r) => setTimeout(r, 200))
    expect(signals.map((s) => s.aborted)).toEqual([false])
  })
})

describe('what a library user of deps.cognito gets from a failed call', () => {
  it('a CognitoError that keeps what went wrong as its cause', async () => {
    const refused = await failure(client({ COGNITO_ENDPOINT: `http://127.0.0.1:${await freePort()}` }).signUp({ username: 'a', password: 'b', attributes: {} }))
    expect([refused.name, refused.failure, refused.cause]).toEqual(['CognitoError', { kind: 'unreachable' }, expect.any(TypeError)])
    expect(String(refused)).toBe('CognitoError: SignUp failed: unreachable')
    answer = raw(503, '<html>busy</html>')
    const html = await failure(client().signUp({ username: 'a', password: 'b', attributes: {} }))
    expect([html.failure, html.cause]).toEqual([{ kind: 'unrecognized', status: 503 }, expect.any(SyntaxError)])
    answer = raw(400, 'Bad Request')
    const garbage = await failure(client().signUp({ username: 'a', password: 'b', attributes: {} }))
    expect([garbage.failure, garbage.cause]).toEqual([{ kind: 'malformed', status: 400 }, expect.any(SyntaxError)])
    answer = json(200, { UserSub: 5 })
    const shape = await failure(client().signUp({ username: 'a', password: 'b', attributes: {} }))
    expect(shape.failure).toEqual({ kind: 'malformed', status: 200 })
    expect((shape.cause as { issues: unknown[] }).issues).not.toEqual([])
  })

  it('success for any 2xx, an empty body included', async () => {
    answer = raw(200, '')
    await expect(client().revokeToken('rt')).resolves.toBeUndefined()
    answer = json(299, {})
    await expect(client().globalSignOut('at')).resolves.toBeUndefined()
  })
})

describe('what the client sends', () => {
  const secret = async (username: string, clientId: string) => {
    const { createHmac } = await import('node:crypto')
    return createHmac('sha256', 'the-secret').update(`${username}${clientId}`).digest('base64')
  }

  it('sends SECRET_HASH with a password sign-in and a challenge answer, and the client secret with RevokeToken', async () => {
    const c = client({ COGNITO_CLIENT_SECRET: 'the-secret' })
    answer = json(400, { __type: 'NotAuthorizedException' })
    calls.length = 0
    await failure(c.passwordAuth('a@example.com', 'pw'))
    const responses = { SOFTWARE_TOKEN_MFA_CODE: '123456' }
    await failure(c.respondToChallenge({ username: 'a@example.com', challengeName: 'SOFTWARE_TOKEN_MFA', session: 's', responses }))
    await failure(c.revokeToken('rt'))
    const [auth, challenge, revoke] = [op('InitiateAuth')[0]!.body, op('RespondToAuthChallenge')[0]!.body, op('RevokeToken')[0]!.body]
    const hash = await secret('a@example.com', String(auth.ClientId))
    expect(auth.AuthParameters).toEqual({ USERNAME: 'a@example.com', PASSWORD: 'pw', SECRET_HASH: hash })
    expect(challenge.ChallengeResponses).toEqual({ SOFTWARE_TOKEN_MFA_CODE: '123456', USERNAME: 'a@example.com', SECRET_HASH: hash })
    expect(revoke).toEqual({ ClientId: auth.ClientId, Token: 'rt', ClientSecret: 'the-secret' })
  })

  it('hands on where Cognito sent a sign-up code, each part it left out as an empty string', async () => {
    const { app: a } = app()
    answer = json(200, { UserSub: 'sub-1', UserConfirmed: false, CodeDeliveryDetails: {} })
    const res = await jsonPost(a, '/signup', { ...newCreds() })
    expect(await res.json()).toEqual({ user_sub: 'sub-1', user_confirmed: false, code_delivery: { destination: '', medium: '', attribute: '' } })
  })
})

describe('sign-outs and codes at the real emulator', () => {
  const emulator = () => testApp().app
  const withKeys = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
  const real = (env: Record<string, string> = {}) => createCognitoClient(parseConfig(testEnv(env)).cognito)

  it('GlobalSignOut with the user\'s Cognito access token drops every refresh token of the user', async () => {
    const creds = await confirmedUser(emulator())
    const tokens = await real().passwordAuth(creds.email, creds.password)
    if (tokens.kind !== 'tokens') throw new Error('expected tokens')
    expect(await cognitoRefreshTokens(creds.email)).not.toEqual([])
    await real().globalSignOut(tokens.accessToken)
    expect(await cognitoRefreshTokens(creds.email)).toEqual([])
  })

  it('AdminUserGlobalSignOut needs AWS credentials, and with them drops every refresh token of the user', async () => {
    const creds = await confirmedUser(emulator())
    await real().passwordAuth(creds.email, creds.password)
    expect(real().canAdmin).toBe(false)
    await expect(real().adminUserGlobalSignOut(creds.email)).rejects.toThrow('AdminUserGlobalSignOut needs AWS credentials')
    expect(await cognitoRefreshTokens(creds.email)).toHaveLength(1)
    expect(real(withKeys).canAdmin).toBe(true)
    await real(withKeys).adminUserGlobalSignOut(creds.email)
    expect(await cognitoRefreshTokens(creds.email)).toEqual([])
  })

  it('a refresh token Cognito no longer takes (a global sign-out made at Cognito) is refused as the service refuses its own', async () => {
    const { app: a } = testApp()
    const creds = await confirmedUser(a)
    const tokens = await (await formPost(a, '/signin', { username: creds.email, password: creds.password })).json()
    await real(withKeys).adminUserGlobalSignOut(creds.email)
    const res = await formPost(a, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })
    // Not the sign-in's "Incorrect username or password.": no password was sent.
    expect([res.status, await res.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or revoked.' }])
  })

  it('with AWS credentials, a password reset also ends the sessions Cognito holds for the user', async () => {
    const { app: a } = testApp(withKeys)
    const creds = await confirmedUser(a)
    await real().passwordAuth(creds.email, creds.password)
    await jsonPost(a, '/password/forgot', { username: creds.email })
    const res = await jsonPost(a, '/password/reset', { username: creds.email, confirmation_code: await codeFor(creds.email), password: 'N3w-Passw0rd!' })
    expect(res.status).toBe(200)
    expect(await cognitoRefreshTokens(creds.email)).toEqual([])
  })

  it('/confirm/resend has Cognito send a new code, which confirms the user', async () => {
    const a = emulator()
    const creds = newCreds()
    expect((await jsonPost(a, '/signup', creds)).status).toBe(201)
    const first = await codeFor(creds.email)
    expect((await jsonPost(a, '/confirm/resend', { username: creds.email })).status).toBe(200)
    const second = await codeFor(creds.email)
    expect(second).not.toBe(first) // one chance in a million that the new random code is the same
    expect((await a.request(`/confirm?username=${encodeURIComponent(creds.email)}&confirmation_code=${second}`, { method: 'POST' })).status).toBe(200)
  })
})
