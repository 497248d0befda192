import { Hono } from 'hono'
import type { AppEnv, Deps } from '../env'
import { bearerAuth } from '../http/bearer'
import { reply } from '../http/respond'
import { signInLimits } from '../http/sign-in-limits'
import { requireBody, validate } from '../http/validate'
import { ChangeBody, ResetBody, UsernameBody } from '../schemas'
import { discardSession, endEarlierSessions, ignoreUserFaults, maskedDelivery, signInForCognitoToken } from './account-support'

/** Forgotten and changed passwords. */
export function passwordRoutes(deps: Deps) {
  const limits = signInLimits(deps)
  return new Hono<AppEnv>()
    // The same answer whether or not the user exists (OWASP: no account enumeration).
    .post('/password/forgot', requireBody(['json']), validate('json', UsernameBody), async (c) => {
      const { username } = c.req.valid('json')
      await ignoreUserFaults(deps.cognito.forgotPassword(username))
      return reply(c, { code_delivery: maskedDelivery(username) })
    })

    .post('/password/reset', requireBody(['json']), validate('json', ResetBody), async (c) => {
      const input = c.req.valid('json')
      await deps.cognito.confirmForgotPassword(input.username, input.confirmation_code, input.password)
      // Whoever had the old password may hold tokens: every earlier sign-in of the user ends.
      await endEarlierSessions(deps, input.username, input.password)
      return reply(c, { msg: 'Password reset successfully' })
    })

    .post('/password/change', bearerAuth(deps), requireBody(['json']), validate('json', ChangeBody), async (c) => {
      const input = c.req.valid('json')
      const principal = c.get('principal')
      // The current password is checked by signing in with it, which also gives the Cognito
      // access token that ChangePassword needs (and counts as a sign-in for brute-force limits).
      const username = principal.email ?? principal.username
      const signedIn = await limits.guard(c, username, () => signInForCognitoToken(deps, username, input.old_password, principal.sub))
      await deps.cognito.changePassword(signedIn.accessToken, input.old_password, input.new_password)
      await discardSession(deps, signedIn.refreshToken)
      return reply(c, { msg: 'Password changed successfully' })
    })
}
