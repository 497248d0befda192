import { Hono } from '../http/hono'
import { ignoreUserFaults } from '../cognito/errors'
import type { AppEnv, Deps } from '../env'
import type * as s from '../responses'
import type { Body } from '../responses'
import type { attemptLimits } from '../http/attempt-limits'
import { noStore, reply } from '../http/respond'
import { parseInput, readBody, requireBody, validate } from '../http/validate'
import { ConfirmInput, SignUpBody, UsernameBody } from '../schemas'
import type { Sessions } from '../sessions/sessions'

/** Where a code went, masked the way Cognito masks it, and derived from the username alone, so
 * that the answer is the same whether or not the user exists. */
export function maskedDelivery(username: string) {
  const [local = '', domain = ''] = username.split('@')
  return { destination: `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`, medium: 'EMAIL', attribute: 'email' }
}

/** Sign-up and confirmation: the account's start. */
export function accountRoutes(deps: Deps, sessions: Sessions, limits: ReturnType<typeof attemptLimits>) {
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
        const grant = await sessions.signIn(input.email, input.password)
        if (grant.kind === 'tokens') Object.assign(body, grant.body)
        noStore(c)
      }
      return reply(c, body, 201)
    })

    // The original clients send the fields as query parameters; a JSON or form body works too.
    // The query wins when it has them: Swagger UI sends its example body along with the query.
    // Codes are secrets a user types: counted like passwords.
    .post('/confirm', requireBody(['json', 'form'], { optional: true }), async (c) => {
      // A repeated parameter as an array, as the validator gives it, so that the schema refuses it.
      const query = Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]))
      const source = 'username' in query || 'confirmation_code' in query ? query : ((await readBody(c)) ?? query)
      const input = parseInput(ConfirmInput, source)
      await limits.guard(c, { name: input.username }, () => deps.cognito.confirmSignUp(input.username, input.confirmation_code))
      return reply<Body<typeof s.Message>>(c, { msg: 'User confirmed successfully' })
    })

    // A new code for an unconfirmed user; the same answer for a user who is unknown or already confirmed.
    .post('/confirm/resend', requireBody(['json']), validate('json', UsernameBody), async (c) => {
      const { username } = c.req.valid('json')
      await ignoreUserFaults(deps.cognito.resendConfirmationCode(username))
      return reply<Body<typeof s.CodeDeliveryResponse>>(c, { code_delivery: maskedDelivery(username) })
    })
}
