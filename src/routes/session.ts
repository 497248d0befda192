import type { Context } from 'hono'
import { Hono } from '../http/hono'
import type { AppEnv, Deps } from '../env'
import type * as s from '../responses'
import type { Body } from '../responses'
import type { attemptLimits } from '../http/attempt-limits'
import { bearerAuth } from '../http/bearer'
import { ApiError } from '../http/errors'
import { noStore, reply, replyEmpty } from '../http/respond'
import { parseInput, readBody, requireBody, validate } from '../http/validate'
import { ChallengeBody, PasswordForm, RevokeForm, SignOutBody, TokenForm } from '../schemas'
import type { Grant, Sessions } from '../sessions/sessions'

type Limits = ReturnType<typeof attemptLimits>
/** A step that ends in tokens is done, and clears the count; a challenge only releases its own attempt. */
const settle = (g: Grant) => (g.kind === 'tokens' ? { done: true, sub: g.sub } : { done: false })

/** Sign-in (the original's OAuth2 password form), the token endpoint, and sign-out. */
export function sessionRoutes(deps: Deps, sessions: Sessions, limits: Limits) {
  const signIn = async (c: Context<AppEnv>, username: string, password: string) => {
    const grant = await limits.guard(c, { name: username }, () => sessions.signIn(username, password), settle)
    noStore(c)
    return reply(c, grant.body)
  }

  return new Hono<AppEnv>()
    // The original's OAuth2PasswordRequestForm took multipart forms too (as hono's typed client sends).
    .post('/signin', requireBody(['form', 'multipart']), validate('form', PasswordForm), async (c) => {
      const form = c.req.valid('form')
      if (form.grant_type !== undefined && form.grant_type !== 'password') throw unsupportedGrant()
      return signIn(c, form.username, form.password)
    })

    // RFC 6749 §3.2: the token endpoint takes form-encoded parameters; client_id, an empty
    // client_secret and scope are accepted and ignored (this service has one public client).
    .post('/token', requireBody(['form']), validate('form', TokenForm), async (c) => {
      const form = c.req.valid('form')
      switch (form.grant_type) {
        case 'password': {
          requireParams({ username: form.username, password: form.password })
          return signIn(c, form.username!, form.password!)
        }
        case 'refresh_token': {
          requireParams({ refresh_token: form.refresh_token })
          const body = await sessions.refresh(form.refresh_token!)
          noStore(c)
          return reply(c, body)
        }
        default:
          throw unsupportedGrant()
      }
    })

    // Completes a sign-in that Cognito answered with a challenge (NEW_PASSWORD_REQUIRED, MFA).
    // Each answer counts as an attempt at the account's secrets, as a password does.
    .post('/signin/challenge', requireBody(['json']), validate('json', ChallengeBody), async (c) => {
      const input = c.req.valid('json')
      const responses = Object.fromEntries(Object.entries(input.responses).filter(([, v]) => v !== undefined)) as Record<string, string>
      const grant = await limits.guard(
        c,
        { name: input.username },
        () => sessions.answerChallenge({ username: input.username, challengeName: input.challenge_name, session: input.session, responses }),
        settle,
      )
      noStore(c)
      return reply(c, grant.body)
    })

    // RFC 7009: 200 with an empty body whatever the token was; only a missing token is an error.
    .post('/revoke', requireBody(['form']), validate('form', RevokeForm), async (c) => {
      const { token, token_type_hint } = c.req.valid('form')
      await sessions.revoke(token, token_type_hint)
      noStore(c)
      return replyEmpty(c, 200)
    })

    .post('/signout', bearerAuth(deps, { allowRevoked: true }), requireBody(['json', 'form'], { optional: true }), async (c) => {
      const { refresh_token } = parseInput(SignOutBody, (await readBody(c)) ?? {})
      await sessions.signOut(c.get('principal'), c.get('token'), refresh_token)
      noStore(c)
      return reply<Body<typeof s.Message>>(c, { msg: 'User signed out successfully' })
    })
}

const unsupportedGrant = () =>
  new ApiError('unsupported_grant_type', 'Supported grant types: password, refresh_token.')

/** RFC 6749 §5.2: a grant without a parameter it requires is an invalid_request. */
function requireParams(params: Record<string, string | undefined>): void {
  const fields = Object.fromEntries(Object.entries(params).filter(([, v]) => !v).map(([k]) => [k, 'is required']))
  if (Object.keys(fields).length) throw new ApiError('invalid_request', 'A parameter this grant requires is missing.', { fields })
}
