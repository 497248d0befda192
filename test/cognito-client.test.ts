// The Cognito client's parsing of answers and faults. Cognito's own behaviour comes from the real
// emulator; where no real Cognito can produce a case (hanging, garbage), a real HTTP server on
// loopback misbehaves in that way.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AwsV4Signer } from 'aws4fetch'
import { createCognitoClient } from '../src/cognito/client'
import { classifyErrorAnswer, CognitoError, parseErrorType, type CognitoErrorType, type Operation } from '../src/cognito/errors'
import { cognitoToApiError as toApiError } from '../src/http/cognito-errors'
import { secretHash } from '../src/cognito/secret-hash'
import { parseConfig } from '../src/config'
import { wholeAnswerFetch } from '../src/runtime/node/fetch'
import { bearer, formPost, testApp, testEnv } from './support/harness'

let server: Server
let endpoint = ''
let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void = () => {}
const seen: { headers: IncomingMessage['headers']; body: string }[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push({ headers: req.headers, body })
      handler(req, res, body)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

// Every case with the runtime's fetch and with the Node entry's node:http one (src/runtime/node/fetch.ts).
let viaFetch: typeof fetch | undefined
const client = (env: Record<string, string> = {}) =>
  createCognitoClient(parseConfig(testEnv({ COGNITO_ENDPOINT: endpoint, COGNITO_TIMEOUT_MS: '300', ...env })).cognito, { fetch: viaFetch })

const failureOf = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(CognitoError)
  return (err as CognitoError).failure
}

describe('Cognito error parsing', () => {
  it.each([
    ['UsernameExistsException', 'UsernameExistsException'],
    ['com.amazonaws.cognito#NotAuthorizedException', 'NotAuthorizedException'],
    ['NotAuthorizedException:http://internal.amazon.com/coral/', 'NotAuthorizedException'],
    ['aws.cognito#CodeMismatchException:extra', 'CodeMismatchException'],
  ])('reads %s as %s', (raw, type) => {
    expect(parseErrorType({ __type: raw })).toBe(type)
  })

  it('classifies unknown types and missing types without trusting them', () => {
    expect(classifyErrorAnswer(400, { __type: 'SomethingNewException' })).toEqual({ kind: 'unrecognized', status: 400, type: 'SomethingNewException' })
    expect(classifyErrorAnswer(500, { __type: 'InternalErrorException' })).toEqual({ kind: 'unrecognized', status: 500, type: 'InternalErrorException' })
    expect(classifyErrorAnswer(400, { message: 'no type' })).toEqual({ kind: 'malformed', status: 400 })
    expect(classifyErrorAnswer(503, null)).toEqual({ kind: 'unrecognized', status: 503 })
  })

  // Every row of API.md's table that Cognito can cause, including those the emulator cannot produce.
  it.each<[Operation, CognitoErrorType, number, string]>([
    ['InitiateAuth', 'NotAuthorizedException', 400, 'invalid_grant'],
    ['InitiateAuth', 'UserNotFoundException', 400, 'invalid_grant'],
    ['InitiateAuth', 'InvalidPasswordException', 400, 'invalid_grant'],
    ['InitiateAuth', 'PasswordResetRequiredException', 400, 'invalid_grant'],
    ['InitiateAuth', 'UserNotConfirmedException', 400, 'user_not_confirmed'],
    ['SignUp', 'InvalidPasswordException', 400, 'invalid_password'],
    ['SignUp', 'UsernameExistsException', 400, 'username_exists'],
    ['SignUp', 'AliasExistsException', 400, 'username_exists'],
    ['SignUp', 'InvalidParameterException', 400, 'invalid_request'],
    ['SignUp', 'LimitExceededException', 429, 'too_many_requests'],
    ['ConfirmSignUp', 'CodeMismatchException', 400, 'invalid_code'],
    // Only an existing account can have an expired code: answered as any wrong code (no enumeration).
    ['ConfirmSignUp', 'ExpiredCodeException', 400, 'invalid_code'],
    ['ConfirmForgotPassword', 'ExpiredCodeException', 400, 'invalid_code'],
    ['RespondToAuthChallenge', 'CodeMismatchException', 400, 'invalid_grant'],
    ['RespondToAuthChallenge', 'NotAuthorizedException', 400, 'invalid_grant'],
    ['ConfirmSignUp', 'NotAuthorizedException', 400, 'invalid_code'],
    ['ConfirmSignUp', 'UserNotFoundException', 400, 'invalid_code'],
    ['ConfirmSignUp', 'TooManyFailedAttemptsException', 429, 'too_many_requests'],
    ['RevokeToken', 'NotAuthorizedException', 400, 'invalid_grant'],
    ['InitiateAuth', 'TooManyRequestsException', 429, 'too_many_requests'],
    ['InitiateAuth', 'ResourceNotFoundException', 500, 'server_misconfigured'],
    ['SignUp', 'InvalidLambdaResponseException', 500, 'server_misconfigured'],
  ])('maps %s %s to %i %s', (op, type, status, code) => {
    const err = toApiError(new CognitoError(op, { kind: 'rejected', type }))
    expect([err.status, err.code]).toEqual([status, code])
    expect(err.description).not.toMatch(/Exception/)
    if (status === 429) expect(err.extra.headers?.['Retry-After']).toMatch(/^\d+$/)
  })

  it('maps transport failures to 502 and 504', () => {
    const map = (failure: ConstructorParameters<typeof CognitoError>[1]) => toApiError(new CognitoError('SignUp', failure)).code
    expect(map({ kind: 'timeout' })).toBe('upstream_timeout')
    expect(map({ kind: 'unreachable' })).toBe('upstream_error')
    expect(map({ kind: 'malformed', status: 200 })).toBe('upstream_error')
    expect(map({ kind: 'unrecognized', status: 500 })).toBe('upstream_error')
  })
})

describe.each([
  ['fetch', undefined],
  ['node:http (the Node entry)', wholeAnswerFetch],
])('Cognito client against a misbehaving server, through %s', (_, chosen) => {
  beforeAll(() => {
    viaFetch = chosen
  })
  afterAll(() => {
    viaFetch = undefined
  })

  it('gives up after the configured timeout when Cognito never answers', async () => {
    handler = () => {} // never answers
    const started = performance.now()
    expect(await failureOf(client().passwordAuth('a@example.com', 'x'))).toEqual({ kind: 'timeout' })
    expect(performance.now() - started).toBeLessThan(300 + 1000)
  })

  it('treats a 5xx that is not JSON as unrecognized, and a success that is not JSON as malformed', async () => {
    handler = (_, res) => res.writeHead(503).end('<html>busy</html>')
    expect(await failureOf(client().signUp({ username: 'a', password: 'b', attributes: {} }))).toEqual({ kind: 'unrecognized', status: 503 })
    handler = (_, res) => res.writeHead(200).end('not json')
    expect(await failureOf(client().confirmSignUp('a', '123456'))).toEqual({ kind: 'malformed', status: 200 })
  })

  it('never turns a success of the wrong shape into tokens (fail closed)', async () => {
    handler = (_, res) => res.writeHead(200).end(JSON.stringify({ AuthenticationResult: { AccessToken: 'x' } }))
    expect(await failureOf(client().passwordAuth('a@example.com', 'x'))).toEqual({ kind: 'malformed', status: 200 })
  })

  it('takes a challenge\'s parameters only as names to strings (fail closed otherwise), and none as none', async () => {
    for (const ChallengeParameters of [{ USER_ID_FOR_SRP: 1 }, ['x'], 'x', null, { a: 'b', c: { d: 'e' } }]) {
      handler = (_, res) => res.writeHead(200).end(JSON.stringify({ ChallengeName: 'SMS_MFA', Session: 's', ChallengeParameters }))
      expect(await failureOf(client().passwordAuth('a@example.com', 'x')), JSON.stringify(ChallengeParameters)).toEqual({ kind: 'malformed', status: 200 })
    }
    handler = (_, res) => res.writeHead(200).end(JSON.stringify({ ChallengeName: 'SMS_MFA', Session: 's', ChallengeParameters: { CODE_DELIVERY_DESTINATION: '+1***' } }))
    expect(await client().passwordAuth('a@example.com', 'x')).toEqual({ kind: 'challenge', challengeName: 'SMS_MFA', session: 's', parameters: { CODE_DELIVERY_DESTINATION: '+1***' } })
    handler = (_, res) => res.writeHead(200).end(JSON.stringify({ ChallengeName: 'SMS_MFA', Session: 's' }))
    expect(await client().passwordAuth('a@example.com', 'x')).toEqual({ kind: 'challenge', challengeName: 'SMS_MFA', session: 's', parameters: {} })
  })

  it('sends SECRET_HASH when a client secret is configured, computed as AWS documents it', async () => {
    handler = (_, res) => res.writeHead(200).end(JSON.stringify({ UserSub: 'abc', UserConfirmed: false }))
    seen.length = 0
    await client({ COGNITO_CLIENT_SECRET: 'the-secret' }).signUp({ username: 'a@example.com', password: 'p', attributes: {} })
    const sent = JSON.parse(seen[0]!.body)
    const { createHmac } = await import('node:crypto')
    const expected = createHmac('sha256', 'the-secret').update(`a@example.com${sent.ClientId}`).digest('base64')
    expect(sent.SecretHash).toBe(expected)
    expect(await secretHash('the-secret', 'a@example.com', sent.ClientId)).toBe(expected)
    expect(seen[0]!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.SignUp')
    expect(seen[0]!.headers['content-type']).toBe('application/x-amz-json-1.1')
    expect(seen[0]!.headers.authorization).toBeUndefined()
  })

  it('sends SECRET_HASH over the Cognito username, and that username, with REFRESH_TOKEN_AUTH', async () => {
    handler = (_, res) => res.writeHead(400).end(JSON.stringify({ __type: 'NotAuthorizedException', message: 'x' }))
    seen.length = 0
    await client({ COGNITO_CLIENT_SECRET: 'the-secret' }).refreshAuth('rt', 'sub-1234').catch(() => {})
    const sent = JSON.parse(seen[0]!.body)
    const { createHmac } = await import('node:crypto')
    expect(sent.AuthFlow).toBe('REFRESH_TOKEN_AUTH')
    expect(sent.AuthParameters).toEqual({
      REFRESH_TOKEN: 'rt',
      USERNAME: 'sub-1234',
      SECRET_HASH: createHmac('sha256', 'the-secret').update(`sub-1234${sent.ClientId}`).digest('base64'),
    })
  })

  it('signs calls with SigV4 through aws4fetch when AWS credentials are configured', async () => {
    handler = (_, res) => res.writeHead(200).end('{}')
    seen.length = 0
    await client({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }).revokeToken('rt')
    const auth = String(seen[0]!.headers.authorization)
    expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/local\/cognito-idp\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/)
    expect(seen[0]!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/)
  })

  it('signs exactly the body and headers it sends, with the session token when there is one', async () => {
    handler = (_, res) => res.writeHead(200).end('{}')
    seen.length = 0
    const credentials = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', AWS_SESSION_TOKEN: 'the-session' }
    const signed = client(credentials)
    await signed.revokeToken('rt-1')
    await signed.revokeToken('rt-2') // the second call signs with the day's key kept from the first
    for (const got of seen) {
      expect(got.headers['x-amz-security-token']).toBe('the-session')
      // The same request signed afresh, at the time it was signed: the signatures must agree.
      const again = await new AwsV4Signer({
        url: `${endpoint}/`, method: 'POST', body: got.body, datetime: String(got.headers['x-amz-date']),
        headers: { 'Content-Type': String(got.headers['content-type']), 'X-Amz-Target': String(got.headers['x-amz-target']) },
        accessKeyId: 'AKIDEXAMPLE', secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY, sessionToken: 'the-session', service: 'cognito-idp', region: 'local',
      }).sign()
      expect(got.headers.authorization).toBe(again.headers.get('Authorization'))
    }
    expect(seen.map((s) => JSON.parse(s.body).Token)).toEqual(['rt-1', 'rt-2'])
  })

  it('takes a refused connection for unreachable', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as { port: number }).port
    await new Promise((r) => closed.close(r))
    const c = createCognitoClient(parseConfig(testEnv({ COGNITO_ENDPOINT: `http://127.0.0.1:${port}` })).cognito, { fetch: viaFetch })
    expect(await failureOf(c.passwordAuth('a@example.com', 'x'))).toEqual({ kind: 'unreachable' })
  })

  it('gives up after the timeout on an answer whose body never ends', async () => {
    handler = (_, res) => {
      res.writeHead(200, { 'Content-Length': '100' })
      res.write('{"UserSub":')
    }
    expect(await failureOf(client().signUp({ username: 'a', password: 'b', attributes: {} }))).toEqual({ kind: 'timeout' })
  })

  it('takes an answer cut off in the middle for no answer (unreachable), never a short body', async () => {
    handler = (_, res) => {
      res.writeHead(200, { 'Content-Length': '100' })
      res.write('{}', () => res.socket?.destroy())
    }
    expect(await failureOf(client().confirmSignUp('a', '123456'))).toEqual({ kind: 'unreachable' })
  })

  it('takes an upgrade (101) for no answer (unreachable), not a wait for the deadline', async () => {
    const raw = createTcpServer((socket) => {
      socket.on('error', () => {})
      socket.once('data', () => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n'))
    })
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r))
    const c = createCognitoClient(parseConfig(testEnv({ COGNITO_ENDPOINT: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, COGNITO_TIMEOUT_MS: '5000' })).cognito, { fetch: viaFetch })
    expect(await failureOf(c.passwordAuth('a@example.com', 'x'))).toEqual({ kind: 'unreachable' })
    raw.close()
  })

  it('takes a status no HTTP answer has for a failed call (502), never a success', async () => {
    handler = (_, res) => res.writeHead(600).end('{}')
    // fetch hands the status over (unrecognized); no Response can be made with it (unreachable): either is a 502.
    const failure = await failureOf(client().confirmSignUp('a', '123456'))
    expect([{ kind: 'unrecognized', status: 600 }, { kind: 'unreachable' }]).toContainEqual(failure)
    expect(toApiError(new CognitoError('ConfirmSignUp', failure)).code).toBe('upstream_error')
  })

  it('reads an answer sent in pieces whole, and its error type from the header', async () => {
    handler = (_, res) => {
      res.writeHead(400, { 'x-amzn-ErrorType': 'UsernameExistsException:http://internal.amazon.com/' })
      res.write('{"message":')
      setTimeout(() => res.end('"User already exists"}'), 20)
    }
    expect(await failureOf(client().signUp({ username: 'a', password: 'b', attributes: {} }))).toEqual({ kind: 'rejected', type: 'UsernameExistsException' })
  })
})

describe('the Node entry\'s fetch (node:http, answers read whole)', () => {
  it('refuses an answer over 1 MiB (unreachable), where fetch would read on', async () => {
    const answer = JSON.stringify({ UserSub: 'abc', UserConfirmed: false, padding: 'x'.repeat(1024 * 1024) })
    handler = (_, res) => res.writeHead(200).end(answer)
    const config = parseConfig(testEnv({ COGNITO_ENDPOINT: endpoint })).cognito
    expect(await failureOf(createCognitoClient(config, { fetch: wholeAnswerFetch }).signUp({ username: 'a', password: 'b', attributes: {} }))).toEqual({ kind: 'unreachable' })
    expect(await createCognitoClient(config).signUp({ username: 'a', password: 'b', attributes: {} })).toMatchObject({ userSub: 'abc' })
  })

  it('hands the body over as fetch does: read once, a BOM dropped, bad UTF-8 replaced, an empty answer empty', async () => {
    // Each read as Node's own fetch reads it, on the same answers: the outcome of each step, or its error's kind.
    const reads = async (get: (url: string) => Promise<Response>, body: Buffer, steps: ((r: Response) => unknown)[]) => {
      handler = (_, res) => res.writeHead(body.length ? 200 : 204).end(body)
      const res = await get(endpoint)
      const out: unknown[] = []
      for (const step of steps) {
        let answer: unknown
        try {
          answer = step(res)
        } catch (err) {
          // Thrown at once, not as a rejected promise: a .catch() would not see it.
          out.push(`thrown ${(err as Error).constructor.name}`)
          continue
        }
        out.push(await Promise.resolve(answer).catch((err: Error) => err.constructor.name))
      }
      return out
    }
    const text = (r: Response) => r.text()
    const json = (r: Response) => r.json()
    const bytes = async (r: Response) => new Uint8Array(await r.arrayBuffer()).length
    const used = (r: Response) => r.bodyUsed
    const clone = (r: Response) => r.clone().text()
    const stream = async (r: Response) => (await r.body!.getReader().read()).value?.length
    const lock = (r: Response) => (r.body!.getReader(), 'locked')
    const cancel = (r: Response) => r.body!.cancel().then(() => 'cancelled')
    const bom = [0xef, 0xbb, 0xbf]
    const cases: [Buffer, ((r: Response) => unknown)[]][] = [
      [Buffer.from([...bom, ...Buffer.from('{"a":"é"}')]), [used, text, used, text, json, bytes, clone, stream]],
      [Buffer.from([...bom, ...bom, ...Buffer.from('{}')]), [json]],
      [Buffer.from([...bom, ...bom, ...bom, ...Buffer.from('{}')]), [text]],
      [Buffer.from('{"a":"é"}'), [json, text]],
      [Buffer.from([0x7b, 0xff, 0x7d]), [text, json]],
      [Buffer.from('{}'), [stream, text, json]],
      [Buffer.from('{}'), [lock, text, json, used]],
      [Buffer.from('{}'), [clone, text, used]],
      [Buffer.from('{}'), [cancel, used, text, json]],
      [Buffer.alloc(0), [text, text, json, used]],
    ]
    for (const [body, steps] of cases) {
      const ours = await reads((url) => wholeAnswerFetch(url), body, steps)
      expect(ours, body.toString('hex')).toEqual(await reads((url) => fetch(url), body, steps))
    }
    // What the cases above compare, so that a fetch that answered alike by failing alike fails here.
    expect(await reads((url) => wholeAnswerFetch(url), Buffer.from([...bom, ...Buffer.from('{"a":"é"}')]), [text, used, text])).toEqual(['{"a":"é"}', true, 'TypeError'])
  })

  it('is settled by an abort whenever it comes, and takes URLs only', async () => {
    handler = () => {} // never answers
    const early = new AbortController()
    early.abort(new Error('before'))
    await expect(wholeAnswerFetch(endpoint, { signal: early.signal })).rejects.toThrow('before')
    const late = new AbortController()
    const call = wholeAnswerFetch(endpoint, { signal: late.signal })
    setTimeout(() => late.abort(new Error('while waiting')), 50)
    await expect(call).rejects.toThrow('while waiting')
    await expect(wholeAnswerFetch(new Request(endpoint))).rejects.toThrow(TypeError)
  })
})

describe('the app while Cognito misbehaves', () => {
  it('answers 504 upstream_timeout within the timeout plus a second, while bearer routes keep answering', async () => {
    handler = () => {} // never answers
    const { app, deps } = testApp({ COGNITO_ENDPOINT: endpoint, COGNITO_TIMEOUT_MS: '300' })
    const { token } = await deps.tokens.issue({ sub: 's', email: 'a@example.com', username: 'alice', mode: 'dark', groups: [] })
    const started = performance.now()
    const signin = formPost(app, '/signin', { username: 'a@example.com', password: 'x' })
    const demo = await app.request('/demopage', { headers: bearer(token) })
    expect(demo.status).toBe(200)
    const res = await signin
    expect(res.status).toBe(504)
    expect(await res.json()).toEqual({ error: 'upstream_timeout', error_description: 'The user directory did not answer in time.' })
    expect(performance.now() - started).toBeLessThan(300 + 1000)
  })

  it('answers 502 upstream_error, without the text Cognito sent, when Cognito answers 5xx', async () => {
    handler = (_, res) => res.writeHead(500).end(JSON.stringify({ __type: 'InternalErrorException', message: 'secret internals' }))
    const { app } = testApp({ COGNITO_ENDPOINT: endpoint })
    const res = await formPost(app, '/signin', { username: 'a@example.com', password: 'x' })
    expect(res.status).toBe(502)
    const text = await res.text()
    expect(JSON.parse(text).error).toBe('upstream_error')
    expect(text).not.toMatch(/internals|InternalError/)
  })

  it('answers 429 with Retry-After when Cognito throttles', async () => {
    handler = (_, res) => res.writeHead(400).end(JSON.stringify({ __type: 'TooManyRequestsException', message: 'Rate exceeded' }))
    const { app } = testApp({ COGNITO_ENDPOINT: endpoint })
    const res = await formPost(app, '/signin', { username: 'a@example.com', password: 'x' })
    expect(res.status).toBe(429)
    expect(res.headers.get('Retry-After')).toMatch(/^\d+$/)
    expect((await res.json()).error).toBe('too_many_requests')
  })
})
