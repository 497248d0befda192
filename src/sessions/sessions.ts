import type * as z from 'zod/mini'
import type { AuthOutcome } from '../cognito/client'
import { CognitoError, ignoreUserFaults, isWrongSecret } from '../cognito/errors'
import { decodePayload, identityFromIdToken, type Identity } from '../cognito/identity'
import { digest, type Sha256 } from '../encoding'
import type { Deps } from '../env'
import type { ChallengeResponse, TokenResponse } from '../responses'
import { InvalidToken, type Principal } from '../tokens/principal'
import { refreshTokenSealer, type RefreshTokenContents } from './refresh-token'
import { newSessionId } from './session-id'

export type TokenBody = z.infer<typeof TokenResponse>
export type ChallengeBody = z.infer<typeof ChallengeResponse>
/** What a sign-in step answers: tokens of a new session, or Cognito's next challenge. */
export type Grant = { kind: 'tokens'; body: TokenBody; sub: string } | { kind: 'challenge'; body: ChallengeBody }

/** Why the sessions module refused a request; the HTTP side answers each as invalid_grant. */
export class SessionRefused extends Error {
  override name = 'SessionRefused'
  constructor(
    readonly reason: 'refresh_token' | 'needs_challenge' | 'needs_mfa_code' | 'wrong_user',
    options?: { cause?: unknown },
  ) {
    super(reason, options)
  }
}

type SessionDeps = Pick<Deps, 'cognito' | 'tokens' | 'config' | 'revocations' | 'now' | 'log' | 'verifier' | 'sha256'>
type Tokens = Extract<AuthOutcome, { kind: 'tokens' }>

/** How a name of an account is kept in the store: exactly as Cognito spells it, hashed. */
export const nameDigest = (name: string, sha256?: Sha256) => digest(`name:${name}`, sha256)
/** How a typed name is counted: trimmed and lower-cased, so every spelling of it shares one count. */
export const typedNameDigest = (name: string, sha256?: Sha256) => digest(`typed:${name.trim().toLowerCase()}`, sha256)

/**
 * Sessions, owned in one place: a sign-in starts one (`sid`); every access and refresh token
 * belongs to one; ending one, ending all of a user's, and re-checking a password live here.
 * Ending a user's sessions never needs to sign in as the user: the store keeps the account's
 * `sub` for every name it signed in with, and a cut-off per user ends every session started
 * before it, to the millisecond.
 */
export function createSessions(deps: SessionDeps) {
  const sealer = refreshTokenSealer(deps.config.jwt.secret)
  // With the runtime's SHA-256 (the Node entry's is node:crypto's), every name's key is the same.
  const nameKey = (name: string) => nameDigest(name, deps.sha256)
  const nowSeconds = () => Math.floor(deps.now() / 1000)
  // Ended sessions and cut-offs are kept as long as any token of them could live.
  const sessionLifetime = () => nowSeconds() + Math.max(deps.config.jwt.ttlSeconds, deps.config.refreshTokenTtlSeconds)

  /** The token response (RFC 6749 §5.1) for what Cognito answered (its ID token already read into `identity`), in session `s`. */
  async function tokenBody(result: Tokens, identity: Identity, s: Omit<RefreshTokenContents, 'cognitoToken'>, cognitoRefreshToken: string | undefined): Promise<TokenBody> {
    // Signing and sealing at once: on Node each is a round trip to crypto's thread pool.
    const [accessToken, refreshToken] = await Promise.all([
      deps.config.tokenMode === 'cognito' ? result.accessToken : deps.tokens.issue(identity, s.sid).then((t) => t.token),
      cognitoRefreshToken ? sealer.wrap({ ...s, cognitoToken: cognitoRefreshToken }) : undefined,
    ])
    const body: TokenBody =
      deps.config.tokenMode === 'cognito'
        ? { access_token: accessToken, token_type: 'bearer', expires_in: result.expiresIn ?? secondsLeft(result.accessToken, deps.now) }
        : { access_token: accessToken, token_type: 'bearer', expires_in: deps.tokens.ttlSeconds }
    if (refreshToken) body.refresh_token = refreshToken
    return body
  }

  /** Starts a session for a sign-in that began at `since` (ms, taken before Cognito was asked). */
  async function start(result: Tokens, identity: ReturnType<typeof identityFromIdToken>, since: number): Promise<TokenBody> {
    // In cognito mode the session is Cognito's own sign-in, which its access tokens name in origin_jti.
    const originJti = deps.config.tokenMode === 'cognito' ? (decodePayload(result.accessToken) as { origin_jti?: unknown } | undefined)?.origin_jti : undefined
    const sid = typeof originJti === 'string' && originJti ? originJti : newSessionId(since)
    // The names Cognito vouches for, exactly as it spells them: the verified address, its username,
    // the sub. Never what was typed: another spelling may be another account (a case-sensitive pool).
    const names = new Set([identity.email, identity.cognitoUsername, identity.sub].filter((n): n is string => !!n))
    // Remembered before the tokens are handed out (a failing store fails the sign-in), made meanwhile.
    const [, body] = await Promise.all([
      Promise.all([...names].map(nameKey)).then((digests) => deps.revocations.rememberAccount(digests, identity.sub, sessionLifetime())),
      tokenBody(result, identity, { sid, sub: identity.sub, cognitoUsername: identity.cognitoUsername, since }, result.refreshToken),
    ])
    return body
  }

  /** Cognito's answer to a sign-in step, as a grant: a session when it has tokens. */
  async function grant(outcome: AuthOutcome, since: number): Promise<Grant> {
    if (outcome.kind === 'challenge') {
      // USER_ID_FOR_SRP is Cognito's username (the sub in e-mail pools): a client of the password
      // flow has no use for it, and it would let a guesser name the account another way.
      const { USER_ID_FOR_SRP: _, ...parameters } = outcome.parameters
      return { kind: 'challenge', body: { challenge_name: outcome.challengeName, session: outcome.session, parameters } }
    }
    const identity = identityFromIdToken(outcome.idToken)
    return { kind: 'tokens', body: await start(outcome, identity, since), sub: identity.sub }
  }

  /** Ends every session of `sub` started until now, but `keepSid`'s. */
  async function endAll(sub: string, keepSid?: string): Promise<void> {
    await deps.revocations.cutOff(sub, deps.now(), sessionLifetime(), keepSid)
  }

  /**
   * Ends the session of `principal` (and, when given, the session of the refresh token, if it
   * is the same user's): here first, so that a Cognito that fails cannot keep it alive, then at
   * Cognito. A Cognito token that names no session can only be signed out with all the others:
   * GlobalSignOut, and every session of the user here too. Ending twice is harmless.
   */
  async function signOut(principal: Principal, bearerToken: string, refreshToken?: string): Promise<void> {
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
  }

  return {
    /** The password grant (RFC 6749 §4.3), shared by /signin, /token and sign-up. */
    async signIn(username: string, password: string): Promise<Grant> {
      const since = deps.now()
      return grant(await deps.cognito.passwordAuth(username, password), since)
    },

    /** Answers a challenge of Cognito's (NEW_PASSWORD_REQUIRED, MFA). */
    async answerChallenge(input: { username: string; challengeName: string; session: string; responses: Record<string, string> }): Promise<Grant> {
      const since = deps.now()
      return grant(await deps.cognito.respondToChallenge(input), since)
    },

    /**
     * The refresh grant (RFC 6749 §6): one unseal, one store read, then Cognito's
     * REFRESH_TOKEN_AUTH, so a user disabled or signed out at Cognito cannot refresh either.
     */
    async refresh(refreshToken: string): Promise<TokenBody> {
      const s = await sealer.unwrap(refreshToken)
      // A session lives REFRESH_TOKEN_TTL_SECONDS at most, whatever Cognito's own setting: what
      // this service remembers of ended sessions lives that long, and no longer.
      if (!s || deps.now() - s.since > deps.config.refreshTokenTtlSeconds * 1000 || (await deps.revocations.isEnded(s))) {
        throw new SessionRefused('refresh_token')
      }
      // Refused by Cognito (signed out there, the user disabled or gone): refused as ours are, not
      // with the sign-in's "Incorrect username or password.", since no password was sent.
      const outcome = await deps.cognito.refreshAuth(s.cognitoToken, s.cognitoUsername).catch((err: unknown) => {
        throw isWrongSecret(err) ? new SessionRefused('refresh_token', { cause: err }) : err
      })
      // Cognito never answers a refresh with a challenge; if it does, it is not an answer we can use.
      if (outcome.kind !== 'tokens') throw new CognitoError('InitiateAuth', { kind: 'malformed', status: 200 })
      const identity = identityFromIdToken(outcome.idToken)
      if (identity.sub !== s.sub) throw new SessionRefused('refresh_token')
      // Without rotation Cognito returns no new refresh token, and the client keeps its own (§6).
      return tokenBody(outcome, identity, s, outcome.refreshToken)
    },

    signOut,

    endAll,

    /**
     * RFC 7009 revocation: a refresh token or an access token of ours ends its session, as sign-out
     * does. Anything else (unknown, expired, garbage, another user's token already ended) changes
     * nothing and is no error: the client learns nothing about the token it sent.
     */
    async revoke(token: string, hint?: string): Promise<void> {
      const asRefresh = async () => {
        const s = await sealer.unwrap(token)
        if (!s) return false
        await deps.revocations.endSession(s.sid, sessionLifetime())
        await ignoreUserFaults(deps.cognito.revokeToken(s.cognitoToken))
        // Stryker disable next-line BooleanLiteral: the access-token look that would follow refuses a sealed token before any I/O and does nothing
        return true
      }
      const asAccess = async () => {
        let principal: Principal
        try {
          principal = await deps.verifier.verify(token)
        } catch (err) {
          if (err instanceof InvalidToken) return false
          throw err
        }
        await signOut(principal, token)
        // Stryker disable next-line BooleanLiteral: the refresh-token look that would follow finds no sealed token in a JWT and does nothing
        return true
      }
      // §2.1: the hint says where to look first; a wrong one only costs the other look.
      // A refresh token never verifies as an access token, nor does an access token unseal, and neither look does I/O for the other kind.
      // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: the order changes no outcome, only which look comes first
      const order = hint === 'access_token' ? [asAccess, asRefresh] : [asRefresh, asAccess]
      for (const attempt of order) if (await attempt()) return
    },

    /**
     * Every session of the account whose password was just reset. Cognito says which account that
     * is: a sign-in with the new password answers its `sub` (an ID token) or, for a user with MFA,
     * its username (USER_ID_FOR_SRP of the challenge; the sub in e-mail pools). Only if Cognito
     * cannot be asked does the name as remembered at sign-in stand in.
     */
    async endAllAfterReset(username: string, newPassword: string): Promise<void> {
      let sub: string | undefined
      try {
        const outcome = await deps.cognito.passwordAuth(username, newPassword)
        if (outcome.kind === 'tokens') {
          sub = identityFromIdToken(outcome.idToken).sub
          if (outcome.refreshToken) await discard(deps, outcome.refreshToken)
        } else if (outcome.parameters.USER_ID_FOR_SRP) {
          const id = outcome.parameters.USER_ID_FOR_SRP
          sub = (await deps.revocations.accountOf(await nameKey(id))) ?? id
        }
      } catch (err) {
        deps.log({ level: 'warn', msg: 'could not ask Cognito whose password was reset', error: err instanceof Error ? err.message : 'unknown' })
      }
      sub ??= await deps.revocations.accountOf(await nameKey(username))
      if (sub) await endAll(sub)
      // With AWS credentials, Cognito ends its own sessions of the user too.
      if (deps.cognito.canAdmin) await ignoreUserFaults(deps.cognito.adminUserGlobalSignOut(username))
    },

    /** The account (`sub`) a typed name was last seen signing in as, if any. */
    accountOf: async (username: string) => deps.revocations.accountOf(await nameKey(username)),

    /** How the attempts of a typed name are counted (typedNameDigest, with this runtime's SHA-256). */
    typedNameDigest: (name: string) => typedNameDigest(name, deps.sha256),

    /**
     * Checks the password of the signed-in user again, by signing in at Cognito as that user
     * (in e-mail pools, as the service's sign-up makes them, Cognito's username is the `sub`),
     * and for an account with an authenticator app, the app's current code too (`mfaCode`), as
     * its sign-in asks. Hands Cognito's access token to `use` (ChangePassword and DeleteUser need
     * one), then drops that temporary Cognito session, which never reaches anyone.
     */
    async withPasswordChecked<T>(principal: Principal, password: string, mfaCode: string | undefined, use: (cognitoAccessToken: string) => Promise<T>): Promise<T> {
      let outcome = await deps.cognito.passwordAuth(principal.sub, password)
      if (outcome.kind === 'challenge' && outcome.challengeName === 'SOFTWARE_TOKEN_MFA') {
        if (mfaCode === undefined) throw new SessionRefused('needs_mfa_code')
        outcome = await deps.cognito.respondToChallenge({ username: principal.sub, challengeName: outcome.challengeName, session: outcome.session, responses: { SOFTWARE_TOKEN_MFA_CODE: mfaCode } })
      }
      // Any other challenge (SMS, a new password) cannot be answered in one request.
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
    // A deleted user's token is gone with the user: nothing to say about that.
    await ignoreUserFaults(deps.cognito.revokeToken(refreshToken))
  } catch (err) {
    deps.log({ level: 'warn', msg: 'could not revoke a temporary Cognito session', error: err instanceof Error ? err.message : 'unknown' })
  }
}

function secondsLeft(jwt: string, now: () => number): number {
  const exp = (decodePayload(jwt) as { exp?: unknown } | undefined)?.exp
  if (typeof exp !== 'number') throw new CognitoError('InitiateAuth', { kind: 'malformed', status: 200 })
  return Math.max(0, exp - Math.floor(now() / 1000))
}
