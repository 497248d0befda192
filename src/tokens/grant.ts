import type { Context } from 'hono'
import { identityFromIdToken } from '../cognito/identity'
import type { Deps } from '../env'

export type TokenBody = { access_token: string; token_type: 'bearer'; expires_in: number; refresh_token?: string }
export type ChallengeBody = { challenge_name: string; session: string; parameters: Record<string, string> }
export type Grant = { kind: 'tokens'; body: TokenBody } | { kind: 'challenge'; body: ChallengeBody }

/**
 * The password grant (RFC 6749 §4.3) shared by /signin, /token and sign-up: Cognito checks the
 * password, the service signs its own access token, and the refresh token stays Cognito's.
 */
export async function passwordGrant(deps: Pick<Deps, 'cognito' | 'tokens'>, username: string, password: string): Promise<Grant> {
  const outcome = await deps.cognito.passwordAuth(username, password)
  if (outcome.kind === 'challenge') {
    return {
      kind: 'challenge',
      body: { challenge_name: outcome.challengeName, session: outcome.session, parameters: outcome.parameters },
    }
  }
  const { token } = await deps.tokens.issue(identityFromIdToken(outcome.idToken))
  const body: TokenBody = { access_token: token, token_type: 'bearer', expires_in: deps.tokens.ttlSeconds }
  if (outcome.refreshToken) body.refresh_token = outcome.refreshToken
  return { kind: 'tokens', body }
}

/** RFC 6749 §5.1: responses that carry tokens must not be cached. */
export function noStore(c: Context): void {
  c.header('Cache-Control', 'no-store')
  c.header('Pragma', 'no-cache')
}
