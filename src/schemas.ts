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

export const SignUpBody = z.object({
  username: text(128),
  email: z.email('must be an e-mail address').check(z.maxLength(254)),
  password: text(256),
  mode: text(64),
})

export const ConfirmInput = z.object({ username: text(254), confirmation_code: digits(CODE, 'must be the digits sent to the user') })

// OAuth2 forms: an empty parameter counts as a missing one (RFC 6749 §3.1).
const param = <T extends z.ZodMiniType>(schema: T) => z.pipe(z.transform((v: unknown) => (v === '' ? undefined : v)), schema)
// An optional one: the key may be left out too (so that typed clients need not send it).
const optionalParam = <T extends z.ZodMiniType>(schema: T) => z.optional(param(z.optional(schema)))

export const PasswordForm = z.object({
  username: param(text(254)),
  password: param(text(256)),
  grant_type: optionalParam(str()),
  scope: optionalParam(str().check(z.maxLength(1024))),
  client_id: optionalParam(str().check(z.maxLength(256))),
  client_secret: optionalParam(str().check(z.maxLength(256))),
})

export const TokenForm = z.object({
  grant_type: param(str().check(z.maxLength(64))),
  username: optionalParam(text(254)),
  password: optionalParam(text(256)),
  refresh_token: optionalParam(str().check(z.maxLength(8192))),
  scope: optionalParam(str().check(z.maxLength(1024))),
  client_id: optionalParam(str().check(z.maxLength(256))),
  client_secret: optionalParam(str().check(z.maxLength(256))),
})

// RFC 7009 §2.1: the token, and perhaps what kind it is; a public client may name itself.
export const RevokeForm = z.object({
  // Any string: a token that is not one of ours is no error (§2.2).
  token: param(str().check(z.maxLength(8192))),
  token_type_hint: optionalParam(str().check(z.maxLength(64))),
  client_id: optionalParam(str().check(z.maxLength(256))),
})

export const SignOutBody = z.object({ refresh_token: optionalParam(str().check(z.maxLength(8192))) })

// Account flows. Challenge responses are limited to what the challenges need: never
// `userAttributes.*`, which NEW_PASSWORD_REQUIRED would otherwise let a client set.
export const UsernameBody = z.object({ username: text(254) })

export const ResetBody = z.object({ username: text(254), confirmation_code: digits(CODE, 'must be the digits sent to the user'), password: text(256) })

/** The current code of an authenticator app (TOTP, RFC 6238): six digits. */
const totpCode = () => digits(/^\d{6}$/, 'must be the six digits of the authenticator')

export const ChangeBody = z.object({ old_password: text(256), new_password: text(256), mfa_code: z.optional(totpCode()) })

export const DeleteMeBody = z.object({ password: text(256), mfa_code: z.optional(totpCode()) })

export const ChallengeBody = z.object({
  username: text(254),
  session: text(4096),
  challenge_name: z.enum(['NEW_PASSWORD_REQUIRED', 'SMS_MFA', 'SOFTWARE_TOKEN_MFA']),
  responses: z.object({
    NEW_PASSWORD: z.optional(text(256)),
    SMS_MFA_CODE: z.optional(digits(/^\d{4,10}$/, 'must be the digits sent to the user')),
    SOFTWARE_TOKEN_MFA_CODE: z.optional(totpCode()),
  }),
})

// What the OpenAPI document says of each field: [example, description?]; a nested object's fields likewise.
type Words = { [field: string]: [unknown, string?] | Words }

const describe = (schema: z.ZodMiniObject, words: Words) => {
  for (const [field, said] of Object.entries(words)) {
    const inner = schema.shape[field] as z.ZodMiniType
    if (Array.isArray(said)) example(inner, said[0], said[1])
    else describe(inner as z.ZodMiniObject, said)
  }
  return schema
}

const EMAIL = 'alice@example.com'
const AT_SIGN_UP: [string, string] = [EMAIL, 'The e-mail given at sign-up']
const IGNORED: [string, string] = ['', 'Accepted and ignored']
const NOT_A_CLIENT: [string, string] = ['', 'Accepted and ignored: leave it empty']
const MFA: [string, string] = ['123456', 'Only for an account with an authenticator app (SOFTWARE_TOKEN_MFA)']

/**
 * Names the schemas for the OpenAPI document, with the real-looking values Swagger UI pre-fills
 * Try it out with (never a pattern's). Only openapi.ts calls it, once: on Workers the document is
 * a static asset, so none of these words are in the script (npm run size).
 */
export function describeRequests(): void {
  named(describe(SignUpBody, {
    username: ['alice', 'Display name, stored as the custom:username attribute'],
    email: [EMAIL, 'Also the Cognito username'],
    password: ['Passw0rd!'],
    mode: ['dark', 'Stored as the custom:mode attribute'],
  }), 'SignUpRequest', { examples: [{ username: 'alice', email: EMAIL, password: 'Passw0rd!', mode: 'dark' }] })
  named(describe(ConfirmInput, {
    username: AT_SIGN_UP,
    confirmation_code: ['123456', 'The code npm start printed (or the e-mail brought)'],
  }), 'ConfirmRequest')
  named(describe(PasswordForm, {
    username: [EMAIL], password: ['Passw0rd!'], grant_type: ['password', 'password, or left out'],
    scope: IGNORED, client_id: NOT_A_CLIENT, client_secret: NOT_A_CLIENT,
  }), 'PasswordForm')
  named(describe(TokenForm, {
    grant_type: ['password', 'password or refresh_token'],
    username: [EMAIL, 'With grant_type=password'],
    password: ['Passw0rd!', 'With grant_type=password'],
    refresh_token: ['', 'With grant_type=refresh_token'],
    scope: IGNORED, client_id: NOT_A_CLIENT, client_secret: NOT_A_CLIENT,
  }), 'TokenForm')
  named(describe(RevokeForm, {
    token: ['AQIDBAUGBwgJCgsMDQ4PEA…', 'A refresh token or an access token'],
    token_type_hint: ['refresh_token', 'refresh_token or access_token'],
    client_id: NOT_A_CLIENT,
  }), 'RevokeForm')
  named(describe(SignOutBody, { refresh_token: ['', "This session's refresh token, to revoke it at Cognito too"] }), 'SignOutRequest')
  named(describe(UsernameBody, { username: AT_SIGN_UP }), 'UsernameRequest')
  named(describe(ResetBody, {
    username: [EMAIL],
    confirmation_code: ['123456', 'The reset code npm start printed (or the e-mail brought)'],
    password: ['N3w-Passw0rd!', 'The new password'],
  }), 'PasswordResetRequest')
  named(describe(ChangeBody, { old_password: ['Passw0rd!'], new_password: ['N3w-Passw0rd!'], mfa_code: MFA }), 'PasswordChangeRequest')
  named(describe(DeleteMeBody, { password: ['Passw0rd!', 'Checked again before anything is deleted'], mfa_code: MFA }), 'DeleteAccountRequest')
  named(describe(ChallengeBody, {
    username: [EMAIL],
    session: ['AYABeC…', 'From the challenge answer of /signin or /token'],
    responses: { NEW_PASSWORD: ['N3w-Passw0rd!'], SMS_MFA_CODE: ['123456'], SOFTWARE_TOKEN_MFA_CODE: ['123456'] },
  }), 'ChallengeRequest')
}
