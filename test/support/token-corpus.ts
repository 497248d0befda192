// SECURITY.md's bad-token cases (1–15) as data: each a request to a bearer-protected route and
// what must come back. Shared by the in-process tests (both token modes) and the workerd run.
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto'
import { expect } from 'vitest'
import { emulatorCall } from '../../scripts/emulator'
import { bearer, cognito, confirmedUser, signIn, TEST_SECRET, type testApp } from './harness'

export type TokenCase = {
  name: string
  /** The request: headers, and maybe a query string. */
  headers: Record<string, string>
  query?: string
  /** Expected status, `error`, and whether WWW-Authenticate carries error="invalid_token". */
  status: number | number[]
  error?: 'unauthorized' | 'invalid_token'
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const hmac = (alg: 'sha256' | 'sha384' | 'sha512', input: string, secret: string | Buffer = TEST_SECRET) =>
  createHmac(alg, secret).update(input).digest('base64url')
const hs256 = (header: unknown, payload: unknown, secret: string | Buffer = TEST_SECRET) => {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${hmac('sha256', input, secret)}`
}
const HS = { alg: 'HS256', typ: 'JWT' }
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string

/** The cases, built around a payload that is valid in every way (`claims`) and a token made from it. */
export function badTokenCases(claims: Record<string, unknown>, options: { validToken: string; signedOut?: string; cognitoTokens?: string[] }): TokenCase[] {
  const nowSeconds = Math.floor(Date.now() / 1000)
  const with_ = (change: Record<string, unknown>) => hs256(HS, { ...claims, ...change })
  const [h, p, s] = options.validToken.split('.')
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
  const invalid = (name: string, token: string): TokenCase => ({ name, headers: bearer(token), status: 401, error: 'invalid_token' })
  const rs256 = (() => {
    const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`
    return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`
  })()
  // A payload given as raw JSON text (for values JSON.stringify cannot write, like 1e309).
  const rawPayload = (json: string) => {
    const input = `${b64(HS)}.${b64(json)}`
    return `${input}.${hmac('sha256', input)}`
  }

  return [
    // 1
    { name: '1 no Authorization header', headers: {}, status: 401, error: 'unauthorized' },
    // 2
    { name: '2 Basic scheme', headers: { Authorization: 'Basic dXNlcjpwYXNz' }, status: 401, error: 'unauthorized' },
    { name: '2 two tokens', headers: { Authorization: `Bearer ${options.validToken} ${options.validToken}` }, status: 401, error: 'invalid_token' },
    { name: '2 empty token', headers: { Authorization: 'Bearer ' }, status: 401, error: 'invalid_token' },
    { name: '2 scheme alone', headers: { Authorization: 'Bearer' }, status: 401, error: 'invalid_token' },
    // 3
    invalid('3 two segments', `${h}.${p}`),
    invalid('3 four segments', `${options.validToken}.${s}`),
    invalid('3 empty payload segment', `${h}..${s}`),
    invalid('3 empty signature', `${h}.${p}.`),
    invalid('3 non-base64url characters', `${h}.${p}.${s!.slice(0, -2)}!!`),
    // 4
    invalid('4 header not JSON', `${b64('not json')}.${p}.${s}`),
    invalid('4 payload not JSON', hs256(HS, 'not json')),
    invalid('4 payload an array', hs256(HS, [claims])),
    invalid('4 payload null', hs256(HS, null)),
    invalid('4 payload with __proto__', rawPayload('{"__proto__":{"admin":true},"sub":"x"}')),
    // 5
    ...['none', 'None', 'NONE'].map((alg) => invalid(`5 alg ${alg} with an empty signature`, `${b64({ alg, typ: 'JWT' })}.${p}.`)),
    // 6
    invalid('6 alg HS384', (() => { const i = `${b64({ alg: 'HS384', typ: 'JWT' })}.${p}`; return `${i}.${hmac('sha384', i)}` })()),
    invalid('6 alg HS512', (() => { const i = `${b64({ alg: 'HS512', typ: 'JWT' })}.${p}`; return `${i}.${hmac('sha512', i)}` })()),
    invalid('6 alg RS256 with a key of its own', rs256),
    // 7
    invalid('7 RS256→HS256: a public key used as the HMAC secret', hs256(HS, claims, publicPem)),
    // 8
    invalid('8 payload changed, signature kept', `${h}.${b64({ ...claims, username: 'mallory' })}.${s}`),
    invalid('8 signed with another secret', hs256(HS, claims, 'another-secret-of-at-least-32-bytes!!')),
    invalid('8 signature cut short', options.validToken.slice(0, -8)),
    // 9
    invalid('9 exp past', with_({ exp: nowSeconds - 10 })),
    invalid('9 exp equal to now', with_({ exp: nowSeconds })),
    invalid('9 exp missing', with_({ exp: undefined })),
    invalid('9 exp a string', with_({ exp: String(nowSeconds + 600) })),
    invalid('9 exp 1e309', rawPayload(JSON.stringify(claims).replace(/"exp":\d+/, '"exp":1e309'))),
    invalid('9 nbf in the future', with_({ nbf: nowSeconds + 3600 })),
    invalid('9 iat in the future', with_({ iat: nowSeconds + 3600 })),
    // 10
    invalid('10 iss missing', with_({ iss: undefined })),
    invalid('10 iss wrong', with_({ iss: 'https://attacker.example' })),
    invalid('10 aud missing', with_({ aud: undefined })),
    invalid('10 aud wrong', with_({ aud: 'another-api' })),
    invalid('10 sub missing', with_({ sub: undefined })),
    // 11
    ...(options.cognitoTokens ?? []).map((t, i) => invalid(`11 a Cognito token (${i === 0 ? 'access' : 'ID'}) where the service's own is expected`, t)),
    // 12
    invalid('12 kid unknown', hs256({ ...HS, kid: 'unknown' }, claims)),
    invalid('12 kid holding ../', hs256({ ...HS, kid: '../../../etc/passwd' }, claims)),
    invalid('12 kid holding a URL', hs256({ ...HS, kid: 'https://attacker.example/key' }, claims)),
    invalid('12 jku pointing elsewhere', hs256({ ...HS, jku: 'https://attacker.example/jwks.json' }, claims)),
    invalid('12 x5u pointing elsewhere', hs256({ ...HS, x5u: 'https://attacker.example/cert.pem' }, claims)),
    invalid('12 embedded jwk', hs256({ ...HS, jwk: { kty: 'oct', k: b64(TEST_SECRET) } }, claims)),
    // 13
    { name: '13 a token of 16 KB', headers: bearer(`${h}.${b64('x'.repeat(16 * 1024))}.${s}`), status: [400, 401, 431] },
    // 14
    ...(options.signedOut ? [invalid('14 a token used after /signout', options.signedOut)] : []),
    // 15
    { name: '15 the token in ?access_token= instead of the header', headers: {}, query: `?access_token=${options.validToken}`, status: 401, error: 'unauthorized' },
  ]
}

export type Send = (path: string, init?: RequestInit) => Promise<Response>

/** Sends a case and checks the answer; returns what was seen, to compare runtimes. */
export async function checkTokenCase(send: Send, t: TokenCase): Promise<string> {
  const started = performance.now()
  const res = await send(`/demopage${t.query ?? ''}`, { headers: t.headers })
  expect([t.status].flat(), t.name).toContain(res.status)
  expect(performance.now() - started, `${t.name}: answered quickly`).toBeLessThan(1000)
  if (res.status === 431) return '431' // refused by the HTTP server before the app: no JSON to check
  const body = await res.json()
  if (t.error) expect(body, t.name).toEqual({ error: t.error, error_description: expect.any(String) })
  const challenge = res.headers.get('WWW-Authenticate')
  if (t.error === 'unauthorized') expect(challenge, t.name).toBe('Bearer realm="api"')
  if (t.error === 'invalid_token') expect(challenge, t.name).toBe('Bearer realm="api", error="invalid_token"')
  // Never an echo of the token.
  expect(JSON.stringify(body)).not.toContain(t.headers.Authorization?.slice(7, 40) || '\u0000')
  return `${res.status} ${body.error} ${challenge} ${res.headers.get('Cache-Control')}`
}

/**
 * The corpus around a live token of a real user (signed in through `app`), with one token of
 * that user signed out through `send`, and Cognito's own tokens for the same user.
 */
export async function liveTokenCorpus(app: ReturnType<typeof testApp>['app'], send: Send) {
  const creds = await confirmedUser(app)
  const live = await signIn(app, creds)
  const gone = await signIn(app, creds)
  expect((await send('/signout', { method: 'POST', headers: bearer(gone.access_token) })).status).toBe(200)
  const c = await emulatorCall<{ AuthenticationResult: { AccessToken: string; IdToken: string } }>(cognito().endpoint, 'InitiateAuth', {
    ClientId: cognito().clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
  })
  const claims = JSON.parse(Buffer.from(live.access_token.split('.')[1]!, 'base64url').toString())
  const cases = badTokenCases(claims, {
    validToken: live.access_token,
    signedOut: gone.access_token,
    cognitoTokens: [c.AuthenticationResult.AccessToken, c.AuthenticationResult.IdToken],
  })
  return { cases, live: live.access_token }
}
