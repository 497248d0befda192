import { Hono } from 'hono'
import type { AppEnv, Deps } from '../env'
import { bearerAuth } from '../http/bearer'

/** Routes that only need a valid bearer token: no Cognito call on the hot path. */
export function userRoutes(deps: Deps) {
  const auth = bearerAuth(deps)
  return new Hono<AppEnv>()
    .get('/demopage', auth, (c) => c.json({ msg: `Hello, ${c.var.claims.username}! Welcome to the demo page.` }))
    .get('/me', auth, (c) => {
      const { sub, email, username, mode } = c.var.claims
      c.header('Cache-Control', 'no-store')
      return c.json({ sub, email, username, mode })
    })
}
