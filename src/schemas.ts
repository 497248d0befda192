import * as z from 'zod'

// Request and response shapes of API.md: validation and the OpenAPI document both come from here.

// Control characters (NUL included) and lone surrogates have no place in any field we forward.
const SAFE = /^[^\u0000-\u001f\u007f]*$/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
// Repeated form parameters arrive as arrays (RFC 6749 §3.1: parameters must not be repeated).
const str = () =>
  z.string({
    error: (issue) =>
      issue.input === undefined ? 'is required' : Array.isArray(issue.input) ? 'must be given once' : 'must be a string',
  })
const text = (max: number) =>
  str()
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`)
    .regex(SAFE, 'must not contain control characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be valid Unicode')

export const SignUpBody = z
  .object({
    username: text(128).describe('Display name, stored as the custom:username attribute'),
    email: z.email('must be an e-mail address').max(254).describe('Also the Cognito username'),
    password: text(256),
    mode: text(64).describe('Stored as the custom:mode attribute'),
  })
  .meta({ id: 'SignUpRequest', examples: [{ username: 'alice', email: 'alice@example.com', password: 'Passw0rd!', mode: 'dark' }] })

export const ConfirmInput = z
  .object({
    username: text(254).describe('The e-mail given at sign-up'),
    confirmation_code: str().regex(/^\d{4,16}$/, 'must be the digits sent to the user'),
  })
  .meta({ id: 'ConfirmRequest' })

// OAuth2 forms: an empty parameter counts as a missing one (RFC 6749 §3.1).
const param = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema)

export const PasswordForm = z
  .object({
    username: param(text(254)),
    password: param(text(256)),
    grant_type: param(str().optional()),
    scope: param(str().max(1024).optional()),
    client_id: param(str().max(256).optional()),
    client_secret: param(str().max(256).optional()),
  })
  .meta({ id: 'PasswordForm' })

export const TokenForm = z
  .object({
    grant_type: param(str().max(64)),
    username: param(text(254).optional()),
    password: param(text(256).optional()),
    refresh_token: param(str().max(8192).optional()),
    scope: param(str().max(1024).optional()),
    client_id: param(str().max(256).optional()),
    client_secret: param(str().max(256).optional()),
  })
  .meta({ id: 'TokenForm' })

export const SignOutBody = z
  .object({ refresh_token: param(str().max(8192).optional()) })
  .meta({ id: 'SignOutRequest' })

// Responses (documentation only: the service builds them itself).
export const TokenResponse = z
  .object({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int(),
    refresh_token: str().optional(),
  })
  .meta({ id: 'TokenResponse' })

export const ChallengeResponse = z
  .object({ challenge_name: z.string(), session: z.string(), parameters: z.record(z.string(), z.string()) })
  .meta({ id: 'ChallengeResponse' })

export const CodeDelivery = z
  .object({ destination: z.string(), medium: z.string(), attribute: z.string() })
  .meta({ id: 'CodeDelivery' })

export const SignUpResponse = z
  .object({
    user_sub: z.string(),
    user_confirmed: z.boolean(),
    code_delivery: CodeDelivery.optional(),
    access_token: str().optional().describe('Only when the pool confirmed the user at once'),
    token_type: z.literal('bearer').optional(),
    expires_in: z.number().int().optional(),
    refresh_token: str().optional(),
  })
  .meta({ id: 'SignUpResponse' })

export const Message = z.object({ msg: z.string() }).meta({ id: 'Message' })

export const Me = z
  .object({ sub: z.string(), email: z.string(), username: z.string(), mode: z.string() })
  .meta({ id: 'Me' })

export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' })

export const ErrorBody = z
  .object({
    error: z.string(),
    error_description: z.string(),
    fields: z.record(z.string(), z.string()).optional(),
  })
  .meta({ id: 'Error' })

// Account flows (issue 6). Challenge responses are limited to what the challenges need: never
// `userAttributes.*`, which NEW_PASSWORD_REQUIRED would otherwise let a client set.
export const UsernameBody = z.object({ username: text(254).describe('The e-mail given at sign-up') }).meta({ id: 'UsernameRequest' })

export const ResetBody = z
  .object({
    username: text(254),
    confirmation_code: str().regex(/^\d{4,16}$/, 'must be the digits sent to the user'),
    password: text(256).describe('The new password'),
  })
  .meta({ id: 'PasswordResetRequest' })

export const ChangeBody = z.object({ old_password: text(256), new_password: text(256) }).meta({ id: 'PasswordChangeRequest' })

export const DeleteMeBody = z.object({ password: text(256).describe('Checked again before anything is deleted') }).meta({ id: 'DeleteAccountRequest' })

export const ChallengeBody = z
  .object({
    username: text(254),
    session: text(4096).describe('From the challenge answer of /signin or /token'),
    challenge_name: z.enum(['NEW_PASSWORD_REQUIRED', 'SMS_MFA', 'SOFTWARE_TOKEN_MFA']),
    responses: z.object({
      NEW_PASSWORD: text(256).optional(),
      SMS_MFA_CODE: str().regex(/^\d{4,10}$/).optional(),
      SOFTWARE_TOKEN_MFA_CODE: str().regex(/^\d{6}$/).optional(),
    }),
  })
  .meta({ id: 'ChallengeRequest' })

export const CodeDeliveryResponse = z.object({ code_delivery: CodeDelivery }).meta({ id: 'CodeDeliveryResponse' })
