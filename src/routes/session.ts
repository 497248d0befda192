import { Hono, type Context } from 'hono'
import { CognitoError } from '../cognito/errors'
import type { AppEnv, Deps } from '../env'
import { bearerAuth } from '../http/bearer'
import { ApiError } from '../http/errors'
import { isJson, parseInput, requireBody, validate } from '../http/validate'
import { PasswordForm, SignOutBody, TokenForm } from '../schemas'
import { noStore, passwordGrant } from '../tokens/grant'

/** Sign-in (the original's OAuth2 password form), the token endpoint, and sign-out. */
export function sessionRoutes(deps: Deps) {
  const signIn = async (c: Context, username: string, password: string) => {
    const grant = await passwordGrant(deps, username, password)
    noStore(c)
    return c.json(grant.body)
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
      if (form.grant_type !== 'password') throw unsupportedGrant()
      const fields: Record<string, string> = {}
      if (!form.username) fields.username = 'is required'
      if (!form.password) fields.password = 'is required'
      if (!form.username || !form.password) {
        throw new ApiError('invalid_request', 'The password grant needs a username and a password.', { fields })
      }
      return signIn(c, form.username, form.password)
    })

    .post('/signout', bearerAuth(deps, { allowRevoked: true }), requireBody(['json', 'form'], { optional: true }), async (c) => {
      const type = c.req.header('Content-Type')
      const raw = isJson(type) ? await c.req.json() : type ? await c.req.parseBody() : {}
      const { refresh_token } = parseInput(SignOutBody, raw)
      const claims = c.var.claims
      // Cognito first: if it fails, nothing is revoked yet and the client can simply try again.
      if (refresh_token) await revokeRefreshToken(deps, refresh_token)
      await deps.revocations.revoke(claims.jti, claims.exp)
      noStore(c)
      return c.json({ msg: 'User signed out successfully' })
    })
}

const unsupportedGrant = () =>
  new ApiError('unsupported_grant_type', 'Only grant_type=password is supported here.')

/**
 * RFC 7009 §2.2: a token that is already invalid is not an error for revocation. Faults of
 * Cognito itself (down, throttling, misconfiguration) still are.
 */
async function revokeRefreshToken(deps: Deps, token: string): Promise<void> {
  try {
    await deps.cognito.revokeToken(token)
  } catch (err) {
    const f = err instanceof CognitoError ? err.failure : undefined
    const alreadyInvalid =
      f?.kind === 'rejected' &&
      (f.type === 'NotAuthorizedException' || f.type === 'InvalidParameterException' || f.type === 'UnsupportedTokenTypeException')
    if (!alreadyInvalid) throw err
  }
}
