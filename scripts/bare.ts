// The bench's baselines for GET /demopage, on Node (@hono/node-server) or Bun, by BARE_MODE:
// - plain: a bare Hono app answering constant JSON;
// - headers: the same, sending exactly the headers the service sends (API_HEADERS, a request id);
// - peer: what a user would write instead of the service, hono/jwt verifying the same tokens
//   (HS256 with JWT_SECRET, or ES256 with the public half of JWT_KEYS' first key), same headers;
// - relay: for the sign-in overhead, POST /signin relayed with the runtime's fetch as Cognito's
//   InitiateAuth (COGNITO_ENDPOINT, COGNITO_CLIENT_ID), its access token answered: what a plain
//   Hono app adds to Cognito's own time on this runtime and machine. (The Node entry sends its
//   calls with node:http, faster than Node's fetch, so there the service may come out under it.)
import { Hono } from 'hono'
import { jwt, type JwtVariables } from 'hono/jwt'
import { API_HEADERS } from '../src/http/respond'
import { parseSigningKeys } from '../src/tokens/keys'

const mode = process.env.BARE_MODE ?? 'plain'
const headers = { ...API_HEADERS, 'x-request-id': crypto.randomUUID(), 'content-type': 'application/json' }
const answer = (username: string) => new Response(JSON.stringify({ msg: `Hello, ${username}! Welcome to the demo page.` }), { headers })

const app = new Hono<{ Variables: JwtVariables<{ username: string }> }>()
if (mode === 'plain') app.get('/demopage', (c) => c.json({ msg: 'Hello, bench! Welcome to the demo page.' }))
if (mode === 'headers') app.get('/demopage', () => answer('bench'))
if (mode === 'peer') {
  const key = process.env.JWT_KEYS ? parseSigningKeys(process.env.JWT_KEYS)[0]! : undefined
  app.use('/demopage', key ? jwt({ secret: key.publicJwk, alg: 'ES256' }) : jwt({ secret: process.env.JWT_SECRET!, alg: 'HS256' }))
  app.get('/demopage', (c) => answer(c.get('jwtPayload').username))
}
if (mode === 'relay') {
  app.post('/signin', async (c) => {
    const form = await c.req.parseBody()
    const res = await fetch(`${process.env.COGNITO_ENDPOINT}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ ClientId: process.env.COGNITO_CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: form.username, PASSWORD: form.password } }),
    })
    const { AuthenticationResult: r } = (await res.json()) as { AuthenticationResult: { AccessToken: string; ExpiresIn: number } }
    return new Response(JSON.stringify({ access_token: r.AccessToken, token_type: 'bearer', expires_in: r.ExpiresIn }), { status: res.status, headers })
  })
}

const port = Number(process.env.PORT)
if (!process.versions.bun) {
  const { serve } = await import('@hono/node-server')
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' })
}
// Bun serves the default export.
export default { port, hostname: '127.0.0.1', fetch: app.fetch }
