// The service's own access tokens, with real crypto: what is signed, and what verification refuses.
import { createHmac } from 'node:crypto'
import { sign } from 'hono/jwt'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../src/config'
import { newSessionId } from '../src/sessions/session-id'
import { appTokenVerifier, createAccessTokens } from '../src/tokens/access-token'
import { InvalidToken } from '../src/tokens/principal'
import { TEST_SECRET, testEnv } from './support/harness'

const config = parseConfig(testEnv()).jwt
const NOW = 1_800_000_000_000
const tokens = createAccessTokens(config, () => NOW)
const identity = { sub: '4beb71b1-dc20-46d5-88d3-79f70c954706', email: 'a@example.com', username: 'alice', mode: 'dark', groups: ['readers'] }
const nowSeconds = NOW / 1000
const valid = { ...identity, iss: config.issuer, aud: config.audience, iat: nowSeconds, exp: nowSeconds + 900, jti: 'id-1', sid: newSessionId(NOW) }

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const hs256 = (header: object, payload: unknown, secret = TEST_SECRET) => {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}
const refused = async (token: string) => {
  await expect(tokens.verify(token)).rejects.toBeInstanceOf(InvalidToken)
}

describe('issuing', () => {
  it('signs HS256 tokens that any JWT library holding the secret can verify', async () => {
    const { token, claims } = await tokens.issue(identity)
    const [h, p, s] = token.split('.')
    expect(createHmac('sha256', Buffer.from(TEST_SECRET, 'utf8')).update(`${h}.${p}`).digest('base64url')).toBe(s)
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(claims).toEqual({ ...identity, iss: 'edge-auth-gateway', aud: 'api', iat: nowSeconds, exp: nowSeconds + 900, jti: expect.any(String), sid: expect.any(String) })
    expect(await tokens.verify(token)).toEqual(claims)
  })

  it('gives every token its own jti', async () => {
    const a = await tokens.issue(identity)
    const b = await tokens.issue(identity)
    expect(a.claims.jti).not.toBe(b.claims.jti)
  })
})

describe('verifying refuses', () => {
  it('a token made by hand with the right secret and claims is accepted (the cases below differ by one thing)', async () => {
    expect(await tokens.verify(hs256({ alg: 'HS256', typ: 'JWT' }, valid))).toMatchObject(identity)
  })

  it.each([
    ['alg none', { alg: 'none', typ: 'JWT' }],
    ['alg None', { alg: 'None' }],
    ['alg HS512', { alg: 'HS512' }],
    ['alg HS384', { alg: 'HS384' }],
    ['alg RS256', { alg: 'RS256' }],
    ['typ other than JWT', { alg: 'HS256', typ: 'at+jwt' }],
  ])('%s', async (_, header) => {
    await refused(hs256(header, valid))
    await refused(`${b64(header)}.${b64(valid)}.`)
  })

  it.each([
    ['exp in the past', { exp: nowSeconds - 1 }],
    ['exp equal to now', { exp: nowSeconds }],
    ['exp missing', { exp: undefined }],
    ['exp a string', { exp: String(nowSeconds + 900) }],
    ['exp 1e309', { exp: 1e309 }],
    ['iat in the future', { iat: nowSeconds + 3600 }],
    ['iat missing', { iat: undefined }],
    ['nbf in the future', { nbf: nowSeconds + 3600 }],
    ['iss wrong', { iss: 'someone-else' }],
    ['iss missing', { iss: undefined }],
    ['aud wrong', { aud: 'other' }],
    ['aud missing', { aud: undefined }],
    ['sub missing', { sub: undefined }],
    ['jti missing', { jti: undefined }],
    ['sid missing', { sid: undefined }],
    ['sid a number', { sid: 42 }],
    ['email a number (an address is present only when verified, and then a string)', { email: 42 }],
  ])('%s', async (_, change) => {
    await refused(hs256({ alg: 'HS256', typ: 'JWT' }, { ...valid, ...change }))
  })

  it('a changed payload with the signature kept, another secret, and a cut signature', async () => {
    const { token } = await tokens.issue(identity)
    const [h, , s] = token.split('.')
    await refused(`${h}.${b64({ ...valid, username: 'mallory' })}.${s}`)
    await refused(hs256({ alg: 'HS256' }, valid, 'another-secret-of-at-least-32-bytes!!'))
    await refused(token.slice(0, -5))
  })

  it.each([
    ['two segments', 'a.b'],
    ['four segments', 'a.b.c.d'],
    ['an empty segment', `${b64({ alg: 'HS256' })}..sig`],
    ['non-base64url characters', '***.***.***'],
    ['a header that is not JSON', `${b64('nope')}.${b64(valid)}.sig`],
    ['a payload that is an array', hs256({ alg: 'HS256' }, [valid])],
    ['a payload that is null', hs256({ alg: 'HS256' }, null)],
  ])('%s', async (_, token) => {
    await refused(token)
  })

  it('a payload with __proto__ does not pollute anything and is refused for its missing claims', async () => {
    await refused(hs256({ alg: 'HS256' }, JSON.parse('{"__proto__":{"admin":true}}')))
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })

  it('a session id that is not one the service makes, so that no start time can be read from it', async () => {
    const verifier = appTokenVerifier(tokens)
    expect((await verifier.verify(hs256({ alg: 'HS256', typ: 'JWT' }, valid))).since).toBe(NOW)
    for (const sid of ['x', 'zzzzzzzzzzzz.AAAAAAAAAAAAAAAA', `${NOW.toString(36)}.short`]) {
      await expect(verifier.verify(hs256({ alg: 'HS256', typ: 'JWT' }, { ...valid, sid }))).rejects.toBeInstanceOf(InvalidToken)
    }
  })

  it('a token signed by hono/jwt with the right secret but for another audience', async () => {
    await refused(await sign({ ...valid, aud: 'another-api' }, TEST_SECRET, 'HS256'))
  })
})
