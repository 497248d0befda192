import { CognitoError } from '../cognito/errors'
import { identityFromIdToken } from '../cognito/identity'
import type { Deps } from '../env'
import { ApiError } from '../http/errors'

// Cognito refusals that only say something about the user or the token: a sign-out or an answer
// that must not tell whether a user exists goes on as if it had worked.
const USER_FAULTS = new Set(['NotAuthorizedException', 'InvalidParameterException', 'UnsupportedTokenTypeException', 'UserNotFoundException', 'UserNotConfirmedException'])

/** Awaits a Cognito call, ignoring refusals about the user or token; Cognito's own faults still count. */
export async function ignoreUserFaults(call: Promise<unknown>): Promise<void> {
  try {
    await call
  } catch (err) {
    const f = err instanceof CognitoError ? err.failure : undefined
    if (!(f?.kind === 'rejected' && USER_FAULTS.has(f.type))) throw err
  }
}

/** Where a code went, masked the way Cognito masks it, and derived from the username alone, so
 * that the answer is the same whether or not the user exists. */
export function maskedDelivery(username: string) {
  const [local = '', domain = ''] = username.split('@')
  return { destination: `${local.slice(0, 1)}***@${domain.slice(0, 1)}***`, medium: 'EMAIL', attribute: 'email' }
}

/**
 * Signs in with a password to check it again and get Cognito's own tokens for the user (which
 * ChangePassword and DeleteUser need). `expectedSub`, when given, must be who signed in.
 */
export async function signInForCognitoToken(deps: Pick<Deps, 'cognito'>, username: string, password: string, expectedSub?: string) {
  const outcome = await deps.cognito.passwordAuth(username, password)
  if (outcome.kind !== 'tokens' || !outcome.refreshToken) {
    throw new ApiError('invalid_grant', 'This account needs a challenge to sign in; complete it through /signin first.')
  }
  const identity = identityFromIdToken(outcome.idToken)
  if (expectedSub && identity.sub !== expectedSub) throw new ApiError('invalid_grant', 'Incorrect username or password.')
  return { accessToken: outcome.accessToken, refreshToken: outcome.refreshToken, sub: identity.sub }
}

/**
 * Drops the Cognito session that signInForCognitoToken opened. Its refresh token was never handed
 * to anyone, so a failure here changes nothing for the user: it is logged, never thrown, and the
 * token expires unused.
 */
export async function discardSession(deps: Pick<Deps, 'cognito' | 'log'>, refreshToken: string): Promise<void> {
  try {
    await deps.cognito.revokeToken(refreshToken)
  } catch (err) {
    deps.log({ level: 'warn', msg: 'could not revoke a temporary Cognito session', error: err instanceof Error ? err.message : 'unknown' })
  }
}

/**
 * Ends every sign-in of a user made before now: their access tokens, and their refresh tokens
 * here (by sign-in time) and at Cognito (AdminUserGlobalSignOut, with AWS credentials). The sub
 * comes from signing in once with the new password; that session is revoked at once.
 */
export async function endEarlierSessions(deps: Deps, username: string, password: string): Promise<void> {
  let sub: string | undefined
  try {
    const signedIn = await signInForCognitoToken(deps, username, password)
    sub = signedIn.sub
    await discardSession(deps, signedIn.refreshToken)
  } catch (err) {
    // A challenge (MFA) stands in the way: Cognito still ends the sessions below, when it can.
    if (!(err instanceof ApiError)) throw err
  }
  if (deps.cognito.canAdmin) await ignoreUserFaults(deps.cognito.adminUserGlobalSignOut(username))
  if (sub) await cutOff(deps, sub)
}

/**
 * Refuses every token of `sub` issued before this second (with `thisSecondToo`, up to its end),
 * for as long as any could live. A reset leaves this second alone, so that the user can sign in
 * again at once; a deleted account cannot, so nothing of this second survives it.
 */
export async function cutOff(deps: Pick<Deps, 'revocations' | 'now' | 'config'>, sub: string, thisSecondToo = false): Promise<void> {
  const nowSeconds = Math.floor(deps.now() / 1000)
  const longest = Math.max(deps.config.jwt.ttlSeconds, deps.config.refreshTokenTtlSeconds, 86_400)
  await deps.revocations.revokeSubject(sub, thisSecondToo ? nowSeconds + 1 : nowSeconds, nowSeconds + longest)
}
