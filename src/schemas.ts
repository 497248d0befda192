import * as z from 'zod/mini'

// Request shapes of API.md (responses: responses.ts): validation and the OpenAPI document both come from here.
// zod/mini, not zod: the same schemas at about half the Worker bytes (npm run size).

// Control characters (NUL included) and lone surrogates have no place in any field we forward.
const SAFE = /^[^\u0000-\u001f\u007f]*$/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Names a schema for the OpenAPI document (its components), with anything else it should say. */
export const named = <T extends z.ZodMiniType>(schema: T, id: string, meta: Record<string, unknown> = {}): T => {
  z.globalRegistry.add(schema, { id, ...meta })
  return schema
}
/** A real-looking value for the documentation (Swagger UI pre-fills Try it out with it), never a pattern's. */
export const example = <T extends z.ZodMiniType>(schema: T, value: unknown, description?: string): T => {
  z.globalRegistry.add(schema, { example: value, ...(description ? { description } : {}) })
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

export const SignOutBody = named(z.object({ refresh_token: optionalParam(example(str().check(z.maxLength(8192)), '', 'This session\'s refresh token, to revoke it at Cognito too')) }), 'SignOutRequest')

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

/** The current code of an authenticator app (TOTP, RFC 6238): six digits. */
const totpCode = () => digits(/^\d{6}$/, 'must be the six digits of the authenticator')
/** Asked again with the password of an account that has an authenticator app. */
const mfaCode = () => z.optional(example(totpCode(), '123456', 'Only for an account with an authenticator app (SOFTWARE_TOKEN_MFA)'))

export const ChangeBody = named(
  z.object({ old_password: example(text(256), 'Passw0rd!'), new_password: example(text(256), 'N3w-Passw0rd!'), mfa_code: mfaCode() }),
  'PasswordChangeRequest',
)

export const DeleteMeBody = named(
  z.object({ password: example(text(256), 'Passw0rd!', 'Checked again before anything is deleted'), mfa_code: mfaCode() }),
  'DeleteAccountRequest',
)

export const ChallengeBody = named(
  z.object({
    username: example(text(254), 'alice@example.com'),
    session: example(text(4096), 'AYABeC…', 'From the challenge answer of /signin or /token'),
    challenge_name: z.enum(['NEW_PASSWORD_REQUIRED', 'SMS_MFA', 'SOFTWARE_TOKEN_MFA']),
    responses: z.object({
      NEW_PASSWORD: z.optional(example(text(256), 'N3w-Passw0rd!')),
      SMS_MFA_CODE: z.optional(example(digits(/^\d{4,10}$/, 'must be the digits sent to the user'), '123456')),
      SOFTWARE_TOKEN_MFA_CODE: z.optional(example(totpCode(), '123456')),
    }),
  }),
  'ChallengeRequest',
)

