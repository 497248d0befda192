import type * as z from 'zod/mini'
import type { AuthOutcome } from '../cognito/client'
import { CognitoError, ignoreUserFaults } from '../cognito/errors'
import { decodePayload, identityFromIdToken } from '../cognito/identity'
import { digest } from '../encoding'
import type { Deps } from '../env'
import type { ChallengeResponse, TokenResponse } from '../schemas'
import type { Principal } from '../tokens/principal'
import { refreshTokenSealer, type RefreshTokenContents } from './refresh-token'
import { newSessionId } from './session-id'

export type TokenBody = z.infer<typeof TokenResponse>
export type ChallengeBody = z.infer<typeof ChallengeResponse>
/** What a sign-in step answers: tokens of a new session, or Cognito's next challenge. */
export type Grant = { kind: 'tokens'; body: TokenBody } | { kind: 'challenge'; body: ChallengeBody }

/** Why the sessions module refused a request; the HTTP side answers each as invalid_grant. */
export class SessionRefused extends Error {
  override name = 'SessionRefused'
  constructor(readonly reason: 'refresh_token' | 'needs_challenge' | 'wrong_user') {
    super(reason)
  }
}

type SessionDeps = Pick<Deps, 'cognito' | 'tokens' | 'config' | 'revocations' | 'now' | 'log'>
type Tokens = Extract<AuthOutcome, { kind: 'tokens' }>

/** How a name a user typed is kept: trimmed, lower-cased (Cognito's usernames ignore case), hashed. */
export const nameDigest = (name: string) => digest(`name:${name.trim().toLowerCase()}`)

/**
 * Sessions, owned in one place: a sign-in starts one (`sid`); every access and refresh token
 * belongs to one; ending one, ending all of a user's, and re-checking a password live here.
 * Ending a user's sessions never needs to sign in as the user: the store keeps the account's
 * `sub` for every name it signed in with, and a cut-off per user ends every session started
 * before it, to the millisecond.
 */
export function createSessions(deps: SessionDeps) {
  const sealer = refreshTokenSealer(deps.config.jwt.secret)
  const nowSeconds = () => Math.floor(deps.now() / 1000)
  // Ended sessions and cut-offs are kept as long as any token of them could live.
  const sessionLifetime = () => nowSeconds() + Math.max(deps.config.jwt.ttlSeconds, deps.config.refreshTokenTtlSeconds)

  /** The token response (RFC 6749 §5.1) for what Cognito answered, in session `s`. */
  async function tokenBody(result: Tokens, s: Omit<RefreshTokenContents, 'cognitoToken'>, cognitoRefreshToken: string | undefined): Promise<TokenBody> {
    const body: TokenBody =
      deps.config.tokenMode === 'cognito'
        ? { access_token: result.accessToken, token_type: 'bearer', expires_in: result.expiresIn ?? secondsLeft(result.accessToken, deps.now) }
        : { access_token: (await deps.tokens.issue(identityFromIdToken(result.idToken), s.sid)).token, token_type: 'bearer', expires_in: deps.tokens.ttlSeconds }
    if (cognitoRefreshToken) body.refresh_token = await sealer.wrap({ ...s, cognitoToken: cognitoRefreshToken })
    return body
  }

  /** Starts a session for a sign-in that began at `since` (ms, taken before Cognito was asked) with the name typed. */
  async function start(result: Tokens, since: number, typedName: string): Promise<TokenBody> {
    const identity = identityFromIdToken(result.idToken)
    // In cognito mode the session is Cognito's own sign-in, which its access tokens name in origin_jti.
    const originJti = deps.config.tokenMode === 'cognito' ? (decodePayload(result.accessToken) as { origin_jti?: unknown } | undefined)?.origin_jti : undefined
    const sid = typeof originJti === 'string' && originJti ? originJti : newSessionId(since)
    // Every name that reaches this account: what was typed, the verified address, Cognito's username, the sub.
    const names = new Set([typedName, identity.email, identity.cognitoUsername, identity.sub].filter((n): n is string => !!n))
    await deps.revocations.rememberAccount(await Promise.all([...names].map(nameDigest)), identity.sub, sessionLifetime())
    return tokenBody(result, { sid, sub: identity.sub, cognitoUsername: identity.cognitoUsername, since }, result.refreshToken)
  }

  /** Cognito's answer to a sign-in step, as a grant: a session when it has tokens. */
  async function grant(outcome: AuthOutcome, since: number, typedName: string): Promise<Grant> {
    if (outcome.kind === 'challenge') {
      return { kind: 'challenge', body: { challenge_name: outcome.challengeName, session: outcome.session, parameters: outcome.parameters } }
    }
    return { kind: 'tokens', body: await start(outcome, since, typedName) }
  }

  /** Ends every session of `sub` started until now, but `keepSid`'s. */
  async function endAll(sub: string, keepSid?: string): Promise<void> {
    await deps.revocations.cutOff(sub, deps.now(), sessionLifetime(), keepSid)
  }

  return {
    /** The password grant (RFC 6749 §4.3), shared by /signin, /token and sign-up. */
    async signIn(username: string, password: string): Promise<Grant> {
      const since = deps.now()
      return grant(await deps.cognito.passwordAuth(username, password), since, username)
    },

    /** Answers a challenge of Cognito's (NEW_PASSWORD_REQUIRED, MFA). */
    async answerChallenge(input: { username: string; challengeName: string; session: string; responses: Record<string, string> }): Promise<Grant> {
      const since = deps.now()
      return grant(await deps.cognito.respondToChallenge(input), since, input.username)
    },

    /**
     * The refresh grant (RFC 6749 §6): one unseal, one store read, then Cognito's
     * REFRESH_TOKEN_AUTH, so a user disabled or signed out at Cognito cannot refresh either.
     */
    async refresh(refreshToken: string): Promise<TokenBody> {
      const s = await sealer.unwrap(refreshToken)
      if (!s || (await deps.revocations.isEnded(s))) throw new SessionRefused('refresh_token')
      const outcome = await deps.cognito.refreshAuth(s.cognitoToken, s.cognitoUsername)
      // Cognito never answers a refresh with a challenge; if it does, it is not an answer we can use.
      if (outcome.kind !== 'tokens') throw new CognitoError('InitiateAuth', { kind: 'malformed', status: 200 })
      if (identityFromIdToken(outcome.idToken).sub !== s.sub) throw new SessionRefused('refresh_token')
      // Without rotation Cognito returns no new refresh token, and the client keeps its own (§6).
      return tokenBody(outcome, s, outcome.refreshToken)
    },

    /**
     * Ends the session of `principal` (and, when given, the session of the refresh token, if it
     * is the same user's): here first, so that a Cognito that fails cannot keep it alive, then at
     * Cognito. A Cognito token that names no session can only be signed out with all the others:
     * GlobalSignOut, and every session of the user here too. Ending twice is harmless.
     */
    async signOut(principal: Principal, bearerToken: string, refreshToken?: string): Promise<void> {
      const other = refreshToken ? await sealer.unwrap(refreshToken) : undefined
      const mine = other?.sub === principal.sub ? other : undefined
      if (mine) await deps.revocations.endSession(mine.sid, sessionLifetime())
      if (principal.sid) {
        await deps.revocations.endSession(principal.sid, sessionLifetime())
      } else {
        await endAll(principal.sub)
        await ignoreUserFaults(deps.cognito.globalSignOut(bearerToken))
      }
      if (mine) await ignoreUserFaults(deps.cognito.revokeToken(mine.cognitoToken))
    },

    endAll,

    /** Every session of the account a name stands for, after a password reset: none needs signing in. */
    async endAllOf(username: string): Promise<void> {
      const sub = await deps.revocations.accountOf(await nameDigest(username))
      if (sub) await endAll(sub)
      // With AWS credentials, Cognito ends its own sessions of the user too.
      if (deps.cognito.canAdmin) await ignoreUserFaults(deps.cognito.adminUserGlobalSignOut(username))
    },

    /** The account (`sub`) a typed name was last seen signing in as, if any. */
    accountOf: async (username: string) => deps.revocations.accountOf(await nameDigest(username)),

    /**
     * Checks the password of the signed-in user again, by signing in at Cognito as that user
     * (in e-mail pools, as the service's sign-up makes them, Cognito's username is the `sub`).
     * Hands Cognito's access token to `use` (ChangePassword and DeleteUser need one), then drops
     * that temporary Cognito session, which never reaches anyone.
     */
    async withPasswordChecked<T>(principal: Principal, password: string, use: (cognitoAccessToken: string) => Promise<T>): Promise<T> {
      const outcome = await deps.cognito.passwordAuth(principal.sub, password)
      if (outcome.kind !== 'tokens' || !outcome.refreshToken) throw new SessionRefused('needs_challenge')
      try {
        if (identityFromIdToken(outcome.idToken).sub !== principal.sub) throw new SessionRefused('wrong_user')
        return await use(outcome.accessToken)
      } finally {
        await discard(deps, outcome.refreshToken)
      }
    },
  }
}

export type Sessions = ReturnType<typeof createSessions>

/** Drops a temporary Cognito session: logged, never thrown, as its refresh token was never handed out. */
async function discard(deps: Pick<Deps, 'cognito' | 'log'>, refreshToken: string): Promise<void> {
  try {
    await deps.cognito.revokeToken(refreshToken)
  } catch (err) {
    deps.log({ level: 'warn', msg: 'could not revoke a temporary Cognito session', error: err instanceof Error ? err.message : 'unknown' })
  }
}

function secondsLeft(jwt: string, now: () => number): number {
  const exp = (decodePayload(jwt) as { exp?: unknown } | undefined)?.exp
  if (typeof exp !== 'number') throw new CognitoError('InitiateAuth', { kind: 'malformed', status: 200 })
  return Math.max(0, exp - Math.floor(now() / 1000))
}
