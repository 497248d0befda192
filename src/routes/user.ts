import { Hono } from '../http/hono'
import { CognitoError } from '../cognito/errors'
import type { AppEnv, Deps } from '../env'
import type * as s from '../responses'
import type { Body } from '../responses'
import type { attemptLimits } from '../http/attempt-limits'
import { bearerAuth, invalidToken } from '../http/bearer'
import { reply } from '../http/respond'
import { requireBody, validate } from '../http/validate'
import { DeleteMeBody } from '../schemas'
import type { Sessions } from '../sessions/sessions'

/** Routes that need a valid bearer token; /demopage makes no Cognito call. */
export function userRoutes(deps: Deps, sessions: Sessions, limits: ReturnType<typeof attemptLimits>) {
  const auth = bearerAuth(deps)
  return new Hono<AppEnv>()
    .get('/demopage', auth, (c) => reply<Body<typeof s.Message>>(c, { msg: `Hello, ${c.get('principal').username}! Welcome to the demo page.` }))
    .get('/me', auth, async (c) => {
      const p = c.get('principal')
      // The service's own tokens carry what /me shows; the e-mail only when Cognito had verified it.
      if (deps.config.tokenMode === 'app') return reply<Body<typeof s.Me>>(c, { sub: p.sub, email: p.email ?? '', username: p.username, mode: p.mode ?? '' })
      // Cognito's access tokens carry no attributes: ask Cognito, which also checks the token once more.
      let attrs: Record<string, string>
      try {
        attrs = await deps.cognito.getUser(c.get('token'))
      } catch (err) {
        const f = err instanceof CognitoError ? err.failure : undefined
        if (f?.kind === 'rejected' && f.type === 'NotAuthorizedException') throw invalidToken(deps.config.jwt.audience, err)
        throw err
      }
      const email = attrs.email_verified === 'true' ? (attrs.email ?? '') : ''
      return reply<Body<typeof s.Me>>(c, { sub: p.sub, email, username: attrs['custom:username'] ?? p.username, mode: attrs['custom:mode'] ?? '' })
    })

    // Deletes the account after checking the password again; every session of it ends.
    .delete('/me', auth, requireBody(['json']), validate('json', DeleteMeBody), async (c) => {
      const principal = c.get('principal')
      const { password, mfa_code } = c.req.valid('json')
      await limits.guard(c, { sub: principal.sub }, () => sessions.withPasswordChecked(principal, password, mfa_code, (token) => deps.cognito.deleteUser(token)))
      await sessions.endAll(principal.sub)
      return reply<Body<typeof s.Message>>(c, { msg: 'User deleted successfully' })
    })
}
