// JWT_KEYS in process: what the service signs with each kind of key, what it publishes, and the
// one line that stops it at start for each mistake. (jwks.test.ts checks the same keys against
// real servers and downstream libraries; this file is fast enough for `npm run mutation`.)
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateSigningKey } from '../scripts/signing-key'
import { parseConfig } from '../src/config'
import { createAccessTokens } from '../src/tokens/access-token'
import { parseSigningKeys } from '../src/tokens/keys'
import { refusalOf, testApp, testEnv } from './support/harness'

type Key = Awaited<ReturnType<typeof generateSigningKey>>
let es256: Key
let eddsa: Key
beforeAll(async () => {
  ;[es256, eddsa] = await Promise.all([generateSigningKey('ES256'), generateSigningKey('EdDSA')])
})

const identity = { sub: 'user-1', email: 'a@example.com', username: 'a', mode: 'm', groups: [] }
const refusal = (value: unknown) => refusalOf(parseSigningKeys, value)

describe('JWT_KEYS', () => {
  it.each(['ES256', 'EdDSA'] as const)('signs with a %s key under its kid, publishes only its public half, and a downstream verifier accepts the token', async (alg) => {
    const key = alg === 'ES256' ? es256 : eddsa
    const env = testEnv({ JWT_KEYS: JSON.stringify([key.privateJwk]) })
    const { token } = await createAccessTokens(parseConfig(env).jwt, () => Date.now()).issue(identity)
    expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'JWT', kid: key.privateJwk.kid })

    const published = (await (await testApp({ JWT_KEYS: JSON.stringify([key.privateJwk]) }).app.request('/.well-known/jwks.json')).json()) as { keys: JWK[] }
    const { d: _, ...publicHalf } = key.privateJwk
    expect(published.keys).toEqual([{ ...publicHalf, use: 'sig' }])
    const { payload } = await jwtVerify(token, createLocalJWKSet(published), { issuer: 'edge-auth-gateway', audience: 'api', algorithms: [alg] })
    expect(payload.sub).toBe('user-1')
  })

  it('issues ES256 signatures with a low s only, and refuses the other text of one (s made n - s), which ECDSA itself would take', async () => {
    // P-256's order: (r, s) and (r, n - s) are both valid signatures of the same token.
    const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
    const parts = (t: string) => ({ head: t.slice(0, t.lastIndexOf('.') + 1), sig: Buffer.from(t.slice(t.lastIndexOf('.') + 1), 'base64url') })
    const sOf = (t: string) => BigInt(`0x${parts(t).sig.subarray(32).toString('hex')}`)
    const twinOf = (t: string) => {
      const { head, sig } = parts(t)
      Buffer.from((N - sOf(t)).toString(16).padStart(64, '0'), 'hex').copy(sig, 32)
      return head + sig.toString('base64url')
    }
    const JWT_KEYS = JSON.stringify([es256.privateJwk])
    const tokens = createAccessTokens(parseConfig(testEnv({ JWT_KEYS })).jwt, () => Date.now())
    // Web Crypto's s is high half of the time: 40 tokens in a row low by chance is 1 in 2^40.
    const issued = await Promise.all(Array.from({ length: 40 }, () => tokens.issue(identity)))
    for (const { token } of issued) expect(sOf(token) * 2n <= N).toBe(true)

    const { token } = issued[0]!
    const twin = twinOf(token)
    const { app } = testApp({ JWT_KEYS })
    const published = (await (await app.request('/.well-known/jwks.json')).json()) as { keys: JWK[] }
    // The other text is a valid signature: a verifier that does not care takes it.
    expect((await jwtVerify(twin, createLocalJWKSet(published), { algorithms: ['ES256'] })).payload.sub).toBe('user-1')
    await expect(tokens.verify(twin)).rejects.toThrow('high s')
    const demo = async (t: string) => (await app.request('/demopage', { headers: { Authorization: `Bearer ${t}` } })).status
    expect([await demo(token), await demo(twin), await demo(token)]).toEqual([200, 401, 200])
  })

  it('signs with the first key and verifies tokens of every key listed', async () => {
    const both = parseSigningKeys(JSON.stringify([eddsa.privateJwk, es256.privateJwk]))
    expect(both.map((k) => [k.kid, k.alg])).toEqual([[eddsa.privateJwk.kid, 'EdDSA'], [es256.privateJwk.kid, 'ES256']])
    const jwt = (keys: Key[]) => parseConfig(testEnv({ JWT_KEYS: JSON.stringify(keys.map((k) => k.privateJwk)) })).jwt
    const older = await createAccessTokens(jwt([es256]), () => Date.now()).issue(identity)
    const rotated = createAccessTokens(jwt([eddsa, es256]), () => Date.now())
    expect(decodeProtectedHeader((await rotated.issue(identity)).token).alg).toBe('EdDSA')
    expect((await rotated.verify(older.token)).sub).toBe('user-1')
  })

  it.each([
    ['not JSON', 'nope', 'must be a JSON array of private JWKs'],
    ['not an array', {}, 'must be a JSON array of private JWKs'],
    ['empty', [], 'must hold at least one key'],
    ['a public key only', () => [es256.publicJwk], 'must hold private keys (a JWK with "d"), not public ones'],
    ['an RSA key', [{ kty: 'RSA', n: 'x', e: 'AQAB', d: 'y', kid: 'r' }], 'key 0: must be a private EC P-256 or OKP Ed25519 JWK with a kid'],
    ['a second key without kid', () => [es256.privateJwk, { ...eddsa.privateJwk, kid: undefined }], 'key 1: must be a private EC P-256 or OKP Ed25519 JWK with a kid'],
    ['two keys with one kid', () => [es256.privateJwk, { ...eddsa.privateJwk, kid: es256.privateJwk.kid }], 'must give every key its own kid'],
    ['an alg that is not the key\'s', () => [{ ...es256.privateJwk, alg: 'EdDSA' }], 'key 0: must be a private EC P-256 or OKP Ed25519 JWK with a kid'],
    ['an Ed25519 key with another alg', () => [{ ...eddsa.privateJwk, alg: 'ES256' }], 'key 0: must be a private EC P-256 or OKP Ed25519 JWK with a kid'],
    ['an EC key on another curve', () => [{ ...es256.privateJwk, crv: 'P-384' }], 'key 0: must be a private EC P-256 or OKP Ed25519 JWK with a kid'],
    ['an OKP key on another curve', () => [{ ...eddsa.privateJwk, crv: 'X25519' }], 'key 0: must be a private EC P-256 or OKP Ed25519 JWK with a kid'],
  ])('refuses %s, saying what is wrong', (_, value, message) => {
    expect(refusal(typeof value === 'function' ? value() : value)).toBe(message)
  })

  it('takes a coordinate of exactly 32 bytes in base64url, nothing around it', () => {
    const x = es256.privateJwk.x!
    expect(refusal([es256.privateJwk])).toBe('accepted')
    for (const bad of [`=${x}`, `${x}=`, x.slice(1), `${x}A`, '!'.repeat(43)]) {
      expect(refusal([{ ...es256.privateJwk, x: bad }]), bad).toBe('key 0.x: must be a private EC P-256 or OKP Ed25519 JWK with a kid')
    }
  })

  it('takes a kid of 1 to 64 URL-safe characters, nothing around it', () => {
    for (const kid of ['a', 'A-z.0_9~', 'k'.repeat(64)]) expect(refusal([{ ...es256.privateJwk, kid }]), kid).toBe('accepted')
    for (const kid of ['', 'k'.repeat(65), '/k', 'k/', 'a b', '../../etc/passwd']) {
      expect(refusal([{ ...es256.privateJwk, kid }]), kid).toBe('key 0.kid: must be a private EC P-256 or OKP Ed25519 JWK with a kid')
    }
  })

  it('names the variable and never a key\'s value when it stops the service', () => {
    let message = ''
    try {
      parseConfig(testEnv({ JWT_KEYS: JSON.stringify([{ ...es256.privateJwk, kid: 'k/1' }]) }))
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toBe('JWT_KEYS key 0.kid: must be a private EC P-256 or OKP Ed25519 JWK with a kid')
  })
})
