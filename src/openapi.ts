import * as z from 'zod/mini'
import * as responses from './responses'
import * as requests from './schemas'

requests.describeRequests()
const s = { ...requests, ...responses }

type Route = {
  method: 'get' | 'post' | 'delete'
  path: string
  summary: string
  tag: 'account' | 'session' | 'user' | 'service' | 'gateway'
  bearer?: boolean
  body?: { type: 'application/json' | 'application/x-www-form-urlencoded'; schema: z.ZodMiniType; required?: boolean }[]
  query?: z.ZodMiniObject
  headers?: { name: string; description: string }[]
  ok: { status: number; schema?: z.ZodMiniType | z.ZodMiniType[]; description: string; html?: boolean }
  errors: number[]
}

const json = 'application/json' as const
const form = 'application/x-www-form-urlencoded' as const
// Statuses any Cognito-backed route may answer with, beyond its own.
const UPSTREAM = [429, 500, 502, 504]

const ROUTES: Route[] = [
  { method: 'post', path: '/signup', tag: 'account', summary: 'Create an account; Cognito sends a confirmation code to the e-mail',
    body: [{ type: json, schema: s.SignUpBody, required: true }], ok: { status: 201, schema: s.SignUpResponse, description: 'Created' },
    errors: [400, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/confirm', tag: 'account', summary: 'Confirm an account with the code sent by e-mail (query parameters, or a JSON body)',
    query: z.partial(s.ConfirmInput), body: [{ type: json, schema: s.ConfirmInput }],
    ok: { status: 200, schema: s.Message, description: 'Confirmed' }, errors: [400, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/confirm/resend', tag: 'account', summary: 'Send a new confirmation code (the same answer whether or not the user exists)',
    body: [{ type: json, schema: s.UsernameBody, required: true }], ok: { status: 200, schema: s.CodeDeliveryResponse, description: 'Sent, if the user exists and is unconfirmed' },
    errors: [400, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/password/forgot', tag: 'account', summary: 'Send a code to reset the password with (the same answer whether or not the user exists)',
    body: [{ type: json, schema: s.UsernameBody, required: true }], ok: { status: 200, schema: s.CodeDeliveryResponse, description: 'Sent, if the user exists' },
    errors: [400, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/password/reset', tag: 'account', summary: 'Set a new password with the code; every session of the user ends',
    body: [{ type: json, schema: s.ResetBody, required: true }], ok: { status: 200, schema: s.Message, description: 'Reset' },
    errors: [400, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/password/change', tag: 'account', bearer: true, summary: 'Change the password of the signed-in user (the current one is checked again); every other session of the user ends',
    body: [{ type: json, schema: s.ChangeBody, required: true }], ok: { status: 200, schema: s.Message, description: 'Changed' },
    errors: [400, 401, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/signin', tag: 'session', summary: 'Sign in with the OAuth2 password form (the original clients\' route)',
    body: [{ type: form, schema: s.PasswordForm, required: true }],
    ok: { status: 200, schema: [s.TokenResponse, s.ChallengeResponse], description: 'Tokens, or a challenge to answer first' },
    errors: [400, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/token', tag: 'session', summary: 'OAuth2 token endpoint (RFC 6749): grant_type=password, or grant_type=refresh_token with refresh_token',
    body: [{ type: form, schema: s.TokenForm, required: true }],
    ok: { status: 200, schema: [s.TokenResponse, s.ChallengeResponse], description: 'Tokens, or a challenge to answer first' },
    errors: [400, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/signin/challenge', tag: 'session', summary: 'Complete a sign-in that answered with a challenge (NEW_PASSWORD_REQUIRED, SMS_MFA, SOFTWARE_TOKEN_MFA)',
    body: [{ type: json, schema: s.ChallengeBody, required: true }],
    ok: { status: 200, schema: [s.TokenResponse, s.ChallengeResponse], description: 'Tokens, or a further challenge' },
    errors: [400, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/signout', tag: 'session', bearer: true, summary: 'Sign out: every access token of this session, and its refresh token, are refused from then on',
    body: [{ type: json, schema: s.SignOutBody }, { type: form, schema: s.SignOutBody }],
    ok: { status: 200, schema: s.Message, description: 'Signed out' }, errors: [400, 401, 413, 415, ...UPSTREAM] },
  { method: 'get', path: '/demopage', tag: 'user', bearer: true, summary: 'A protected page that greets the signed-in user',
    ok: { status: 200, schema: s.Message, description: 'The greeting' }, errors: [401] },
  { method: 'get', path: '/me', tag: 'user', bearer: true, summary: 'The signed-in user, from the access token',
    ok: { status: 200, schema: s.Me, description: 'The user' }, errors: [401] },
  { method: 'delete', path: '/me', tag: 'user', bearer: true, summary: 'Delete the account (the password is checked again); every session of it ends',
    body: [{ type: json, schema: s.DeleteMeBody, required: true }], ok: { status: 200, schema: s.Message, description: 'Deleted' },
    errors: [400, 401, 413, 415, ...UPSTREAM] },
  { method: 'post', path: '/revoke', tag: 'session', summary: 'Revoke a refresh or access token (RFC 7009): its session ends, as at sign-out; 200 whatever the token was',
    body: [{ type: form, schema: s.RevokeForm, required: true }], ok: { status: 200, description: 'Revoked, or nothing to revoke' }, errors: [400, 413, 415, 502, 504] },
  { method: 'get', path: '/.well-known/jwks.json', tag: 'service', summary: 'The public keys of JWT_KEYS (empty under HS256), for services that verify the access tokens',
    ok: { status: 200, schema: s.Jwks, description: 'JWKS (RFC 7517)' }, errors: [] },
  { method: 'get', path: '/.well-known/oauth-authorization-server', tag: 'service', summary: 'Authorization server metadata (RFC 8414)',
    ok: { status: 200, schema: s.ServerMetadata, description: 'Metadata' }, errors: [] },
  { method: 'get', path: '/auth/verify', tag: 'gateway', bearer: true,
    summary: 'Forward auth for nginx auth_request, Caddy forward_auth, Traefik ForwardAuth (any method; the body is never read): applies ROUTES to the original request',
    headers: [
      { name: 'X-Forwarded-Uri', description: 'The original request URI (Caddy, Traefik)' },
      { name: 'X-Forwarded-Method', description: 'The original method (Caddy, Traefik)' },
      { name: 'X-Original-URI', description: 'The original request URI (nginx)' },
      { name: 'X-Original-Method', description: 'The original method (nginx)' },
    ],
    ok: { status: 200, schema: s.Health, description: 'Allowed: the identity is in the X-Auth-Request-User, -Email, -Preferred-Username and -Groups headers (empty when none)' },
    errors: [400, 401, 403, 502, 504] },
  { method: 'get', path: '/favicon.ico', tag: 'service', summary: 'No icon: an empty answer, so that browsers log no error',
    ok: { status: 204, description: 'No content' }, errors: [] },
  { method: 'get', path: '/health', tag: 'service', summary: 'Liveness: answers without calling Cognito',
    ok: { status: 200, schema: s.Health, description: 'Alive' }, errors: [] },
  { method: 'get', path: '/openapi.json', tag: 'service', summary: 'This document',
    ok: { status: 200, description: 'OpenAPI 3.1 document' }, errors: [] },
  { method: 'get', path: '/docs', tag: 'service', summary: 'Swagger UI, served by the service itself',
    ok: { status: 200, description: 'HTML page', html: true }, errors: [] },
]

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid_request, invalid_grant, unsupported_grant_type, username_exists, invalid_code, expired_code, invalid_password or user_not_confirmed',
  401: 'unauthorized (no bearer token) or invalid_token',
  403: 'insufficient_scope: signed in, but in none of the groups a gateway rule needs',
  413: 'request_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests, with Retry-After',
  500: 'server_misconfigured',
  502: 'upstream_error: Cognito, a store or the protected API unreachable or answering badly',
  504: 'upstream_timeout: Cognito or the protected API too slow',
}

const ref = (schema: z.ZodMiniType | z.ZodMiniType[]): Record<string, unknown> => {
  if (Array.isArray(schema)) return { oneOf: schema.map(ref) }
  const id = z.globalRegistry.get(schema)?.id
  return id ? { $ref: `#/components/schemas/${id}` } : inline(schema)
}
// For small unnamed schemas (query parameters): no references inside.
const inline = (schema: z.ZodMiniType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

/** Builds the OpenAPI 3.1 document of every route from the same zod schemas that validate requests. */
export function openApiDocument(prefix = ''): Record<string, unknown> {
  const registry = z.toJSONSchema(z.globalRegistry, { io: 'input', uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' })
  // Components are plain schemas: an $id in each would change how Swagger UI resolves references.
  const schemas = Object.fromEntries(
    Object.entries(registry.schemas).map(([id, { $id: _id, $schema: _schema, ...schema }]) => [id, schema]),
  )
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of ROUTES) {
    const responses: Record<string, unknown> = {
      [r.ok.status]: {
        description: r.ok.description,
        ...(r.ok.html ? { content: { 'text/html': {} } } : r.ok.schema ? { content: { [json]: { schema: ref(r.ok.schema) } } } : { content: { [json]: {} } }),
      },
    }
    for (const status of r.errors) responses[status] = { $ref: `#/components/responses/E${status}` }
    paths[r.path] = {
      ...paths[r.path],
      [r.method]: {
        tags: [r.tag],
        summary: r.summary,
        operationId: `${r.method}${r.path.replace(/[^a-z]+(.)?/gi, (_, ch: string = '') => ch.toUpperCase())}`,
        ...(r.bearer ? { security: [{ OAuth2PasswordBearer: [] }] } : {}),
        ...(r.query || r.headers
          ? {
              parameters: [
                ...Object.entries(r.query?.shape ?? {}).map(([name, schema]) => ({
                  name, in: 'query', required: false, schema: inline(schema as z.ZodMiniType),
                })),
                ...(r.headers ?? []).map(({ name, description }) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } })),
              ],
            }
          : {}),
        ...(r.body
          ? {
              requestBody: {
                required: r.body.some((b) => b.required),
                content: Object.fromEntries(r.body.map((b) => [b.type, { schema: ref(b.schema) }])),
              },
            }
          : {}),
        responses,
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Edge auth gateway',
      version: '0.1.0',
      description:
        'Sign-up, sign-in and bearer-token protection with an Amazon Cognito user pool. Use **Authorize** with your e-mail and password (the client id and secret stay empty).',
    },
    tags: [
      { name: 'account', description: 'Creating and confirming an account' },
      { name: 'session', description: 'Signing in and out' },
      { name: 'user', description: 'Routes that need a bearer token' },
      { name: 'gateway', description: 'Protecting another API: forward auth (every path no route here answers goes to UPSTREAM_URL under ROUTES)' },
      { name: 'service', description: 'Health and documentation' },
    ],
    // Under SERVICE_PREFIX every path is relative to the prefix (OpenAPI 3.1 §4.8.1: a relative server URL).
    ...(prefix ? { servers: [{ url: prefix }] } : {}),
    paths,
    components: {
      schemas,
      securitySchemes: {
        // The tokenUrl points at a route that exists, so Swagger UI's Authorize button works.
        OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: `${prefix}/token`, scopes: {} } } },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_TEXT).map(([status, description]) => [
          `E${status}`,
          { description, content: { [json]: { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  }
}
