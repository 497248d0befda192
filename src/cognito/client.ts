import { AwsV4Signer } from 'aws4fetch'
import * as z from 'zod/mini'
import type { Config } from '../config'
import { deadline } from '../deadline'
import { classifyErrorAnswer, CognitoError, type CognitoFailure, type Operation } from './errors'
import { secretHash } from './secret-hash'

/** Cognito's answer to a sign-in: tokens, or a challenge to answer first. */
export type AuthOutcome =
  | { kind: 'tokens'; accessToken: string; idToken: string; refreshToken?: string; expiresIn?: number }
  | { kind: 'challenge'; challengeName: string; session: string; parameters: Record<string, string> }

export type SignUpResult = {
  userSub: string
  userConfirmed: boolean
  codeDelivery?: { destination: string; medium: string; attribute: string }
}

export type CognitoClient = ReturnType<typeof createCognitoClient>

// Success answers are checked before use: a malformed one must never become a token (fail closed).
// (Checked by hand where zod's schema kind would cost the Worker half a KiB gzip: npm run size.)
/** Names to strings, whatever the names: Cognito's challenge parameters. */
const StringMap = z.custom<Record<string, string>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'),
)
const SignUpAnswer = z.object({
  UserSub: z.string().check(z.minLength(1)),
  UserConfirmed: z.boolean(),
  CodeDeliveryDetails: z.optional(z.object({ Destination: z.optional(z.string()), DeliveryMedium: z.optional(z.string()), AttributeName: z.optional(z.string()) })),
})
const AuthAnswer = z.union([
  z.object({
    AuthenticationResult: z.object({
      AccessToken: z.string().check(z.minLength(1)),
      IdToken: z.string().check(z.minLength(1)),
      RefreshToken: z.optional(z.string().check(z.minLength(1))),
      ExpiresIn: z.optional(z.number()),
    }),
  }),
  z.object({
    ChallengeName: z.string().check(z.minLength(1)),
    Session: z.string().check(z.minLength(1)),
    ChallengeParameters: z._default(StringMap, {}),
  }),
])
const Empty = z.object({})
// Answers whose content the service does not use (it answers alike whatever Cognito delivered).
const Passthrough = z.looseObject({})
const GetUserAnswer = z.object({
  Username: z.string(),
  UserAttributes: z.array(z.object({ Name: z.string(), Value: z.string() })),
})

type Deps = { fetch?: typeof fetch; random?: () => number }

const MAX_ATTEMPTS = 3
const RETRY_BASE_MS = 50
// Operations whose repetition cannot change the outcome: not SignUp (the first may have created
// the user) nor ConfirmSignUp (the first may have used the code).
const SAFE_TO_REPEAT = new Set<Operation>(['InitiateAuth', 'RevokeToken', 'GlobalSignOut', 'AdminUserGlobalSignOut', 'GetUser'])

/** Cognito was busy or failing: a 5xx, or throttling. */
const isBusy = (f: CognitoFailure) =>
  (f.kind === 'unrecognized' && f.status >= 500) ||
  (f.kind === 'rejected' && (f.type === 'TooManyRequestsException' || f.type === 'LimitExceededException'))

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    // done() removes this listener itself, whichever comes first.
    signal.addEventListener('abort', done)
    function done() {
      clearTimeout(timer)
      // Stryker disable next-line StringLiteral: a listener left on this call's signal only runs done() again: a spent timer, a settled promise
      signal.removeEventListener('abort', done)
      resolve()
    }
  })

/**
 * A client for the handful of Cognito user-pool operations the service needs, over Cognito's
 * JSON protocol (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/).
 * Calls are SigV4-signed with aws4fetch when credentials are configured, plain fetch otherwise;
 * every call has a timeout and every failure becomes a CognitoError.
 */
export function createCognitoClient(config: Config['cognito'], deps: Deps = {}) {
  const doFetch = deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const random = deps.random ?? Math.random
  // aws4fetch's signer alone: its AwsClient adds a fetch with retries, and retry policy belongs to
  // us (call() below). The cache keeps the signing keys derived for each day, as AwsClient would.
  const signer = config.credentials
    ? { ...config.credentials, service: 'cognito-idp', region: config.region, cache: new Map<string, ArrayBuffer>() }
    : undefined
  const url = `${config.endpoint}/`

  /**
   * One operation, within one deadline (the configured timeout) however many attempts it takes.
   * Retried only where repeating is harmless, only when Cognito was busy (5xx, throttling),
   * at most twice, after a jittered pause (full jitter, https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
   */
  async function call<T>(op: Operation, payload: object, answer: z.ZodMiniType<T>): Promise<T> {
    const { signal, clear } = deadline(config.timeoutMs)
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await attemptOnce(op, payload, answer, signal)
        } catch (err) {
          if (!(err instanceof CognitoError) || attempt >= MAX_ATTEMPTS || !SAFE_TO_REPEAT.has(op) || !isBusy(err.failure)) throw err
          await pause(random() * RETRY_BASE_MS * 2 ** attempt, signal)
          if (signal.aborted) throw new CognitoError(op, { kind: 'timeout' }, { cause: err })
        }
      }
    } finally {
      clear()
    }
  }

  async function attemptOnce<T>(op: Operation, payload: object, answer: z.ZodMiniType<T>, signal: AbortSignal): Promise<T> {
    const requestBody = JSON.stringify(payload)
    let headers: HeadersInit = {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AWSCognitoIdentityProviderService.${op}`,
    }
    let status = 0
    let errorType: string | null = null
    let text: string
    try {
      // Stryker disable next-line StringLiteral: aws4fetch signs an empty method as POST when there is a body (always here)
      if (signer) headers = (await new AwsV4Signer({ ...signer, url, method: 'POST', headers, body: requestBody }).sign()).headers
      // fetch(url, init), never fetch(aRequest): undici follows a Request's signal through a weak
      // reference, and once the Request is garbage-collected an abort no longer reaches the fetch
      // (seen here: calls to a Cognito that never answered hung past their deadline under load).
      const res = await doFetch(url, { method: 'POST', headers, body: requestBody, signal })
      status = res.status
      errorType = res.headers.get('x-amzn-ErrorType')
      text = await res.text()
    } catch (cause) {
      throw new CognitoError(op, signal.aborted ? { kind: 'timeout' } : { kind: 'unreachable' }, { cause })
    }
    let body: unknown
    try {
      body = text === '' ? {} : JSON.parse(text)
    } catch (cause) {
      throw new CognitoError(op, status >= 500 ? { kind: 'unrecognized', status } : { kind: 'malformed', status }, { cause })
    }
    if (status < 200 || status > 299) throw new CognitoError(op, classifyErrorAnswer(status, body, errorType))
    const parsed = answer.safeParse(body)
    if (!parsed.success) throw new CognitoError(op, { kind: 'malformed', status }, { cause: parsed.error })
    return parsed.data
  }

  const withSecretHash = async (username: string) =>
    config.clientSecret ? { SecretHash: await secretHash(config.clientSecret, username, config.clientId) } : {}

  return {
    /** SignUp with the e-mail as the username, as the original design did. */
    async signUp(input: { username: string; password: string; attributes: Record<string, string> }): Promise<SignUpResult> {
      const a = await call(
        'SignUp',
        {
          ClientId: config.clientId,
          Username: input.username,
          Password: input.password,
          UserAttributes: Object.entries(input.attributes).map(([Name, Value]) => ({ Name, Value })),
          ...(await withSecretHash(input.username)),
        },
        SignUpAnswer,
      )
      const d = a.CodeDeliveryDetails
      return {
        userSub: a.UserSub,
        userConfirmed: a.UserConfirmed,
        codeDelivery: d && { destination: d.Destination ?? '', medium: d.DeliveryMedium ?? '', attribute: d.AttributeName ?? '' },
      }
    },

    async confirmSignUp(username: string, code: string): Promise<void> {
      await call(
        'ConfirmSignUp',
        { ClientId: config.clientId, Username: username, ConfirmationCode: code, ...(await withSecretHash(username)) },
        Empty,
      )
    },

    /** USER_PASSWORD_AUTH: the password goes to Cognito over TLS; SRP would need a client-side library. */
    async passwordAuth(username: string, password: string): Promise<AuthOutcome> {
      const hash = await withSecretHash(username)
      const a = await call(
        'InitiateAuth',
        {
          ClientId: config.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: username, PASSWORD: password, ...(hash.SecretHash ? { SECRET_HASH: hash.SecretHash } : {}) },
        },
        AuthAnswer,
      )
      return toOutcome(a)
    },

    /**
     * REFRESH_TOKEN_AUTH. With a client secret, SECRET_HASH is computed over the user's Cognito
     * username (for e-mail pools, the `sub`), which the service keeps with the refresh token.
     */
    async refreshAuth(refreshToken: string, cognitoUsername: string): Promise<AuthOutcome> {
      const hash = await withSecretHash(cognitoUsername)
      const a = await call(
        'InitiateAuth',
        {
          ClientId: config.clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: {
            REFRESH_TOKEN: refreshToken,
            ...(hash.SecretHash ? { SECRET_HASH: hash.SecretHash, USERNAME: cognitoUsername } : {}),
          },
        },
        AuthAnswer,
      )
      return toOutcome(a)
    },

    /** GlobalSignOut with the user's own Cognito access token: every refresh token of the user stops working. */
    async globalSignOut(accessToken: string): Promise<void> {
      await call('GlobalSignOut', { AccessToken: accessToken }, Empty)
    },

    /** Whether admin operations (SigV4-signed) are available. */
    canAdmin: signer !== undefined,

    /** AdminUserGlobalSignOut (needs AWS credentials): ends every session of the user. */
    async adminUserGlobalSignOut(username: string): Promise<void> {
      if (!signer) throw new Error('AdminUserGlobalSignOut needs AWS credentials')
      await call('AdminUserGlobalSignOut', { UserPoolId: config.userPoolId, Username: username }, Empty)
    },

    /** GetUser with the user's Cognito access token: Cognito checks the token and answers the attributes. */
    async getUser(accessToken: string): Promise<Record<string, string>> {
      const a = await call('GetUser', { AccessToken: accessToken }, GetUserAnswer)
      return Object.fromEntries(a.UserAttributes.map((attr) => [attr.Name, attr.Value]))
    },

    /** ResendConfirmationCode: a new sign-up code for an unconfirmed user. */
    async resendConfirmationCode(username: string): Promise<void> {
      await call('ResendConfirmationCode', { ClientId: config.clientId, Username: username, ...(await withSecretHash(username)) }, Passthrough)
    },

    /** ForgotPassword: Cognito sends a code to reset the password with. */
    async forgotPassword(username: string): Promise<void> {
      await call('ForgotPassword', { ClientId: config.clientId, Username: username, ...(await withSecretHash(username)) }, Passthrough)
    },

    /** ConfirmForgotPassword: the code and the new password. */
    async confirmForgotPassword(username: string, code: string, password: string): Promise<void> {
      await call(
        'ConfirmForgotPassword',
        { ClientId: config.clientId, Username: username, ConfirmationCode: code, Password: password, ...(await withSecretHash(username)) },
        Passthrough,
      )
    },

    /** ChangePassword with the user's own Cognito access token. */
    async changePassword(accessToken: string, previous: string, proposed: string): Promise<void> {
      await call('ChangePassword', { AccessToken: accessToken, PreviousPassword: previous, ProposedPassword: proposed }, Passthrough)
    },

    /** DeleteUser with the user's own Cognito access token. */
    async deleteUser(accessToken: string): Promise<void> {
      await call('DeleteUser', { AccessToken: accessToken }, Passthrough)
    },

    /** RespondToAuthChallenge: completes a sign-in that Cognito answered with a challenge. */
    async respondToChallenge(input: { username: string; challengeName: string; session: string; responses: Record<string, string> }): Promise<AuthOutcome> {
      const hash = await withSecretHash(input.username)
      const a = await call(
        'RespondToAuthChallenge',
        {
          ClientId: config.clientId,
          ChallengeName: input.challengeName,
          Session: input.session,
          ChallengeResponses: { ...input.responses, USERNAME: input.username, ...(hash.SecretHash ? { SECRET_HASH: hash.SecretHash } : {}) },
        },
        AuthAnswer,
      )
      return toOutcome(a)
    },

    /** RevokeToken (RFC 7009 in Cognito's terms): the refresh token and the tokens issued from it stop working. */
    async revokeToken(refreshToken: string): Promise<void> {
      await call(
        'RevokeToken',
        { ClientId: config.clientId, Token: refreshToken, ...(config.clientSecret ? { ClientSecret: config.clientSecret } : {}) },
        Empty,
      )
    },
  }
}

function toOutcome(a: z.infer<typeof AuthAnswer>): AuthOutcome {
  if ('AuthenticationResult' in a) {
    const r = a.AuthenticationResult
    return { kind: 'tokens', accessToken: r.AccessToken, idToken: r.IdToken, refreshToken: r.RefreshToken, expiresIn: r.ExpiresIn }
  }
  return { kind: 'challenge', challengeName: a.ChallengeName, session: a.Session, parameters: a.ChallengeParameters }
}
