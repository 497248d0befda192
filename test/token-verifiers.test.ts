// The service's own tokens at the edges of their time claims, judged by the injected clock (never the
// machine's), and JWT_KEYS naming the mistake when a list mixes private keys with public ones or non-keys.
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateSigningKey } from '../scripts/signing-key'
import { parseConfig } from '../src/config'
import { newSessionId } from '../src/sessions/session-id'
import { CLOCK_SKEW_SECONDS, createAccessTokens } from '../src/tokens/access-token'
import { parseSigningKeys } from '../src/tokens/keys'
import { InvalidToken } from '../src/tokens/principal'
import { refusalOf, TEST_SECRET, testEnv } from './support/harness'

const config = parseConfig(testEnv()).jwt
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

/** The service's tokens under a clock `offsetMs` from the machine's, and a token made by hand with the right secret. */
function at(offsetMs: number) {
  const now = Math.floor((Date.now() + offsetMs) / 1000) * 1000
  const nowSeconds = now / 1000
  const tokens = createAccessTokens(config, () => now)
  const token = (claims: Record<string, unknown>) => {
    const payload = { sub: 'sub-1', username: 'alice', mode: 'dark', groups: [], iss: config.issuer, aud: config.audience, iat: nowSeconds, exp: nowSeconds + 900, jti: 'id-1', sid: newSessionId(now), ...claims }
    const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`
    return `${input}.${createHmac('sha256', TEST_SECRET).update(input).digest('base64url')}`
  }
  return { tokens, token, nowSeconds }
}
const DAY = 86_400_000

describe('the service\'s own tokens', () => {
  it('accept iat and nbf up to the clock skew ahead, and refuse them a second beyond', async () => {
    const { tokens, token, nowSeconds } = at(0)
    const edge = nowSeconds + CLOCK_SKEW_SECONDS
    for (const claims of [{ nbf: nowSeconds }, { nbf: nowSeconds + 1 }, { nbf: edge }, { iat: edge }]) {
      expect((await tokens.verify(token(claims))).sub).toBe('sub-1')
    }
    for (const claims of [{ nbf: edge + 1 }, { iat: edge + 1 }]) await expect(tokens.verify(token(claims))).rejects.toBeInstanceOf(InvalidToken)
  })

  it('are judged by the injected clock: valid a day ahead of the machine (iat, nbf) and a day behind it (exp)', async () => {
    const ahead = at(DAY)
    expect((await ahead.tokens.verify(ahead.token({ nbf: ahead.nowSeconds }))).sub).toBe('sub-1')
    const behind = at(-DAY)
    expect((await behind.tokens.verify(behind.token({ exp: behind.nowSeconds + 60 }))).sub).toBe('sub-1')
    await expect(behind.tokens.verify(behind.token({ exp: behind.nowSeconds }))).rejects.toBeInstanceOf(InvalidToken)
  })
})

describe('JWT_KEYS', () => {
  it('names a public key among private ones, and calls a list entry that is not an object not a key, without failing otherwise', async () => {
    const key = await generateSigningKey('ES256')
    const refusal = (value: unknown) => refusalOf(parseSigningKeys, value)
    expect(refusal([key.privateJwk, { ...key.publicJwk, kid: 'other' }])).toBe('must hold private keys (a JWK with "d"), not public ones')
    for (const entry of [42, 'a key', null, true]) {
      expect(refusal([key.privateJwk, entry])).toBe('key 1: must be a private EC P-256 or OKP Ed25519 JWK with a kid')
    }
  })
})
