import * as z from 'zod/mini'

/** A response body's type, from the schema that documents it (what hc<AppType> sees). */
export type Body<T extends z.ZodMiniType> = z.infer<T>

// Request and response shapes of API.md: validation and the OpenAPI document both come from here.
// zod/mini, not zod: the same schemas at about half the Worker bytes (npm run size).

// Control characters (NUL included) and lone surrogates have no place in any field we forward.
const SAFE = /^[^\u0000-\u001f\u007f]*$/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Names a schema for the OpenAPI document (its components), with anything else it should say. */
const named = <T extends z.ZodMiniType>(schema: T, id: string, meta: Record<string, unknown> = {}): T => {
  z.globalRegistry.add(schema, { id, ...meta })
  return schema
}
/** A real-looking value for the documentation (Swagger UI pre-fills Try it out with it), never a pattern's. */
const example = <T extends z.ZodMiniType>(schema: T, value: unknown, description?: string): T => {
  z.globalRegistry.add(schema, { example: value, ...(description ? { description } : {}) })
  return schema
}
const described = <T extends z.ZodMiniType>(schema: T, description: string): T => {
  z.globalRegistry.add(schema, { description })
  return schema
}

// Repeated form parameters arrive as arrays (RFC 6749 §3.1: parameters must not be repeated).
const str = () =>
  z.string({
    error: (issue) =>
      issue.input === undefined ? 'is required' : Array.isArray(issue.input) ? 'must be given once' : 'must be a string',
  })
const text = (max: number) =>
  str().check(
    z.minLength(1, 'is required'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.regex(SAFE, 'must not contain control characters'),
    z.refine((s) => !LONE_SURROGATE.test(s), 'must be valid Unicode'),
  )
const digits = (pattern: RegExp, message: string) => str().check(z.regex(pattern, message))
const CODE = /^\d{4,16}$/

export const SignUpBody = named(
  z.object({
    username: example(text(128), 'alice', 'Display name, stored as the custom:username attribute'),
    email: example(z.email('must be an e-mail address').check(z.maxLength(254)), 'alice@example.com', 'Also the Cognito username'),
    password: example(text(256), 'Passw0rd!'),
    mode: example(text(64), 'dark', 'Stored as the custom:mode attribute'),
  }),
  'SignUpRequest',
  { examples: [{ username: 'alice', email: 'alice@example.com', password: 'Passw0rd!', mode: 'dark' }] },
)

export const ConfirmInput = named(
  z.object({
    username: example(text(254), 'alice@example.com', 'The e-mail given at sign-up'),
    confirmation_code: example(digits(CODE, 'must be the digits sent to the user'), '123456', 'The code npm start printed (or the e-mail brought)'),
  }),
  'ConfirmRequest',
)

// OAuth2 forms: an empty parameter counts as a missing one (RFC 6749 §3.1).
const param = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.transform((v: unknown) => (v === '' ? undefined : v)), schema)
// An optional one: the key may be left out too (so that typed clients need not send it).
const optionalParam = <T extends z.ZodMiniType>(schema: T) => z.optional(param(z.optional(schema)))

export const PasswordForm = named(
  z.object({
    username: param(example(text(254), 'alice@example.com')),
    password: param(example(text(256), 'Passw0rd!')),
    grant_type: optionalParam(example(str(), 'password', 'password, or left out')),
    scope: optionalParam(example(str().check(z.maxLength(1024)), '', 'Accepted and ignored')),
    client_id: optionalParam(example(str().check(z.maxLength(256)), '', 'Accepted and ignored: leave it empty')),
    client_secret: optionalParam(example(str().check(z.maxLength(256)), '', 'Accepted and ignored: leave it empty')),
  }),
  'PasswordForm',
)

export const TokenForm = named(
  z.object({
    grant_type: param(example(str().check(z.maxLength(64)), 'password', 'password or refresh_token')),
    username: optionalParam(example(text(254), 'alice@example.com', 'With grant_type=password')),
    password: optionalParam(example(text(256), 'Passw0rd!', 'With grant_type=password')),
    refresh_token: optionalParam(example(str().check(z.maxLength(8192)), '', 'With grant_type=refresh_token')),
    scope: optionalParam(example(str().check(z.maxLength(1024)), '', 'Accepted and ignored')),
    client_id: optionalParam(example(str().check(z.maxLength(256)), '', 'Accepted and ignored: leave it empty')),
    client_secret: optionalParam(example(str().check(z.maxLength(256)), '', 'Accepted and ignored: leave it empty')),
  }),
  'TokenForm',
)

// RFC 7009 §2.1: the token, and perhaps what kind it is; a public client may name itself.
export const RevokeForm = named(
  z.object({
    // Any string: a token that is not one of ours is no error (§2.2).
    token: param(example(str().check(z.maxLength(8192)), 'AQIDBAUGBwgJCgsMDQ4PEA…', 'A refresh token or an access token')),
    token_type_hint: optionalParam(example(str().check(z.maxLength(64)), 'refresh_token', 'refresh_token or access_token')),
    client_id: optionalParam(example(str().check(z.maxLength(256)), '', 'Accepted and ignored: leave it empty')),
  }),
  'RevokeForm',
)

export const Jwks = named(z.object({ keys: z.array(z.record(z.string(), z.string())) }), 'JWKS')

export const ServerMetadata = named(
  z.object({
    issuer: z.string(),
    token_endpoint: z.string(),
    jwks_uri: z.string(),
    revocation_endpoint: z.string(),
    grant_types_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    revocation_endpoint_auth_methods_supported: z.array(z.string()),
  }),
  'AuthorizationServerMetadata',
)

export const SignOutBody = named(z.object({ refresh_token: optionalParam(example(str().check(z.maxLength(8192)), '', 'This session\'s refresh token, to revoke it at Cognito too')) }), 'SignOutRequest')

// Responses (documentation only: the service builds them itself).
export const TokenResponse = named(
  z.object({
    access_token: example(z.string(), 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl'),
    token_type: z.literal('bearer'),
    expires_in: example(z.int(), 900, 'Seconds the access token lives'),
    refresh_token: z.optional(example(z.string(), 'AQIDBAUGBwgJCgsMDQ4PEA…', 'Opaque: keep it as it is')),
  }),
  'TokenResponse',
)

export const ChallengeResponse = named(
  z.object({ challenge_name: z.string(), session: z.string(), parameters: z.record(z.string(), z.string()) }),
  'ChallengeResponse',
)

export const CodeDelivery = named(z.object({ destination: z.string(), medium: z.string(), attribute: z.string() }), 'CodeDelivery')

export const SignUpResponse = named(
  z.object({
    user_sub: z.string(),
    user_confirmed: z.boolean(),
    code_delivery: z.optional(CodeDelivery),
    access_token: z.optional(described(z.string(), 'Only when the pool confirmed the user at once')),
    token_type: z.optional(z.literal('bearer')),
    expires_in: z.optional(z.int()),
    refresh_token: z.optional(z.string()),
  }),
  'SignUpResponse',
)

export const Message = named(z.object({ msg: z.string() }), 'Message')

export const Me = named(z.object({ sub: z.string(), email: z.string(), username: z.string(), mode: z.string() }), 'Me')

export const Health = named(z.object({ status: z.literal('ok') }), 'Health')

export const ErrorBody = named(
  z.object({
    error: z.string(),
    error_description: z.string(),
    fields: z.optional(z.record(z.string(), z.string())),
  }),
  'Error',
)

// Account flows. Challenge responses are limited to what the challenges need: never
// `userAttributes.*`, which NEW_PASSWORD_REQUIRED would otherwise let a client set.
export const UsernameBody = named(z.object({ username: example(text(254), 'alice@example.com', 'The e-mail given at sign-up') }), 'UsernameRequest')

export const ResetBody = named(
  z.object({
    username: example(text(254), 'alice@example.com'),
    confirmation_code: example(digits(CODE, 'must be the digits sent to the user'), '123456', 'The reset code npm start printed (or the e-mail brought)'),
    password: example(text(256), 'N3w-Passw0rd!', 'The new password'),
  }),
  'PasswordResetRequest',
)

export const ChangeBody = named(z.object({ old_password: example(text(256), 'Passw0rd!'), new_password: example(text(256), 'N3w-Passw0rd!') }), 'PasswordChangeRequest')

export const DeleteMeBody = named(z.object({ password: example(text(256), 'Passw0rd!', 'Checked again before anything is deleted') }), 'DeleteAccountRequest')

export const ChallengeBody = named(
  z.object({
    username: example(text(254), 'alice@example.com'),
    session: example(text(4096), 'AYABeC…', 'From the challenge answer of /signin or /token'),
    challenge_name: z.enum(['NEW_PASSWORD_REQUIRED', 'SMS_MFA', 'SOFTWARE_TOKEN_MFA']),
    responses: z.object({
      NEW_PASSWORD: z.optional(example(text(256), 'N3w-Passw0rd!')),
      SMS_MFA_CODE: z.optional(example(digits(/^\d{4,10}$/, 'must be the digits sent to the user'), '123456')),
      SOFTWARE_TOKEN_MFA_CODE: z.optional(example(digits(/^\d{6}$/, 'must be the six digits of the authenticator'), '123456')),
    }),
  }),
  'ChallengeRequest',
)

export const CodeDeliveryResponse = named(z.object({ code_delivery: CodeDelivery }), 'CodeDeliveryResponse')
