import { CognitoError, type CognitoErrorType, type Operation } from '../cognito/errors'
import { ApiError } from './errors'

const WRONG_CREDENTIALS = 'Incorrect username or password.'
// One answer for every way a code can fail to confirm a user, whether or not the user exists
// (OWASP: no account enumeration): unknown user, wrong code, already confirmed, no verified address.
const WRONG_CODE = 'Invalid confirmation code.'
// An expired code too: only an existing account can have one (cognito-local also answers it for one already confirmed).
const CODE_REFUSALS = new Set<CognitoErrorType>(['NotAuthorizedException', 'UserNotFoundException', 'PasswordResetRequiredException', 'CodeMismatchException', 'ExpiredCodeException', 'InvalidParameterException', 'UserNotConfirmedException'])
// A challenge answer refused for any reason (wrong code, stale or made-up session, unknown user) answers alike.
const CHALLENGE_REFUSALS = new Set<CognitoErrorType>(['NotAuthorizedException', 'UserNotFoundException', 'CodeMismatchException', 'ExpiredCodeException', 'PasswordResetRequiredException'])
const CODE_CHECKS = new Set<Operation>(['ConfirmSignUp', 'ConfirmForgotPassword'])

/**
 * Maps a Cognito failure to API.md's error table: the one place where that happens.
 * The same Cognito type can mean different things per operation (NotAuthorized at sign-in is a
 * wrong password, at confirm a code that cannot confirm this user).
 */
export function cognitoToApiError(err: CognitoError): ApiError {
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
      if (CODE_CHECKS.has(err.operation) && CODE_REFUSALS.has(f.type)) return new ApiError('invalid_code', WRONG_CODE, cause)
      if (err.operation === 'RespondToAuthChallenge' && CHALLENGE_REFUSALS.has(f.type)) {
        return new ApiError('invalid_grant', 'The challenge answer was refused; sign in again if the session has expired.', cause)
      }
      return fromType(err.operation, f.type, cause)
  }
}

function fromType(op: Operation, type: CognitoErrorType, cause: { cause: unknown }): ApiError {
  switch (type) {
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
    case 'PasswordResetRequiredException':
      if (op === 'InitiateAuth') return new ApiError('invalid_grant', WRONG_CREDENTIALS, cause)
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
      return new ApiError('invalid_code', WRONG_CODE, cause)
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
