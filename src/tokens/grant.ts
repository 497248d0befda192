import type { Context } from 'hono'
import type { AuthOutcome } from '../cognito/client'
import { CognitoError } from '../cognito/errors'
import { decodePayload, identityFromIdToken } from '../cognito/identity'
import type { AppEnv, Deps } from '../env'
import { ApiError } from '../http/errors'
import { setHeader } from '../http/respond'
import { sessionKey } from '../stores/revocations'
import { sessionId, unwrapRefreshToken, wrapRefreshToken } from './refresh-token'

export type TokenBody = { access_token: string; token_type: 'bearer'; expires_in: number; refresh_token?: string }
export type ChallengeBody = { challenge_name: string; session: string; parameters: Record<string, string> }
export type Grant = { kind: 'tokens'; body: TokenBody } | { kind: 'challenge'; body: ChallengeBody }

type GrantDeps = Pick<Deps, 'cognito' | 'tokens' | 'config' | 'revocations' | 'now'>
type Tokens = Extract<AuthOutcome, { kind: 'tokens' }>

/**
 * The password grant (RFC 6749 §4.3) shared by /signin, /token and sign-up: Cognito checks the
 * password; the access token is the service's own (or Cognito's, in cognito mode).
 */
export async function passwordGrant(deps: GrantDeps, username: string, password: string): Promise<Grant> {
  const outcome = await deps.cognito.passwordAuth(username, password)
  if (outcome.kind === 'challenge') {
    return {
      kind: 'challenge',
      body: { challenge_name: outcome.challengeName, session: outcome.session, parameters: outcome.parameters },
    }
  }
  return { kind: 'tokens', body: await tokenBody(deps, outcome, outcome.refreshToken, Math.floor(deps.now() / 1000)) }
}

const badRefreshToken = () => new ApiError('invalid_grant', 'The refresh token is invalid, expired or revoked.')

/**
 * The refresh grant (RFC 6749 §6) through Cognito's REFRESH_TOKEN_AUTH: a user disabled or
 * signed out at Cognito cannot refresh, nor can a sign-in that was signed out here.
 */
export async function refreshGrant(deps: GrantDeps, refreshToken: string): Promise<TokenBody> {
  const parts = unwrapRefreshToken(refreshToken)
  if (!parts) throw badRefreshToken()
  const sid = await sessionId(parts.token)
  if (await deps.revocations.isRevoked(sessionKey(sid))) throw badRefreshToken()
  const outcome = await deps.cognito.refreshAuth(parts.token, parts.username)
  // Cognito never answers a refresh with a challenge; if it does, it is not an answer we can use.
  if (outcome.kind !== 'tokens') throw new CognitoError('InitiateAuth', { kind: 'malformed', status: 200 })
  // A sign-in older than the user's cut-off (a password reset, a deleted account) is over.
  const { sub } = identityFromIdToken(outcome.idToken)
  if (await deps.revocations.isTokenRevoked({ sub, iat: parts.issuedAt })) throw badRefreshToken()
  // Without rotation Cognito returns no new refresh token, and the client keeps its own (§6).
  const body = await tokenBody(deps, outcome, outcome.refreshToken ?? parts.token, parts.issuedAt)
  if (!outcome.refreshToken) delete body.refresh_token
  return body
}

/** The token response (RFC 6749 §5.1) for what Cognito answered, for a sign-in made at `signedInAt`. */
export async function tokenBody(deps: GrantDeps, result: Tokens, cognitoRefreshToken: string | undefined, signedInAt: number): Promise<TokenBody> {
  const identity = identityFromIdToken(result.idToken)
  let body: TokenBody
  if (deps.config.tokenMode === 'cognito') {
    body = { access_token: result.accessToken, token_type: 'bearer', expires_in: result.expiresIn ?? secondsLeft(result.accessToken, deps.now) }
  } else {
    const sid = cognitoRefreshToken ? await sessionId(cognitoRefreshToken) : undefined
    const { token } = await deps.tokens.issue(identity, sid)
    body = { access_token: token, token_type: 'bearer', expires_in: deps.tokens.ttlSeconds }
  }
  if (cognitoRefreshToken) body.refresh_token = wrapRefreshToken(identity.cognitoUsername, signedInAt, cognitoRefreshToken)
  return body
}

function secondsLeft(jwt: string, now: () => number): number {
  const exp = (decodePayload(jwt) as { exp?: unknown } | undefined)?.exp
  if (typeof exp !== 'number') throw new CognitoError('InitiateAuth', { kind: 'malformed', status: 200 })
  return Math.max(0, exp - Math.floor(now() / 1000))
}

/** RFC 6749 §5.1: responses that carry tokens must not be cached. */
export function noStore(c: Context<AppEnv>): void {
  setHeader(c, 'Cache-Control', 'no-store')
  setHeader(c, 'Pragma', 'no-cache')
}
