// The cognito-mode verifier against a JWKS endpoint that we control: a real HTTP server on 127.0.0.1
// serving keys we made, and tokens we signed with them. Which keys it uses, when it fetches the
// keys again, how a JWKS that cannot be had is reported, and what a verified token says.
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CognitoError } from '../src/cognito/errors'
import { parseConfig } from '../src/config'
import { cognitoTokenVerifier, JWKS_MIN_REFETCH_MS } from '../src/tokens/cognito-verifier'
import { InvalidToken } from '../src/tokens/principal'
import { testEnv } from './support/harness'

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
type Key = { privateKey: CryptoKey; jwk: JsonWebKey }
const rsaKey = async (): Promise<Key> => {
  const { privateKey, publicKey } = (await crypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair
  const { kty, n, e } = await crypto.subtle.exportKey('jwk', publicKey)
  return { privateKey, jwk: { kty, n, e } }
}

// The stand-in JWKS endpoint: `answer` says how it answers next; `requests` counts what it was asked.
let server: Server
let answer: RequestListener
let requests = 0
const jwks = (keys: unknown[], status = 200): RequestListener => (_, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }))
let keyA: Key
let keyB: Key
beforeAll(async () => {
  server = createServer((req, res) => (requests++, answer(req, res)))
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  ;[keyA, keyB] = await Promise.all([rsaKey(), rsaKey()])
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

/** A verifier of the pool under the stand-in, with a clock we move, fresh for each test. */
function setup(env: Record<string, string> = {}, { startAt = Date.now(), fetch }: { startAt?: number; fetch?: typeof globalThis.fetch } = {}) {
  const config = parseConfig(testEnv({ TOKEN_MODE: 'cognito', COGNITO_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ...env })).cognito
  let now = startAt
  requests = 0
  const verifier = cognitoTokenVerifier(config, { now: () => now, fetch })
  const nowSeconds = () => Math.floor(now / 1000)
  /** An access token as Cognito makes them, signed with `key` under `kid`. */
  const token = async (key: Key, kid: string, claims: Record<string, unknown> = {}, header: unknown = { alg: 'RS256', kid }) => {
    const body = { sub: 'sub-1', username: 'alice', token_use: 'access', client_id: config.clientId, iss: config.issuer, iat: nowSeconds(), exp: nowSeconds() + 3600, jti: crypto.randomUUID(), ...claims }
    const input = `${b64(header)}.${b64(body)}`
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key.privateKey, new TextEncoder().encode(input))
    return `${input}.${Buffer.from(signature).toString('base64url')}`
  }
  return { verifier, token, nowSeconds, advance: (ms: number) => (now += ms) }
}
const invalid = (p: Promise<unknown>) => expect(p).rejects.toBeInstanceOf(InvalidToken)
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(CognitoError)
  return err as CognitoError
}

describe('which keys of the JWKS are used', () => {
  it('an RSA key without alg verifies; one labelled EC or RS512 is never used, even with a valid RSA modulus', async () => {
    const { verifier, token } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'plain' }, { ...keyB.jwk, kty: 'EC', kid: 'ec' }, { ...keyB.jwk, alg: 'RS512', kid: 'rs512' }])
    expect((await verifier.verify(await token(keyA, 'plain'))).sub).toBe('sub-1')
    await invalid(verifier.verify(await token(keyB, 'ec')))
    await invalid(verifier.verify(await token(keyB, 'rs512')))
  })

  it('a JWKS answered with a status other than 200 is not used, however good its body', async () => {
    const { verifier, token } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'a' }], 503)
    const err = await failure(verifier.verify(await token(keyA, 'a')))
    expect(err.failure).toEqual({ kind: 'malformed', status: 503 })
  })

  it('a token that is not RS256 with a kid is refused without asking for keys, even a header of JSON null', async () => {
    const { verifier, token } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'a' }])
    for (const header of [null, [], { alg: 'HS256', kid: 'a' }, { alg: 'none', kid: 'a' }, { alg: 'RS256' }, { alg: 'RS256', kid: 7 }]) {
      await invalid(verifier.verify(await token(keyA, 'a', {}, header)))
    }
    expect(requests).toBe(0)
  })
})

describe('when the keys are fetched', () => {
  it('a known kid never fetches again, however long after', async () => {
    const { verifier, token, advance } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'a' }])
    await verifier.verify(await token(keyA, 'a'))
    advance(JWKS_MIN_REFETCH_MS * 6)
    await verifier.verify(await token(keyA, 'a'))
    expect(requests).toBe(1)
  })

  it('an unknown kid fetches again once 10,000 ms have passed, not before, and then the new key verifies', async () => {
    const { verifier, token, advance } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'a' }])
    await verifier.verify(await token(keyA, 'a'))
    answer = jwks([{ ...keyA.jwk, kid: 'a' }, { ...keyB.jwk, kid: 'b' }])
    advance(JWKS_MIN_REFETCH_MS - 1)
    await invalid(verifier.verify(await token(keyB, 'b')))
    expect(requests).toBe(1)
    advance(1)
    expect((await verifier.verify(await token(keyB, 'b'))).sub).toBe('sub-1')
    expect(requests).toBe(2)
  })

  it('two tokens verified at once on a cold cache share one fetch, and both pass', async () => {
    const { verifier, token } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'a' }])
    const tokens = [await token(keyA, 'a'), await token(keyA, 'a', { sub: 'sub-2' })]
    const both = await Promise.all(tokens.map((t) => verifier.verify(t)))
    expect(both.map((p) => p.sub)).toEqual(['sub-1', 'sub-2'])
    expect(requests).toBe(1)
  })

  it('ends the deadline of the JWKS call once it has answered: no abort fires later on a finished call', async () => {
    const signals: AbortSignal[] = []
    const { verifier, token } = setup({ COGNITO_TIMEOUT_MS: '100' }, { fetch: (url, init) => (signals.push(init!.signal!), fetch(url, init)) })
    answer = jwks([{ ...keyA.jwk, kid: 'a' }])
    await verifier.verify(await token(keyA, 'a'))
    await new Promise((done) => setTimeout(done, 300))
    expect(signals.map((s) => s.aborted)).toEqual([false])
  })
})

describe('a JWKS that cannot be had', () => {
  it('is a timeout when the endpoint hangs, unreachable when nothing listens, malformed when it answers garbage: each with its cause', async () => {
    answer = () => {} // never answers
    const hanging = setup({ COGNITO_TIMEOUT_MS: '100' })
    const timeout = await failure(hanging.verifier.verify(await hanging.token(keyA, 'a')))
    expect(timeout.failure).toEqual({ kind: 'timeout' })
    expect(timeout.cause).toBeInstanceOf(Error)

    const nobody = setup({ COGNITO_ENDPOINT: 'http://127.0.0.1:9' })
    const unreachable = await failure(nobody.verifier.verify(await nobody.token(keyA, 'a')))
    expect(unreachable.failure).toEqual({ kind: 'unreachable' })
    expect(unreachable.cause).toBeInstanceOf(Error)

    const garbage = setup()
    answer = (_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [')
    const malformed = await failure(garbage.verifier.verify(await garbage.token(keyA, 'a')))
    expect(malformed.failure).toEqual({ kind: 'malformed', status: 200 })
    expect(malformed.cause).toBeInstanceOf(SyntaxError)
  })

  it('a JWKS without a usable key refuses the token as invalid, also after a failed fetch, whose error is then forgotten', async () => {
    const { verifier, token, advance } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'a' }], 500)
    await failure(verifier.verify(await token(keyA, 'a')))
    answer = jwks([{ ...keyA.jwk, kty: 'EC', kid: 'a' }])
    advance(JWKS_MIN_REFETCH_MS)
    await invalid(verifier.verify(await token(keyA, 'a')))
    expect(requests).toBe(2)
    await invalid(setup().verifier.verify(await token(keyA, 'a')))
  })

  it('once keys are loaded, a failed fetch for an unknown kid refuses that token and keeps the keys', async () => {
    const { verifier, token, advance } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'a' }])
    await verifier.verify(await token(keyA, 'a'))
    answer = jwks([], 503)
    advance(JWKS_MIN_REFETCH_MS)
    await invalid(verifier.verify(await token(keyB, 'b')))
    expect(requests).toBe(2)
    expect((await verifier.verify(await token(keyA, 'a'))).sub).toBe('sub-1')
  })
})

describe('a verified token', () => {
  it('says who, its groups ([] when none), its session (origin_jti) and when that started: the earlier of auth_time and iat', async () => {
    const { verifier, token, nowSeconds } = setup()
    answer = jwks([{ ...keyA.jwk, kid: 'a' }])
    const iat = nowSeconds()
    const first = await verifier.verify(await token(keyA, 'a', { auth_time: iat - 600, origin_jti: 'sign-in-1', 'cognito:groups': ['admins'] }))
    expect(first).toEqual({ sub: 'sub-1', username: 'alice', groups: ['admins'], jti: expect.any(String), exp: iat + 3600, iat, since: (iat - 600) * 1000, sid: 'sign-in-1' })
    const second = await verifier.verify(await token(keyA, 'a', { auth_time: iat + 3 }))
    expect(second).toMatchObject({ groups: [], since: iat * 1000 })
    expect(second).not.toHaveProperty('sid')
  })

  it('is judged by the injected clock, not the machine\'s: ahead of it (iat, nbf) or behind it (exp)', async () => {
    const ahead = setup({}, { startAt: Date.now() + 86_400_000 })
    answer = jwks([{ ...keyA.jwk, kid: 'a' }])
    expect((await ahead.verifier.verify(await ahead.token(keyA, 'a', { nbf: ahead.nowSeconds() }))).sub).toBe('sub-1')
    const behind = setup({}, { startAt: Date.now() - 86_400_000 })
    expect((await behind.verifier.verify(await behind.token(keyA, 'a', { exp: behind.nowSeconds() + 60 }))).sub).toBe('sub-1')
    await invalid(behind.verifier.verify(await behind.token(keyA, 'a', { exp: behind.nowSeconds() })))
  })
})
