import * as z from 'zod/mini'
import { example, named } from './schemas'

// Response bodies, for the OpenAPI document and the types of typed clients: the service builds
// them itself. Apart from the request schemas, so the Worker's bundle leaves them out (zod's
// factories are not marked pure for esbuild: any schema a module defines is kept; npm run size).

/** A response body's type, from the schema that documents it (what hc<AppType> sees). */
export type Body<T extends z.ZodMiniType> = z.infer<T>

const described = <T extends z.ZodMiniType>(schema: T, description: string): T => {
  z.globalRegistry.add(schema, { description })
  return schema
}

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

export const CodeDeliveryResponse = named(z.object({ code_delivery: CodeDelivery }), 'CodeDeliveryResponse')
