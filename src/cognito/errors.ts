import { ApiError } from '../http/errors'

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

/** Reads Cognito's error type from `__type`, dropping any `namespace#` prefix and `:` suffix. */
export function parseErrorType(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const raw = (body as Record<string, unknown>).__type
  if (typeof raw !== 'string') return undefined
  return raw.slice(raw.lastIndexOf('#') + 1).split(':')[0]
}

/** Turns an error answer of Cognito into a failure. */
export function classifyErrorAnswer(status: number, body: unknown): CognitoFailure {
  const type = parseErrorType(body)
  if (type === undefined) return status >= 500 ? { kind: 'unrecognized', status } : { kind: 'malformed', status }
  if (KNOWN.includes(type)) return { kind: 'rejected', type: type as CognitoErrorType }
  return { kind: 'unrecognized', status, type }
}

/** Whether a failure is worth alerting an operator about: our setup, not the user's input. */
export function isMisconfiguration(f: CognitoFailure): boolean {
  return f.kind === 'rejected' && (OUR_CONFIG as readonly string[]).includes(f.type)
}

const WRONG_CREDENTIALS = 'Incorrect username or password.'

/**
 * Maps a Cognito failure to API.md's error table: the one place where that happens.
 * The same Cognito type can mean different things per operation (NotAuthorized at sign-in is a
 * wrong password, at confirm a code that cannot confirm this user).
 */
export function toApiError(err: CognitoError): ApiError {
  const f = err.failure
  const cause = { cause: err }
  switch (f.kind) {
    case 'timeout':
      return new ApiError('upstream_timeout', 'The user directory did not answer in time.', cause)
    case 'unreachable':
    case 'unrecognized':
    case 'malformed':
      return new ApiError('upstream_error', 'The user directory could not be reached or answered badly.', cause)
    case 'rejected':
      return fromType(err.operation, f.type, cause)
  }
}

function fromType(op: Operation, type: CognitoErrorType, cause: { cause: unknown }): ApiError {
  switch (type) {
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
    case 'PasswordResetRequiredException':
      if (op === 'ConfirmSignUp' || op === 'ConfirmForgotPassword') return new ApiError('invalid_code', 'The confirmation code is not valid for this user.', cause)
      if (op === 'InitiateAuth') return new ApiError('invalid_grant', WRONG_CREDENTIALS, cause)
      if (op === 'RespondToAuthChallenge') return new ApiError('invalid_grant', 'The challenge session is invalid or has expired; sign in again.', cause)
      return new ApiError('invalid_grant', 'The token or credentials were refused.', cause)
    case 'InvalidPasswordException':
      // cognito-local answers a wrong password at sign-in with InvalidPasswordException.
      if (op === 'InitiateAuth') return new ApiError('invalid_grant', WRONG_CREDENTIALS, cause)
      return new ApiError('invalid_password', 'The password does not meet the password policy.', cause)
    case 'PasswordHistoryPolicyViolationException':
      return new ApiError('invalid_password', 'The password was used recently; choose another.', cause)
    case 'UsernameExistsException':
    case 'AliasExistsException':
      return new ApiError('username_exists', 'Username already exists', cause)
    case 'CodeMismatchException':
      return new ApiError('invalid_code', 'Invalid confirmation code', cause)
    case 'ExpiredCodeException':
      return new ApiError('expired_code', 'The confirmation code has expired or was already used.', cause)
    case 'UserNotConfirmedException':
      return new ApiError('user_not_confirmed', 'The user has not confirmed the account yet.', cause)
    case 'InvalidParameterException':
    case 'UserLambdaValidationException':
    case 'UnsupportedTokenTypeException':
      return new ApiError('invalid_request', 'The user directory refused the request parameters.', cause)
    case 'TooManyRequestsException':
    case 'LimitExceededException':
    case 'TooManyFailedAttemptsException':
      return new ApiError('too_many_requests', 'Too many attempts; try again later.', { ...cause, headers: { 'Retry-After': '30' } })
    case 'ResourceNotFoundException':
    case 'InvalidUserPoolConfigurationException':
    case 'InvalidLambdaResponseException':
    case 'UnexpectedLambdaException':
    case 'OperationNotEnabledException':
    case 'UnsupportedOperationException':
    case 'InvalidSmsRoleAccessPolicyException':
    case 'InvalidSmsRoleTrustRelationshipException':
    case 'InvalidEmailRoleAccessPolicyException':
    case 'UnauthorizedException':
      return new ApiError('server_misconfigured', 'The service is misconfigured; the operator has been told.', cause)
  }
}
