import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { reply, setHeader } from './respond'

/** Every `error` code of API.md, with its HTTP status. */
const STATUS = {
  invalid_request: 400,
  invalid_grant: 400,
  unsupported_grant_type: 400,
  username_exists: 400,
  invalid_code: 400,
  expired_code: 400,
  invalid_password: 400,
  user_not_confirmed: 400,
  unauthorized: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  server_error: 500,
  server_misconfigured: 500,
  upstream_error: 502,
  upstream_timeout: 504,
} as const

export type ErrorCode = keyof typeof STATUS

export type ErrorBody = { error: ErrorCode; error_description: string; fields?: Record<string, string> }

/** An error the client is meant to see: a code of API.md, a description for people, and maybe headers. */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: (typeof STATUS)[ErrorCode]
  constructor(
    readonly code: ErrorCode,
    readonly description: string,
    readonly extra: { fields?: Record<string, string>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(`${code}: ${description}`, { cause: extra.cause })
    this.status = STATUS[code]
  }
}

/** The one builder of error responses: used by onError, validation hooks and middleware alike. */
export function errorResponse(c: Context<AppEnv>, err: ApiError): Response {
  const body: ErrorBody = { error: err.code, error_description: err.description }
  if (err.extra.fields) body.fields = err.extra.fields
  for (const [name, value] of Object.entries(err.extra.headers ?? {})) setHeader(c, name, value)
  // Errors can follow a request that carried credentials: never let a cache keep them.
  setHeader(c, 'Cache-Control', 'no-store')
  return reply(c, body, err.status)
}
