import { Hono } from 'hono'
import type { AppEnv, Deps } from '../env'
import { reply } from '../http/respond'
import { parseInput, readBody, requireBody, validate } from '../http/validate'
import { ConfirmInput, SignUpBody, UsernameBody } from '../schemas'
import { ignoreUserFaults, maskedDelivery } from './account-support'
import { noStore, passwordGrant } from '../tokens/grant'

/** Sign-up and confirmation: the account's start. */
export function accountRoutes(deps: Deps) {
  return new Hono<AppEnv>()
    .post('/signup', requireBody(['json']), validate('json', SignUpBody), async (c) => {
      const input = c.req.valid('json')
      // Only these two custom attributes ever reach Cognito: no mass assignment (custom:role=admin).
      const result = await deps.cognito.signUp({
        username: input.email,
        password: input.password,
        attributes: { email: input.email, 'custom:username': input.username, 'custom:mode': input.mode },
      })
      const body: Record<string, unknown> = { user_sub: result.userSub, user_confirmed: result.userConfirmed }
      if (result.codeDelivery) body.code_delivery = result.codeDelivery
      // The original handed out a token before the e-mail was confirmed; now only a pool that
      // confirms at once (e.g. a pre-sign-up trigger) gets one.
      if (result.userConfirmed) {
        const grant = await passwordGrant(deps, input.email, input.password)
        if (grant.kind === 'tokens') Object.assign(body, grant.body)
        noStore(c)
      }
      return reply(c, body, 201)
    })

    // The original clients send the fields as query parameters; a JSON or form body works too.
    // The query wins when it has them: Swagger UI sends its example body along with the query.
    .post('/confirm', requireBody(['json', 'form'], { optional: true }), async (c) => {
      const query = c.req.query()
      const source = 'username' in query || 'confirmation_code' in query ? query : ((await readBody(c)) ?? query)
      const input = parseInput(ConfirmInput, source)
      await deps.cognito.confirmSignUp(input.username, input.confirmation_code)
      return reply(c, { msg: 'User confirmed successfully' })
    })

    // A new code for an unconfirmed user; the same answer for a user who is unknown or already confirmed.
    .post('/confirm/resend', requireBody(['json']), validate('json', UsernameBody), async (c) => {
      const { username } = c.req.valid('json')
      await ignoreUserFaults(deps.cognito.resendConfirmationCode(username))
      return reply(c, { code_delivery: maskedDelivery(username) })
    })
}
