// The original flows and API.md's error table, against the real Cognito emulator.
import { describe, expect, it } from 'vitest'
import { emulatorCall } from '../scripts/emulator'
import { bearer, codeFor, cognito, cognitoRefreshTokens, confirmedUser, formPost, jsonPost, newCreds, signIn, testApp } from './support/harness'

const { app } = testApp()

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())

describe('sign-up', () => {
  it('creates an unconfirmed user and hands out no token before the e-mail is confirmed', async () => {
    const creds = newCreds()
    const res = await jsonPost(app, '/signup', creds)
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body).toEqual({
      user_sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      user_confirmed: false,
      code_delivery: { destination: creds.email, medium: 'EMAIL', attribute: 'email' },
    })
    expect(body).not.toHaveProperty('access_token')
  })

  it('answers username_exists for an e-mail that is taken, with the seed message', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const res = await jsonPost(app, '/signup', { ...creds, username: 'someone-else' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'username_exists', error_description: 'Username already exists' })
  })

  it('forwards only username and mode as attributes: no mass assignment', async () => {
    const creds = newCreds()
    const res = await jsonPost(app, '/signup', { ...creds, 'custom:role': 'admin', role: 'admin', attributes: { 'custom:role': 'admin' } })
    expect(res.status).toBe(201)
    const user = await emulatorCall<{ UserAttributes: { Name: string; Value: string }[] }>(cognito().endpoint, 'AdminGetUser', {
      UserPoolId: cognito().userPoolId,
      Username: creds.email,
    })
    const names = user.UserAttributes.map((a) => a.Name).sort()
    expect(names).toEqual(['custom:mode', 'custom:username', 'email', 'sub'])
  })

  it.each([
    ['a missing field', { email: 'x@example.com', password: 'p', mode: 'm' }, 'username'],
    ['an e-mail that is not one', { username: 'u', email: 'not-an-email', password: 'p', mode: 'm' }, 'email'],
    ['an empty password', { username: 'u', email: 'x@example.com', password: '', mode: 'm' }, 'password'],
    ['a username over 128 characters', { username: 'u'.repeat(129), email: 'x@example.com', password: 'p', mode: 'm' }, 'username'],
    ['a number where a string belongs', { username: 42, email: 'x@example.com', password: 'p', mode: 'm' }, 'username'],
    ['a NUL in a string', { username: 'a\u0000b', email: 'x@example.com', password: 'p', mode: 'm' }, 'username'],
    ['a lone surrogate', { username: 'a\ud800b', email: 'x@example.com', password: 'p', mode: 'm' }, 'username'],
  ])('refuses %s with invalid_request naming the field', async (_, body, field) => {
    const res = await jsonPost(app, '/signup', body)
    expect(res.status).toBe(400)
    const json = await res.json()
    expect(json.error).toBe('invalid_request')
    expect(Object.keys(json.fields)).toContain(field)
  })

  it.each([
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['null', 'null'],
    ['malformed JSON', '{"username":'],
  ])('refuses a body that is %s with invalid_request', async (_, raw) => {
    const res = await app.request('/signup', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: raw })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toBe('invalid_request')
  })

  it('refuses a form where JSON is expected with 415', async () => {
    const res = await formPost(app, '/signup', { username: 'u' })
    expect(res.status).toBe(415)
    expect((await res.json()).error).toBe('unsupported_media_type')
  })

  it('refuses a declared length over 16 KiB with 413 before reading the body, however it is written', async () => {
    const declared = await app.request('/signin', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '20000' }, body: 'username=a' })
    expect(declared.status).toBe(413)
    expect((await declared.json()).error).toBe('request_too_large')
    // (Node, Bun and Workers refuse such headers before the app; hono's bodyLimit would read this one as 2.)
    const odd = await app.request('/signin', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '2e4' }, body: 'username=a' })
    expect(odd.status).toBe(413)
    const twice = await app.request('/signin', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '20000, 20000' }, body: 'username=a' })
    expect(twice.status).toBe(413)
  })

  it('refuses a body over 16 KiB with 413', async () => {
    const res = await jsonPost(app, '/signup', { ...newCreds(), mode: 'x'.repeat(20_000) })
    expect(res.status).toBe(413)
    expect((await res.json()).error).toBe('request_too_large')
  })
})

describe('confirm', () => {
  it('confirms with query parameters, as the original clients send them', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const code = await codeFor(creds.email)
    const res = await app.request(`/confirm?username=${encodeURIComponent(creds.email)}&confirmation_code=${code}`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ msg: 'User confirmed successfully' })
  })

  it('confirms with a JSON body', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const res = await jsonPost(app, '/confirm', { username: creds.email, confirmation_code: await codeFor(creds.email) })
    expect(res.status).toBe(200)
  })

  it('answers invalid_code for a wrong code, and the right code still works afterwards', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const code = await codeFor(creds.email)
    const wrong = code === '000000' ? '111111' : '000000'
    const res = await jsonPost(app, '/confirm', { username: creds.email, confirmation_code: wrong })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_code', error_description: 'Invalid confirmation code.' })
    expect((await jsonPost(app, '/confirm', { username: creds.email, confirmation_code: code })).status).toBe(200)
  })

  // cognito-local answers ExpiredCodeException here, real Cognito NotAuthorizedException: both are
  // the answer an unknown user gets, so a used code tells nobody that the account exists.
  it('answers invalid_code, as for an unknown user, for a code that was already used', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const code = await codeFor(creds.email)
    expect((await jsonPost(app, '/confirm', { username: creds.email, confirmation_code: code })).status).toBe(200)
    const res = await jsonPost(app, '/confirm', { username: creds.email, confirmation_code: code })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_code', error_description: 'Invalid confirmation code.' })
  })

  it('answers invalid_code for an unknown user, without saying the user does not exist', async () => {
    const res = await jsonPost(app, '/confirm', { username: 'nobody@example.com', confirmation_code: '123456' })
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error).toBe('invalid_code')
    expect(JSON.stringify(body)).not.toMatch(/exist|found|nobody/i)
  })

  it.each([
    ['missing', {}],
    ['not digits', { confirmation_code: 'abcdef' }],
    ['2 KB long', { confirmation_code: '1'.repeat(2048) }],
  ])('refuses a code that is %s with invalid_request', async (_, extra) => {
    const res = await jsonPost(app, '/confirm', { username: 'x@example.com', ...extra })
    expect(res.status).toBe(400)
    expect((await res.json()).fields).toHaveProperty('confirmation_code')
  })
})

describe('sign-in', () => {
  it('answers the OAuth2 password form with a token response that must not be cached', async () => {
    const creds = await confirmedUser(app)
    const res = await formPost(app, '/signin', { username: creds.email, password: creds.password, grant_type: 'password', scope: '' })
    expect(res.status).toBe(200)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    expect(res.headers.get('Pragma')).toBe('no-cache')
    const body = await res.json()
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 900, refresh_token: expect.any(String) })
  })

  it('signs an access token with every claim of API.md', async () => {
    const creds = await confirmedUser(app)
    const before = Math.floor(Date.now() / 1000)
    const { access_token } = await signIn(app, creds)
    const [header] = access_token.split('.')
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' })
    const claims = decode(access_token)
    expect(claims).toEqual({
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: creds.email,
      username: creds.username,
      mode: creds.mode,
      groups: [],
      iss: 'edge-auth-gateway',
      aud: 'api',
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      // The session this token belongs to: its start in ms (base 36), then 96 random bits.
      sid: expect.stringMatching(/^[0-9a-z]{8,9}\.[A-Za-z0-9_-]{16}$/),
    })
    expect(claims.iat).toBeGreaterThanOrEqual(before)
    expect(claims.exp - claims.iat).toBe(900)
  })

  it('gives a wrong password and an unknown user the same answer', async () => {
    const creds = await confirmedUser(app)
    const wrong = await formPost(app, '/signin', { username: creds.email, password: 'Wrong-pass1!' })
    const unknown = await formPost(app, '/signin', { username: 'nobody-here@example.com', password: 'Wrong-pass1!' })
    expect(wrong.status).toBe(400)
    expect(unknown.status).toBe(400)
    const a = await wrong.json()
    expect(a).toEqual({ error: 'invalid_grant', error_description: 'Incorrect username or password.' })
    expect(await unknown.json()).toEqual(a)
  })

  it('answers user_not_confirmed before the e-mail is confirmed', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const res = await formPost(app, '/signin', { username: creds.email, password: creds.password })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toBe('user_not_confirmed')
  })

  it.each([
    ['client_credentials', 'unsupported_grant_type'],
    ['passwordblah', 'unsupported_grant_type'],
  ])('answers grant_type=%s with %s', async (grant, code) => {
    const res = await formPost(app, '/signin', { username: 'a@example.com', password: 'x', grant_type: grant })
    expect(res.status).toBe(400)
    expect((await res.json()).error).toBe(code)
  })

  it('refuses JSON instead of a form with 415', async () => {
    const res = await jsonPost(app, '/signin', { username: 'a@example.com', password: 'x' })
    expect(res.status).toBe(415)
    expect((await res.json()).error).toBe('unsupported_media_type')
  })

  it('counts empty values as missing and refuses repeated parameters', async () => {
    const empty = await formPost(app, '/signin', { username: '', password: 'x' })
    expect(empty.status).toBe(400)
    expect((await empty.json()).fields).toHaveProperty('username')
    const repeated = await formPost(app, '/signin', 'username=a%40example.com&username=b%40example.com&password=x')
    expect(repeated.status).toBe(400)
    const body = await repeated.json()
    expect(body.error).toBe('invalid_request')
    expect(body.fields.username).toBe('must be given once')
  })

  it('reads a urlencoded form as the WHATWG parser does, and a multipart one too', async () => {
    // A password with every character a form encodes: "+" is a space, "%2B" a plus, and UTF-8 escapes.
    const creds = { ...newCreds(), password: 'Pa ss+w&rd=ö%1!' }
    expect((await jsonPost(app, '/signup', creds)).status).toBe(201)
    await app.request(`/confirm?username=${encodeURIComponent(creds.email)}&confirmation_code=${await codeFor(creds.email)}`, { method: 'POST' })
    const encoded = `username=${encodeURIComponent(creds.email)}&password=Pa+ss%2Bw%26rd%3D%C3%B6%251!`
    expect((await formPost(app, '/signin', encoded)).status).toBe(200)
    // One character off ("+" read as a plus) is a wrong password.
    expect((await formPost(app, '/signin', encoded.replace('Pa+ss', 'Pa%2Bss'))).status).toBe(400)
    const multipart = new FormData()
    multipart.set('username', creds.email)
    multipart.set('password', creds.password)
    expect((await app.request('/signin', { method: 'POST', body: multipart })).status).toBe(200)
  })

  it('answers invalid_request when a form body cannot be read', async () => {
    const broken = new ReadableStream({ pull: (controller) => controller.error(new Error('the client went away')) })
    const res = await app.request('/signin', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '20' },
      body: broken,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'The request body could not be parsed.' })
  })
})

describe('token endpoint', () => {
  it('completes the password grant, ignoring client_id, an empty client_secret and scope', async () => {
    const creds = await confirmedUser(app)
    const res = await formPost(app, '/token', {
      grant_type: 'password', username: creds.email, password: creds.password, client_id: 'swagger', client_secret: '', scope: 'openid',
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('Cache-Control')).toBe('no-store')
    const body = await res.json()
    expect(body.token_type).toBe('bearer')
    expect(decode(body.access_token).email).toBe(creds.email)
  })

  it('requires grant_type, and refuses ones it does not support', async () => {
    const missing = await formPost(app, '/token', { username: 'a@example.com', password: 'x' })
    expect(missing.status).toBe(400)
    expect((await missing.json()).error).toBe('invalid_request')
    const other = await formPost(app, '/token', { grant_type: 'client_credentials' })
    expect(other.status).toBe(400)
    expect((await other.json()).error).toBe('unsupported_grant_type')
  })

  it('refuses a password grant without a password', async () => {
    const res = await formPost(app, '/token', { grant_type: 'password', username: 'a@example.com' })
    expect(res.status).toBe(400)
    expect((await res.json()).fields).toEqual({ password: 'is required' })
  })
})

describe('bearer-protected routes', () => {
  it('greets the user on the demo page and tells who they are on /me', async () => {
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    const demo = await app.request('/demopage', { headers: bearer(access_token) })
    expect(demo.status).toBe(200)
    expect(await demo.json()).toEqual({ msg: `Hello, ${creds.username}! Welcome to the demo page.` })
    const me = await app.request('/me', { headers: bearer(access_token) })
    expect(await me.json()).toEqual({ sub: decode(access_token).sub, email: creds.email, username: creds.username, mode: creds.mode })
  })

  it('answers a missing token with 401 unauthorized and a challenge without an error code (RFC 6750 §3.1)', async () => {
    const res = await app.request('/demopage')
    expect(res.status).toBe(401)
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="api"')
    expect(await res.json()).toEqual({ error: 'unauthorized', error_description: 'A bearer token is required.' })
  })

  it('answers a bad token with 401 invalid_token and says so in WWW-Authenticate', async () => {
    const res = await app.request('/me', { headers: bearer('not.a.token') })
    expect(res.status).toBe(401)
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="api", error="invalid_token"')
    expect((await res.json()).error).toBe('invalid_token')
  })

  it('refuses the token in the query string (RFC 6750 §2.3)', async () => {
    const { access_token } = await signIn(app, await confirmedUser(app))
    const res = await app.request(`/demopage?access_token=${access_token}`)
    expect(res.status).toBe(401)
  })
})

describe('sign-out', () => {
  it('refuses the bearer token from then on, and revokes the refresh token at Cognito', async () => {
    const creds = await confirmedUser(app)
    const tokens = await signIn(app, creds)
    const refreshTokensBefore = (await cognitoRefreshTokens(creds.email)).length
    const res = await formPost(app, '/signout', { refresh_token: tokens.refresh_token }, bearer(tokens.access_token))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ msg: 'User signed out successfully' })

    const after = await app.request('/demopage', { headers: bearer(tokens.access_token) })
    expect(after.status).toBe(401)
    expect((await after.json()).error).toBe('invalid_token')

    // Cognito no longer holds it: RevokeToken reached the emulator (the sealed token alone tells nothing).
    expect(await cognitoRefreshTokens(creds.email)).toHaveLength(refreshTokensBefore - 1)

    // The emulator itself now refuses the refresh token.
    const refresh = fetch(`${cognito().endpoint}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ ClientId: cognito().clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.refresh_token } }),
    })
    const answer = await refresh
    expect(answer.status).toBe(400)
    expect((await answer.json()).__type).toBe('NotAuthorizedException')
  })

  it('takes the refresh token as JSON too, and only revokes this sign-in', async () => {
    const creds = await confirmedUser(app)
    const first = await signIn(app, creds)
    const second = await signIn(app, creds)
    const before = await cognitoRefreshTokens(creds.email)
    const res = await jsonPost(app, '/signout', { refresh_token: first.refresh_token }, bearer(first.access_token))
    expect(res.status).toBe(200)
    // Read from the JSON body: Cognito holds one refresh token less (RevokeToken), the other sign-in's stays.
    expect(await cognitoRefreshTokens(creds.email)).toHaveLength(before.length - 1)
    expect((await app.request('/demopage', { headers: bearer(second.access_token) })).status).toBe(200)
    expect((await formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: second.refresh_token })).status).toBe(200)
  })

  it('is harmless twice in a row, and with a refresh token that is not one', async () => {
    const tokens = await signIn(app, await confirmedUser(app))
    const once = await formPost(app, '/signout', { refresh_token: 'garbage' }, bearer(tokens.access_token))
    expect(once.status).toBe(200)
    const twice = await app.request('/signout', { method: 'POST', headers: bearer(tokens.access_token) })
    expect(twice.status).toBe(200)
    expect((await app.request('/demopage', { headers: bearer(tokens.access_token) })).status).toBe(401)
  })

  it('needs a bearer token', async () => {
    const res = await app.request('/signout', { method: 'POST' })
    expect(res.status).toBe(401)
    expect((await res.json()).error).toBe('unauthorized')
  })
})

describe('service routes', () => {
  it('answers /health without calling Cognito', async () => {
    const { app: offline } = testApp({ COGNITO_ENDPOINT: 'http://127.0.0.1:9' })
    const res = await offline.request('/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('answers unknown paths with a JSON 404 and wrong methods with a JSON 405 and Allow', async () => {
    const missing = await app.request('/nope')
    expect(missing.status).toBe(404)
    expect((await missing.json()).error).toBe('not_found')
    const wrong = await app.request('/signin')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('Allow')).toBe('POST')
    expect((await wrong.json()).error).toBe('method_not_allowed')
  })

  it('answers a wrong method on a path with a parameter (Swagger UI\'s files) with 405 too, and a path beyond it with 404', async () => {
    for (const path of ['/docs/swagger-ui-dist/swagger-ui.css', '/docs/swagger-ui-dist/anything']) {
      const wrong = await app.request(path, { method: 'PUT' })
      expect(wrong.status).toBe(405)
      // HEAD is answered wherever GET is (RFC 9110 §9.3.2), so Allow names it (an attacker's review).
      expect(wrong.headers.get('Allow')).toBe('GET, HEAD')
      expect((await wrong.json()).error).toBe('method_not_allowed')
      expect((await app.request(path, { method: 'HEAD' })).status).not.toBe(405)
    }
    expect((await app.request('/docs/swagger-ui-dist/a/b', { method: 'PUT' })).status).toBe(404)
    expect((await app.request('/docs/swagger-ui-dist/', { method: 'PUT' })).status).toBe(404)
  })
})

describe('Cognito faults and misconfiguration', () => {
  it('answers 502 upstream_error when Cognito refuses connections', async () => {
    const { app: down } = testApp({ COGNITO_ENDPOINT: 'http://127.0.0.1:9' })
    const res = await formPost(down, '/signin', { username: 'a@example.com', password: 'x' })
    expect(res.status).toBe(502)
    expect((await res.json()).error).toBe('upstream_error')
  })

  it('answers 500 server_misconfigured for an unknown app client, with details only in the log', async () => {
    const lines: Record<string, unknown>[] = []
    const { app: wrong } = testApp({ COGNITO_CLIENT_ID: 'no-such-client' }, { log: (l) => lines.push(l) })
    const res = await formPost(wrong, '/signin', { username: 'a@example.com', password: 'x' })
    expect(res.status).toBe(500)
    const body = await res.json()
    expect(body.error).toBe('server_misconfigured')
    expect(JSON.stringify(body)).not.toMatch(/ResourceNotFound|no-such-client/)
    expect(JSON.stringify(lines)).toMatch(/ResourceNotFoundException/)
  })
})

describe('confirm, from Swagger UI', () => {
  it('uses the query parameters when a client sends them along with an example body', async () => {
    const creds = newCreds()
    await jsonPost(app, '/signup', creds)
    const code = await codeFor(creds.email)
    const res = await jsonPost(app, `/confirm?username=${encodeURIComponent(creds.email)}&confirmation_code=${code}`, {
      username: 'string',
      confirmation_code: 'string',
    })
    expect(res.status).toBe(200)
  })
})

/** The refresh tokens the emulator holds for a user, read from its data file. */
