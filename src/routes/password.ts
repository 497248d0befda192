import { Hono } from '../http/hono'
import { ignoreUserFaults } from '../cognito/errors'
import type { AppEnv, Deps } from '../env'
import type * as s from '../responses'
import type { Body } from '../responses'
import type { attemptLimits } from '../http/attempt-limits'
import { bearerAuth } from '../http/bearer'
import { reply } from '../http/respond'
import { requireBody, validate } from '../http/validate'
import { ChangeBody, ResetBody, UsernameBody } from '../schemas'
import type { Sessions } from '../sessions/sessions'
import { maskedDelivery } from './account'

/** Forgotten and changed passwords. */
export function passwordRoutes(deps: Deps, sessions: Sessions, limits: ReturnType<typeof attemptLimits>) {
  return new Hono<AppEnv>()
    // The same answer whether or not the user exists (OWASP: no account enumeration).
    .post('/password/forgot', requireBody(['json']), validate('json', UsernameBody), async (c) => {
      const { username } = c.req.valid('json')
      await ignoreUserFaults(deps.cognito.forgotPassword(username))
      return reply<Body<typeof s.CodeDeliveryResponse>>(c, { code_delivery: maskedDelivery(username) })
    })

    .post('/password/reset', requireBody(['json']), validate('json', ResetBody), async (c) => {
      const input = c.req.valid('json')
      await limits.guard(c, { name: input.username }, () => deps.cognito.confirmForgotPassword(input.username, input.confirmation_code, input.password))
      // Whoever had the old password may hold tokens: every session of the user ends, MFA or not.
      await sessions.endAllAfterReset(input.username, input.password)
      return reply<Body<typeof s.Message>>(c, { msg: 'Password reset successfully' })
    })

    // The current password is checked again (counted like a sign-in); every other session of the
    // user ends, the caller's goes on.
    .post('/password/change', bearerAuth(deps), requireBody(['json']), validate('json', ChangeBody), async (c) => {
      const input = c.req.valid('json')
      const principal = c.get('principal')
      await limits.guard(c, { sub: principal.sub }, () =>
        sessions.withPasswordChecked(principal, input.old_password, input.mfa_code, (token) => deps.cognito.changePassword(token, input.old_password, input.new_password)),
      )
      await sessions.endAll(principal.sub, principal.sid)
      return reply<Body<typeof s.Message>>(c, { msg: 'Password changed successfully' })
    })
}
