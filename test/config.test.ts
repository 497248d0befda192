import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from '../src/config'

const base = {
  COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
  COGNITO_CLIENT_ID: 'client123',
  JWT_SECRET: 'x'.repeat(32),
}

const errorOf = (env: Record<string, string | undefined>) => {
  try {
    parseConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('configuration', () => {
  it('reads the region from the pool id and derives the Cognito endpoint from it', () => {
    const config = parseConfig(base)
    expect(config.cognito.region).toBe('eu-west-1')
    expect(config.cognito.endpoint).toBe('https://cognito-idp.eu-west-1.amazonaws.com')
    expect(config.jwt).toEqual({ secret: 'x'.repeat(32), issuer: 'edge-auth-gateway', audience: 'api', ttlSeconds: 900, keys: [] })
    expect(config.cognito.credentials).toBeUndefined()
    expect(config.cognito.timeoutMs).toBe(5000)
    expect(config.cognito.issuer).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123')
    expect(config.tokenMode).toBe('app')
    expect(config.refreshTokenTtlSeconds).toBe(30 * 86_400)
  })

  it('takes the token mode, the issuer and the refresh token lifetime', () => {
    const config = parseConfig({ ...base, TOKEN_MODE: 'cognito', COGNITO_ISSUER: 'https://issuer.example/pool/', REFRESH_TOKEN_TTL_SECONDS: '3600' })
    expect([config.tokenMode, config.cognito.issuer, config.refreshTokenTtlSeconds]).toEqual(['cognito', 'https://issuer.example/pool', 3600])
    // The issuer follows the endpoint, so the emulator's tokens verify too.
    expect(parseConfig({ ...base, COGNITO_ENDPOINT: 'http://127.0.0.1:9229' }).cognito.issuer).toBe('http://127.0.0.1:9229/eu-west-1_AbC123')
  })

  it('takes every documented setting', () => {
    const config = parseConfig({
      ...base,
      COGNITO_REGION: 'us-east-2',
      COGNITO_ENDPOINT: 'http://127.0.0.1:9229/',
      COGNITO_CLIENT_SECRET: 'shh',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      JWT_ISSUER: 'me',
      JWT_AUDIENCE: 'them',
      ACCESS_TOKEN_TTL_SECONDS: '300',
      TOKEN_MODE: 'app',
    })
    expect(config.cognito).toMatchObject({ region: 'us-east-2', endpoint: 'http://127.0.0.1:9229', clientSecret: 'shh' })
    expect(config.cognito.credentials).toEqual({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: undefined })
    expect(config.jwt).toMatchObject({ issuer: 'me', audience: 'them', ttlSeconds: 300 })
  })

  it('refuses a JWT_SECRET shorter than 32 bytes, naming the variable and not the value', () => {
    const message = errorOf({ ...base, JWT_SECRET: 'short-secret' })
    expect(message).toBe('JWT_SECRET must be at least 32 bytes')
    expect(message).not.toContain('short-secret')
  })

  it('counts the secret in UTF-8 bytes', () => {
    expect(() => parseConfig({ ...base, JWT_SECRET: 'é'.repeat(16) })).not.toThrow() // 32 bytes, 16 characters
  })

  it.each([
    [{ COGNITO_USER_POOL_ID: undefined }, 'COGNITO_USER_POOL_ID is required'],
    [{ COGNITO_USER_POOL_ID: 'nounderscore' }, 'COGNITO_USER_POOL_ID must look like <region>_<id>'],
    [{ COGNITO_CLIENT_ID: '' }, 'COGNITO_CLIENT_ID is required'],
    [{ JWT_SECRET: undefined }, 'JWT_SECRET is required'],
    [{ COGNITO_ENDPOINT: 'ftp://x' }, 'COGNITO_ENDPOINT must be an http(s) URL'],
    [{ COGNITO_ENDPOINT: 'not a url' }, 'COGNITO_ENDPOINT must be an http(s) URL'],
    [{ UPSTREAM_URL: '//no-scheme.example/' }, 'UPSTREAM_URL must be an http(s) URL'],
    [{ COGNITO_ISSUER: 'https://' }, 'COGNITO_ISSUER must be an http(s) URL'],
    [{ ACCESS_TOKEN_TTL_SECONDS: 'soon' }, 'ACCESS_TOKEN_TTL_SECONDS must be a number'],
    [{ ACCESS_TOKEN_TTL_SECONDS: '10' }, 'ACCESS_TOKEN_TTL_SECONDS must be at least 60'],
    [{ TOKEN_MODE: 'magic' }, 'TOKEN_MODE must be "app" or "cognito"'],
    [{ AWS_ACCESS_KEY_ID: 'AKID' }, 'AWS_SECRET_ACCESS_KEY and AWS_ACCESS_KEY_ID must be set together'],
  ])('refuses %j with one line naming the variable', (change, message) => {
    expect(errorOf({ ...base, ...change })).toBe(message)
  })
})
