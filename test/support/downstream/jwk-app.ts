// A downstream API that trusts the service's tokens through hono/jwk and the JWKS URL alone (no
// shared secret), as another team's service would: the same file on Bun and on workerd.
import { Hono } from 'hono'
import { jwk } from 'hono/jwk'

type Env = { Bindings: { JWKS_URL: string } }
const app = new Hono<Env>()
app.use('/api/*', (c, next) => jwk({ jwks_uri: c.env.JWKS_URL, alg: ['ES256', 'EdDSA'] })(c, next))
app.get('/api/whoami', (c) => c.json({ sub: (c.get('jwtPayload') as { sub: string }).sub }))

// Bun serves the default export with process.env; workerd passes its vars as the env.
const port = typeof process !== 'undefined' ? Number(process.env.PORT) : undefined
export default {
  port,
  hostname: '127.0.0.1',
  fetch: (request: Request, env?: Env['Bindings']) =>
    app.fetch(request, env && 'JWKS_URL' in env ? env : { JWKS_URL: typeof process !== 'undefined' ? process.env.JWKS_URL! : '' }),
}
