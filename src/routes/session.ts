import { Hono, type Context } from 'hono'
import type { AppEnv, Deps } from '../env'
import { bearerAuth } from '../http/bearer'
import { ApiError } from '../http/errors'
import { reply } from '../http/respond'
import { signInLimits } from '../http/sign-in-limits'
import { parseInput, readBody, requireBody, validate } from '../http/validate'
import { ChallengeBody, PasswordForm, SignOutBody, TokenForm } from '../schemas'
import { accessTokenKey, sessionKey } from '../stores/revocations'
import { noStore, passwordGrant, refreshGrant, tokenBody } from '../tokens/grant'
import type { Principal } from '../tokens/principal'
import { unwrapRefreshToken } from '../tokens/refresh-token'
import { ignoreUserFaults } from './account-support'

/** Sign-in (the original's OAuth2 password form), the token endpoint, and sign-out. */
export function sessionRoutes(deps: Deps) {
  const limits = signInLimits(deps)
  const signIn = async (c: Context<AppEnv>, username: string, password: string) => {
    const grant = await limits.guard(c, username, () => passwordGrant(deps, username, password))
    noStore(c)
    return reply(c, grant.body)
  }

  return new Hono<AppEnv>()
    .post('/signin', requireBody(['form']), validate('form', PasswordForm), async (c) => {
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
          const body = await refreshGrant(deps, form.refresh_token!)
          noStore(c)
          return reply(c, body)
        }
        default:
          throw unsupportedGrant()
      }
    })

    // Completes a sign-in that Cognito answered with a challenge (NEW_PASSWORD_REQUIRED, MFA).
    .post('/signin/challenge', requireBody(['json']), validate('json', ChallengeBody), async (c) => {
      const input = c.req.valid('json')
      const responses = Object.fromEntries(Object.entries(input.responses).filter(([, v]) => v !== undefined)) as Record<string, string>
      const outcome = await limits.guard(c, input.username, () =>
        deps.cognito.respondToChallenge({ username: input.username, challengeName: input.challenge_name, session: input.session, responses }),
      )
      noStore(c)
      if (outcome.kind === 'challenge') {
        return reply(c, { challenge_name: outcome.challengeName, session: outcome.session, parameters: outcome.parameters })
      }
      return reply(c, await tokenBody(deps, outcome, outcome.refreshToken, Math.floor(deps.now() / 1000)))
    })

    .post('/signout', bearerAuth(deps, { allowRevoked: true }), requireBody(['json', 'form'], { optional: true }), async (c) => {
      const { refresh_token } = parseInput(SignOutBody, (await readBody(c)) ?? {})
      await signOut(deps, c.get('principal'), c.get('token'), refresh_token)
      noStore(c)
      return reply(c, { msg: 'User signed out successfully' })
    })
}

const unsupportedGrant = () =>
  new ApiError('unsupported_grant_type', 'Supported grant types: password, refresh_token.')

/** RFC 6749 §5.2: a grant without a parameter it requires is an invalid_request. */
function requireParams(params: Record<string, string | undefined>): void {
  const fields = Object.fromEntries(Object.entries(params).filter(([, v]) => !v).map(([k]) => [k, 'is required']))
  if (Object.keys(fields).length) throw new ApiError('invalid_request', 'A parameter this grant requires is missing.', { fields })
}

/**
 * Ends a sign-in: at Cognito first (if that fails, nothing is revoked yet and the client can try
 * again), then here: this access token until it expires, and this sign-in's refresh token.
 * Signing out a token that is already signed out does nothing more and succeeds.
 */
async function signOut(deps: Deps, principal: Principal, bearerToken: string, refreshToken: string | undefined) {
  if (await deps.revocations.isRevoked(accessTokenKey(principal.jti))) return
  const nowSeconds = Math.floor(deps.now() / 1000)
  if (refreshToken) {
    // Only this sign-in; a refresh token that is not one of ours is simply not valid (RFC 7009 §2.2).
    const parts = unwrapRefreshToken(refreshToken)
    if (parts) await ignoreUserFaults(deps.cognito.revokeToken(parts.token))
  } else if (deps.config.tokenMode === 'cognito') {
    // The bearer is Cognito's own access token: what the original tried to do with its own JWT.
    await ignoreUserFaults(deps.cognito.globalSignOut(bearerToken))
  } else if (deps.cognito.canAdmin) {
    await ignoreUserFaults(deps.cognito.adminUserGlobalSignOut(principal.sub))
  }
  if (principal.sid) await deps.revocations.revoke(sessionKey(principal.sid), nowSeconds + deps.config.refreshTokenTtlSeconds)
  await deps.revocations.revoke(accessTokenKey(principal.jti), principal.exp)
}
