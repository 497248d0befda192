/** The Cognito operations this service calls. */
export type Operation =
  | 'SignUp'
  | 'ConfirmSignUp'
  | 'InitiateAuth'
  | 'RevokeToken'
  | 'GlobalSignOut'
  | 'AdminUserGlobalSignOut'
  | 'GetUser'
  | 'ResendConfirmationCode'
  | 'ForgotPassword'
  | 'ConfirmForgotPassword'
  | 'ChangePassword'
  | 'DeleteUser'
  | 'RespondToAuthChallenge'
  | 'JWKS' // not an operation: the pool's signing keys, fetched for TOKEN_MODE=cognito

// Cognito's `__type` names that mean something to us, grouped as SECURITY.md classifies them.
const USER_FAULTS = [
  'InvalidParameterException',
  'InvalidPasswordException',
  'UsernameExistsException',
  'AliasExistsException',
  'CodeMismatchException',
  'ExpiredCodeException',
  'NotAuthorizedException',
  'UserNotFoundException',
  'UserNotConfirmedException',
  'PasswordResetRequiredException',
  'PasswordHistoryPolicyViolationException',
  'UserLambdaValidationException',
  'UnsupportedTokenTypeException',
] as const
const THROTTLING = ['TooManyRequestsException', 'LimitExceededException', 'TooManyFailedAttemptsException'] as const
const OUR_CONFIG = [
  'ResourceNotFoundException',
  'InvalidUserPoolConfigurationException',
  'InvalidLambdaResponseException',
  'UnexpectedLambdaException',
  'OperationNotEnabledException',
  'UnsupportedOperationException',
  'InvalidSmsRoleAccessPolicyException',
  'InvalidSmsRoleTrustRelationshipException',
  'InvalidEmailRoleAccessPolicyException',
  'UnauthorizedException',
] as const
const KNOWN: readonly string[] = [...USER_FAULTS, ...THROTTLING, ...OUR_CONFIG]

export type CognitoErrorType = (typeof USER_FAULTS)[number] | (typeof THROTTLING)[number] | (typeof OUR_CONFIG)[number]

/** Everything that can go wrong with one Cognito call, parsed once. */
export type CognitoFailure =
  | { kind: 'rejected'; type: CognitoErrorType } // Cognito said no, with a type we know
  | { kind: 'unrecognized'; status: number; type?: string } // 5xx, InternalErrorException, or a type we do not know
  | { kind: 'malformed'; status: number } // a body that is not JSON or not of the expected shape
  | { kind: 'unreachable' } // connection refused, DNS, reset
  | { kind: 'timeout' }

export class CognitoError extends Error {
  override name = 'CognitoError'
  constructor(
    readonly operation: Operation,
    readonly failure: CognitoFailure,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed: ${describe(failure)}`, options)
  }
}

function describe(f: CognitoFailure): string {
  switch (f.kind) {
    case 'rejected':
      return f.type
    case 'unrecognized':
      return `HTTP ${f.status} ${f.type ?? 'without a known type'}`
    case 'malformed':
      return `HTTP ${f.status} with a malformed body`
    case 'unreachable':
    case 'timeout':
      return f.kind
  }
}

/**
 * Reads Cognito's error type from the x-amzn-ErrorType header, else from `__type` (the AWS JSON
 * protocol's order: https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html#operation-error-serialization),
 * dropping any `namespace#` prefix and `:` suffix.
 */
export function parseErrorType(body: unknown, header?: string | null): string | undefined {
  const raw = header || (typeof body === 'object' && body !== null ? (body as Record<string, unknown>).__type : undefined)
  if (typeof raw !== 'string') return undefined
  return raw.slice(raw.lastIndexOf('#') + 1).split(':')[0]
}

/** Turns an error answer of Cognito into a failure. */
export function classifyErrorAnswer(status: number, body: unknown, headerType?: string | null): CognitoFailure {
  const type = parseErrorType(body, headerType)
  if (type === undefined) return status >= 500 ? { kind: 'unrecognized', status } : { kind: 'malformed', status }
  if (KNOWN.includes(type)) return { kind: 'rejected', type: type as CognitoErrorType }
  return { kind: 'unrecognized', status, type }
}

/** Whether a failure is worth alerting an operator about: our setup, not the user's input. */
export function isMisconfiguration(f: CognitoFailure): boolean {
  return f.kind === 'rejected' && (OUR_CONFIG as readonly string[]).includes(f.type)
}

// What a refusal says about the request, whatever operation it answered (SECURITY.md's classes).
const WRONG_SECRET = new Set<string>(['NotAuthorizedException', 'UserNotFoundException', 'CodeMismatchException', 'ExpiredCodeException', 'PasswordResetRequiredException'])
const ABOUT_THE_USER = new Set<string>(['NotAuthorizedException', 'InvalidParameterException', 'UnsupportedTokenTypeException', 'UserNotFoundException', 'UserNotConfirmedException'])

/**
 * Whether Cognito refused a secret the user typed: a password, an MFA code, a confirmation code
 * (or a user that does not exist, which must count the same). cognito-local answers a wrong
 * password at sign-in with InvalidPasswordException, which elsewhere means a weak new password.
 */
export function isWrongSecret(err: unknown): boolean {
  if (!(err instanceof CognitoError) || err.failure.kind !== 'rejected') return false
  const type = err.failure.type
  return WRONG_SECRET.has(type) || (type === 'InvalidPasswordException' && err.operation === 'InitiateAuth')
}

/** Whether Cognito refused something about the user or the token alone (not its own fault nor ours). */
function isAboutTheUser(err: unknown): boolean {
  return err instanceof CognitoError && err.failure.kind === 'rejected' && ABOUT_THE_USER.has(err.failure.type)
}

/** Awaits a Cognito call, ignoring refusals about the user or token: answers that must not tell whether a user exists go on as if it had worked. */
export async function ignoreUserFaults(call: Promise<unknown>): Promise<void> {
  try {
    await call
  } catch (err) {
    if (!isAboutTheUser(err)) throw err
  }
}
