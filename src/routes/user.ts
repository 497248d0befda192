import { Hono } from 'hono'
import { CognitoError } from '../cognito/errors'
import type { AppEnv, Deps } from '../env'
import { bearerAuth, invalidToken } from '../http/bearer'
import { reply } from '../http/respond'
import { signInLimits } from '../http/sign-in-limits'
import { requireBody, validate } from '../http/validate'
import { DeleteMeBody } from '../schemas'
import { accessTokenKey } from '../stores/revocations'
import { cutOff, signInForCognitoToken } from './account-support'

/** Routes that need a valid bearer token; /demopage makes no Cognito call. */
export function userRoutes(deps: Deps) {
  const auth = bearerAuth(deps)
  const limits = signInLimits(deps)
  return new Hono<AppEnv>()
    .get('/demopage', auth, (c) => reply(c, { msg: `Hello, ${c.get('principal').username}! Welcome to the demo page.` }))
    .get('/me', auth, async (c) => {
      const p = c.get('principal')
      if (p.email !== undefined) return reply(c, { sub: p.sub, email: p.email, username: p.username, mode: p.mode ?? '' })
      // Cognito's access tokens carry no attributes: ask Cognito, which also checks the token once more.
      let attrs: Record<string, string>
      try {
        attrs = await deps.cognito.getUser(c.get('token'))
      } catch (err) {
        const f = err instanceof CognitoError ? err.failure : undefined
        if (f?.kind === 'rejected' && f.type === 'NotAuthorizedException') throw invalidToken(deps.config.jwt.audience, err)
        throw err
      }
      return reply(c, { sub: p.sub, email: attrs.email ?? '', username: attrs['custom:username'] ?? p.username, mode: attrs['custom:mode'] ?? '' })
    })

    // Deletes the account after checking the password again; its tokens are refused from then on.
    .delete('/me', auth, requireBody(['json']), validate('json', DeleteMeBody), async (c) => {
      const principal = c.get('principal')
      const username = principal.email ?? principal.username
      const { password } = c.req.valid('json')
      const signedIn = await limits.guard(c, username, () => signInForCognitoToken(deps, username, password, principal.sub))
      await deps.cognito.deleteUser(signedIn.accessToken)
      await cutOff(deps, principal.sub, true)
      await deps.revocations.revoke(accessTokenKey(principal.jti), principal.exp)
      return reply(c, { msg: 'User deleted successfully' })
    })
}
