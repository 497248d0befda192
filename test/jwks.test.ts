// Tokens any service can verify: JWT_KEYS (ES256, EdDSA), the JWKS, RFC 8414 metadata and RFC
// 7009 revocation, checked by real downstream libraries (hono/jwk, jose, Debian's PyJWT) and a
// real OAuth client library (oauth4webapi), against real servers on Node, Bun and workerd.
import { execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { Hono } from 'hono'
import { jwk } from 'hono/jwk'
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWK } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../src/config'
import { generateSigningKey } from '../scripts/signing-key'
import type { Runtime } from '../scripts/runtimes'
import { bearer, confirmedUser, formPost, signIn, testApp, testEnv, TEST_SECRET, type Creds } from './support/harness'
import { startRuntime, type Running } from './support/runtime'

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>

let es256: Awaited<ReturnType<typeof generateSigningKey>>
let older: Awaited<ReturnType<typeof generateSigningKey>>
let eddsa: Awaited<ReturnType<typeof generateSigningKey>>
let server: Running
let creds: Creds
beforeAll(async () => {
  ;[es256, older, eddsa] = await Promise.all([generateSigningKey('ES256'), generateSigningKey('ES256'), generateSigningKey('EdDSA')])
  server = await startRuntime('node', testEnv({ JWT_KEYS: JSON.stringify([es256.privateJwk, older.privateJwk]) }))
  creds = await confirmedUser(testApp().app)
}, 60_000)
afterAll(() => server?.stop())

const signInAt = async (baseUrl: string, c: Creds = creds) => {
  const res = await fetch(`${baseUrl}/signin`, { method: 'POST', body: new URLSearchParams({ username: c.email, password: c.password }) })
  expect(res.status).toBe(200)
  return (await res.json()) as { access_token: string; refresh_token: string }
}

describe('JWT_KEYS', () => {
  it('signs with the first key (its alg and kid) and publishes only public parts, with a max-age', async () => {
    const { access_token } = await signInAt(server.baseUrl)
    expect(decode(access_token.split('.')[0]!)).toEqual({ alg: 'ES256', typ: 'JWT', kid: es256.privateJwk.kid })
    const res = await fetch(`${server.baseUrl}/.well-known/jwks.json`)
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300')
    const { keys } = (await res.json()) as { keys: Record<string, string>[] }
    expect(keys).toEqual([es256.publicJwk, older.publicJwk])
    for (const k of keys) expect(k).not.toHaveProperty('d')
    expect((await fetch(`${server.baseUrl}/demopage`, { headers: bearer(access_token) })).status).toBe(200)
  })

  it('is verified by hono/jwk from the JWKS URL, with no shared secret', async () => {
    const { access_token } = await signInAt(server.baseUrl)
    const api = new Hono().use('/api/*', jwk({ jwks_uri: `${server.baseUrl}/.well-known/jwks.json`, alg: ['ES256'] })).get('/api/me', (c) => c.json(c.get('jwtPayload')))
    const ok = await api.request('/api/me', { headers: bearer(access_token) })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ email: creds.email, iss: 'edge-auth-gateway', aud: 'api' })
    const [h, p] = access_token.split('.')
    expect((await api.request('/api/me', { headers: bearer(`${h}.${b64({ ...decode(p!), sub: 'someone-else' })}.${access_token.split('.')[2]}`) })).status).toBe(401)
  })

  it('is verified by jose\'s createRemoteJWKSet, issuer and audience checked', async () => {
    const { access_token } = await signInAt(server.baseUrl)
    const keys = createRemoteJWKSet(new URL(`${server.baseUrl}/.well-known/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(access_token, keys, { issuer: 'edge-auth-gateway', audience: 'api', algorithms: ['ES256'] })
    expect(protectedHeader.kid).toBe(es256.privateJwk.kid)
    expect(payload.email).toBe(creds.email)
    await expect(jwtVerify(access_token, keys, { issuer: 'edge-auth-gateway', audience: 'another-api' })).rejects.toThrow()
  })

  it('is verified by Debian\'s PyJWT with PyJWKClient, the seed\'s own library', async () => {
    const { access_token } = await signInAt(server.baseUrl)
    const script = `
import json, sys, jwt
client = jwt.PyJWKClient(sys.argv[1])
key = client.get_signing_key_from_jwt(sys.argv[2])
claims = jwt.decode(sys.argv[2], key.key, algorithms=["ES256"], audience="api", issuer="edge-auth-gateway")
print(json.dumps({"email": claims["email"], "kid": key.key_id}))
`
    // Debian's python3 with python3-jwt (PyJWT 2.6); .ci/run installs it.
    const out = execFileSync('/usr/bin/python3', ['-c', script, `${server.baseUrl}/.well-known/jwks.json`, access_token], { encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ email: creds.email, kid: es256.privateJwk.kid })
  })

  it('verifies tokens of every key in the list, so a rotation refuses nobody: new key first, old still accepted', async () => {
    const { app } = testApp({ JWT_KEYS: JSON.stringify([older.privateJwk]) })
    const { access_token } = await signIn(app, creds)
    expect(decode(access_token.split('.')[0]!).kid).toBe(older.privateJwk.kid)
    expect((await fetch(`${server.baseUrl}/demopage`, { headers: bearer(access_token) })).status).toBe(200)
    // Downstream too, from the JWKS published while the old key is listed.
    const listed = createRemoteJWKSet(new URL(`${server.baseUrl}/.well-known/jwks.json`))
    expect((await jwtVerify(access_token, listed, { issuer: 'edge-auth-gateway', audience: 'api' })).payload.email).toBe(creds.email)
    // Dropped from the list: refused here, and gone from the JWKS a downstream service reads.
    const { app: afterRotation } = testApp({ JWT_KEYS: JSON.stringify([es256.privateJwk]) })
    expect((await afterRotation.request('/demopage', { headers: bearer(access_token) })).status).toBe(401)
    const published = (await (await afterRotation.request('/.well-known/jwks.json')).json()) as { keys: JWK[] }
    await expect(jwtVerify(access_token, createLocalJWKSet(published), { issuer: 'edge-auth-gateway', audience: 'api' })).rejects.toThrow()
  })

  it('refuses HS256 tokens, a public key used as an HMAC secret, unknown kids, jku/x5u/jwk headers and another alg for a kid', async () => {
    const { access_token } = await signInAt(server.baseUrl)
    const [, payload, signature] = access_token.split('.')
    const hs = (header: object, secret: string | Buffer) => {
      const input = `${b64(header)}.${payload}`
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
    }
    const kid = es256.privateJwk.kid
    const cases = [
      hs({ alg: 'HS256', typ: 'JWT' }, TEST_SECRET),
      hs({ alg: 'HS256', typ: 'JWT', kid }, JSON.stringify(es256.publicJwk)),
      hs({ alg: 'HS256', typ: 'JWT', kid }, Buffer.from(es256.publicJwk.x!, 'base64url')),
      `${b64({ alg: 'ES256', typ: 'JWT', kid: 'unknown' })}.${payload}.${signature}`,
      `${b64({ alg: 'ES256', typ: 'JWT', kid: '../../etc/passwd' })}.${payload}.${signature}`,
      `${b64({ alg: 'ES256', typ: 'JWT', kid, jku: 'http://127.0.0.1:1/jwks.json' })}.${payload}.${signature}`,
      `${b64({ alg: 'ES256', typ: 'JWT', kid, x5u: 'http://127.0.0.1:1/cert' })}.${payload}.${signature}`,
      `${b64({ alg: 'ES256', typ: 'JWT', kid, jwk: es256.publicJwk })}.${payload}.${signature}`,
      `${b64({ alg: 'EdDSA', typ: 'JWT', kid })}.${payload}.${signature}`,
      `${b64({ alg: 'ES384', typ: 'JWT', kid })}.${payload}.${signature}`,
      `${b64({ alg: 'none', typ: 'JWT', kid })}.${payload}.`,
      `${b64({ kid, typ: 'JWT', alg: 'ES256' })}.${payload}.${signature}`, // the same header, written otherwise
    ]
    for (const token of cases) {
      const res = await fetch(`${server.baseUrl}/demopage`, { headers: bearer(token) })
      expect(res.status, token.split('.')[0]).toBe(401)
      expect((await res.json()).error).toBe('invalid_token')
    }
  })

  it.each([
    ['not JSON', 'nope'],
    ['not an array', '{}'],
    ['empty', '[]'],
    ['a public key only', () => JSON.stringify([es256.publicJwk])],
    ['an RSA key', '[{"kty":"RSA","n":"x","e":"AQAB","d":"y","kid":"r"}]'],
    ['a key without kid', () => JSON.stringify([{ ...es256.privateJwk, kid: undefined }])],
    ['two keys with one kid', () => JSON.stringify([es256.privateJwk, { ...older.privateJwk, kid: es256.privateJwk.kid }])],
    ['an alg that is not the key\'s', () => JSON.stringify([{ ...es256.privateJwk, alg: 'EdDSA' }])],
  ])('stops the service at start when JWT_KEYS is %s, naming it and no key', (_, value) => {
    const text = typeof value === 'function' ? value() : value
    let message = ''
    try {
      parseConfig(testEnv({ JWT_KEYS: text }))
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/^JWT_KEYS /)
    expect(message).not.toContain(es256.privateJwk.d)
  })

  it('publishes no keys under HS256', async () => {
    const res = await testApp().app.request('/.well-known/jwks.json')
    expect(await res.json()).toEqual({ keys: [] })
  })
})

describe('EdDSA on every runtime', () => {
  const servers: Partial<Record<Runtime, Running>> = {}
  beforeAll(async () => {
    const env = testEnv({ JWT_KEYS: JSON.stringify([eddsa.privateJwk]) })
    const runtimes: Runtime[] = ['node', 'bun', 'workers']
    const started = await Promise.all(runtimes.map((r) => startRuntime(r, env)))
    runtimes.forEach((r, i) => (servers[r] = started[i]))
  }, 120_000)
  afterAll(() => Promise.all(Object.values(servers).map((s) => s?.stop())))

  it.each(['node', 'bun', 'workers'] as Runtime[])('signs and verifies Ed25519 tokens on %s, and jose verifies them from its JWKS', async (runtime) => {
    const base = servers[runtime]!.baseUrl
    const { access_token } = await signInAt(base)
    expect(decode(access_token.split('.')[0]!)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: eddsa.privateJwk.kid })
    expect((await fetch(`${base}/demopage`, { headers: bearer(access_token) })).status).toBe(200)
    const keys = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`))
    expect((await jwtVerify(access_token, keys, { issuer: 'edge-auth-gateway', audience: 'api' })).payload.email).toBe(creds.email)
  })
})

describe('RFC 8414 metadata, wherever the service is', () => {
  const metadata = async (env: Record<string, string>, url: string) => {
    const res = await testApp(env).app.request(url)
    const body = (await res.json()) as Record<string, string>
    return { cache: res.headers.get('Cache-Control'), token: body.token_endpoint, jwks: body.jwks_uri, revoke: body.revocation_endpoint }
  }

  it('names the endpoints under SERVICE_PREFIX, from the issuer when it is a URL, naming the prefix or not', async () => {
    for (const issuer of ['https://api.example.com', 'https://api.example.com/', 'https://api.example.com/auth']) {
      expect(await metadata({ JWT_ISSUER: issuer, SERVICE_PREFIX: '/auth' }, 'http://other.example/auth/.well-known/oauth-authorization-server'), issuer).toEqual({
        cache: 'public, max-age=300',
        token: 'https://api.example.com/auth/token',
        jwks: 'https://api.example.com/auth/.well-known/jwks.json',
        revoke: 'https://api.example.com/auth/revoke',
      })
    }
  })

  // An attacker's review (session 12): made from the request, the answer was cacheable for 5 min
  // with no Vary, so a cache in front could keep one made for a forged Host (or, on Node, an
  // absolute-form target) and hand everyone a token endpoint of the attacker's choosing.
  it('made from the request (an issuer that is no URL), is never cached, and is under SERVICE_PREFIX too', async () => {
    expect(await metadata({ JWT_ISSUER: 'edge-auth-gateway', SERVICE_PREFIX: '/auth' }, 'http://gw.example/auth/.well-known/oauth-authorization-server')).toEqual({
      cache: 'no-store',
      token: 'http://gw.example/auth/token',
      jwks: 'http://gw.example/auth/.well-known/jwks.json',
      revoke: 'http://gw.example/auth/revoke',
    })
    expect(await metadata({ JWT_ISSUER: 'edge-auth-gateway' }, 'http://gw.example/.well-known/oauth-authorization-server')).toMatchObject({ cache: 'no-store', token: 'http://gw.example/token' })
  })

  // An attacker's review (session 13): mounted in an app of one's own (README, "Use it as a
  // library"), the endpoints named the host app's paths, outside the mount: clients that discover
  // them (oauth4webapi, jose's remote JWKS) sent passwords to, and took keys from, whatever the
  // host app serves there.
  it('mounted in an app of one\'s own, names the endpoints where the service is mounted', async () => {
    const mounted = async (env: Record<string, string>, url: string) => {
      const res = await new Hono().route('/auth', testApp(env).app).request(url)
      const body = (await res.json()) as Record<string, string>
      return { cache: res.headers.get('Cache-Control'), token: body.token_endpoint, jwks: body.jwks_uri, revoke: body.revocation_endpoint }
    }
    expect(await mounted({ JWT_ISSUER: 'edge-auth-gateway' }, 'http://shop.example/auth/.well-known/oauth-authorization-server')).toEqual({
      cache: 'no-store',
      token: 'http://shop.example/auth/token',
      jwks: 'http://shop.example/auth/.well-known/jwks.json',
      revoke: 'http://shop.example/auth/revoke',
    })
    expect(await mounted({ JWT_ISSUER: 'edge-auth-gateway', SERVICE_PREFIX: '/v1' }, 'http://shop.example/auth/v1/.well-known/oauth-authorization-server')).toMatchObject({ token: 'http://shop.example/auth/v1/token' })
    for (const issuer of ['https://id.example.com', 'https://id.example.com/auth']) {
      expect(await mounted({ JWT_ISSUER: issuer }, 'http://other.example/auth/.well-known/oauth-authorization-server'), issuer).toEqual({
        cache: 'public, max-age=300',
        token: 'https://id.example.com/auth/token',
        jwks: 'https://id.example.com/auth/.well-known/jwks.json',
        revoke: 'https://id.example.com/auth/revoke',
      })
    }
    // A second attacker's review: mounted at a path with a parameter, the endpoints named the
    // route's pattern (`/:tenant/token`), not the path the client came by.
    const tenants = new Hono().route('/:tenant', testApp({ JWT_ISSUER: 'edge-auth-gateway' }).app)
    const named = (await (await tenants.request('http://shop.example/acme/.well-known/oauth-authorization-server')).json()) as Record<string, string>
    expect(named.token_endpoint).toBe('http://shop.example/acme/token')
    const app = new Hono().route('/auth', testApp({ JWT_ISSUER: 'edge-auth-gateway' }).app)
    expect((await app.request('http://shop.example/auth/.well-known/jwks.json')).status).toBe(200)
  })
})

describe('RFC 8414 metadata and RFC 7009 revocation, with oauth4webapi', () => {
  const issuer = 'http://gateway.example'
  const { app } = testApp({ JWT_ISSUER: issuer })
  // oauth4webapi speaks to the app in process: its requests are answered by app.request.
  const customFetch = ((url: string, init?: RequestInit) => app.request(url, init)) as typeof fetch
  const client: oauth.Client = { client_id: 'edge-auth-gateway' }

  it('discovers the token, JWKS and revocation endpoints from the issuer', async () => {
    const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', [oauth.customFetch]: customFetch, [oauth.allowInsecureRequests]: true }))
    expect(as).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      revocation_endpoint: `${issuer}/revoke`,
      grant_types_supported: ['password', 'refresh_token'],
    })
  })

  it('revokes a refresh token: its session ends, access and refresh tokens both', async () => {
    const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', [oauth.customFetch]: customFetch, [oauth.allowInsecureRequests]: true }))
    const tokens = await signIn(app, creds)
    const res = await oauth.revocationRequest(as, client, oauth.None(), tokens.refresh_token, { [oauth.customFetch]: customFetch, [oauth.allowInsecureRequests]: true, additionalParameters: { token_type_hint: 'refresh_token' } })
    await oauth.processRevocationResponse(res)
    expect((await app.request('/demopage', { headers: bearer(tokens.access_token) })).status).toBe(401)
    expect((await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(400)
  })

  it('revokes an access token the same way, whatever the hint says', async () => {
    const tokens = await signIn(app, creds)
    const res = await formPost(app, '/revoke', { token: tokens.access_token, token_type_hint: 'refresh_token' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
    expect((await app.request('/demopage', { headers: bearer(tokens.access_token) })).status).toBe(401)
    expect((await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).toBe(400)
  })

  it('answers 200 with an empty body for garbage, an unknown or an ended token; 400 without a token', async () => {
    const tokens = await signIn(app, creds)
    await formPost(app, '/revoke', { token: tokens.refresh_token })
    for (const token of ['garbage', tokens.refresh_token, 'a.b.c', `${tokens.access_token}x`]) {
      const res = await formPost(app, '/revoke', { token })
      expect([res.status, await res.text()]).toEqual([200, ''])
    }
    const missing = await formPost(app, '/revoke', {})
    expect(missing.status).toBe(400)
    expect((await missing.json()).error).toBe('invalid_request')
  })
})
