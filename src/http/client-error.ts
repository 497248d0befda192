import { HTTPException } from 'hono/http-exception'
import { CognitoError, isMisconfiguration } from '../cognito/errors'
import type { Logger } from '../env'
import { UpstreamFailed } from '../gateway/forward'
import { SessionRefused } from '../sessions/sessions'
import { StoreUnavailable } from '../stores/revocations'
import { cognitoToApiError } from './cognito-errors'
import { ApiError } from './errors'

/** Said of a body that broke off on the way in (its client went away, or sent a chunk that is none). */
export const UNREADABLE_BODY = 'The request body could not be read.'

const REFUSALS: Record<SessionRefused['reason'], string> = {
  refresh_token: 'The refresh token is invalid, expired or revoked.',
  needs_challenge: 'This account needs a challenge to sign in; complete it through /signin first.',
  needs_mfa_code: 'This account has MFA: send mfa_code, the current code of its authenticator app.',
  wrong_user: 'Incorrect username or password.',
}

/**
 * Every error becomes one of API.md's; details that could help an attacker stay in the log. The
 * one mapping, for the app's error handler and for bearerAuth in an app of one's own.
 */
export function toClientError(err: Error, log: Logger, requestId: string | undefined): ApiError {
  if (err instanceof ApiError) return err
  if (err instanceof CognitoError) {
    const apiError = cognitoToApiError(err)
    if (isMisconfiguration(err.failure) || apiError.status >= 500) {
      log({ level: 'error', request_id: requestId, msg: err.message, operation: err.operation, failure: err.failure.kind })
    }
    return apiError
  }
  if (err instanceof SessionRefused) return new ApiError('invalid_grant', REFUSALS[err.reason], { cause: err })
  if (err instanceof StoreUnavailable) {
    log({ level: 'error', request_id: requestId, msg: err.message })
    return new ApiError('upstream_error', 'A store the service depends on could not be reached.', { cause: err })
  }
  // The client's fault, and no one left to answer: logged as the 400 it is, never as an outage.
  if (err instanceof UpstreamFailed && err.kind === 'client_gone') return new ApiError('invalid_request', UNREADABLE_BODY, { cause: err })
  if (err instanceof UpstreamFailed) {
    log({ level: 'error', request_id: requestId, msg: err.message })
    return err.kind === 'timeout'
      ? new ApiError('upstream_timeout', 'The protected API did not answer in time.', { cause: err })
      : new ApiError('upstream_error', 'The protected API could not be reached.', { cause: err })
  }
  if (err instanceof HTTPException && err.status === 400) {
    // hono's validator: a body that is not JSON or not a form.
    return new ApiError('invalid_request', 'The request body could not be parsed.', { cause: err })
  }
  log({ level: 'error', request_id: requestId, msg: 'unhandled error', error: err.name })
  return new ApiError('server_error', 'Something went wrong on our side.', { cause: err })
}
