import * as z from 'zod/mini'
import { parseRoutes, type Rule } from './gateway/rules'
import { parseSigningKeys, type SigningKey } from './tokens/keys'

/** Parsed, checked configuration: built once at start (Workers: once per isolate). */
export type Config = {
  cognito: {
    userPoolId: string
    clientId: string
    clientSecret?: string
    region: string
    endpoint: string
    timeoutMs: number
    /** The `iss` of the pool's tokens; the JWKS is under it. */
    issuer: string
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  }
  /** `keys`: JWT_KEYS, the first signing; without them access tokens are HS256 under `secret`. */
  jwt: { secret: string; issuer: string; audience: string; ttlSeconds: number; keys: SigningKey[] }
  /** `app`: the service signs its own access tokens. `cognito`: it hands out and checks Cognito's. */
  tokenMode: 'app' | 'cognito'
  /** Origins allowed to call the API from a browser; none (CORS closed) by default. */
  corsOrigins: string[]
  /** Brute-force protection: failed sign-ins allowed per username and per client address in a window. */
  signInLimits: { maxPerUser: number; maxPerAddress: number; windowSeconds: number }
  /** How long a signed-out sign-in's refresh token stays refused here: Cognito's refresh token lifetime. */
  refreshTokenTtlSeconds: number
  /** The gateway: where requests no route of the service answers go, and the rules they pass first. */
  gateway: { upstreamUrl?: string; timeoutMs: number; routes: Rule[] }
  /** Where the service's own routes live ('' or e.g. '/auth'); every other path is the upstream's. */
  prefix: string
}

/** Thrown at start when a variable is missing or wrong; the message names it, never its value. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

const encoder = new TextEncoder()
/** An optional variable: trimmed, and empty counts as unset. */
const optional = z.pipe(
  z.optional(z.string()),
  z.transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim())),
)
/** An absolute http(s) URL, as the WHATWG URL parser reads it (by hand: zod's url would cost the Worker 0.4 KiB gzip). */
const isHttpUrl = (v: string) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)
const optionalUrl = z.pipe(optional, z.optional(z.string().check(z.refine(isHttpUrl, 'must be an http(s) URL'))))

const integer = (min: number, max: number, fallback: number) =>
  z.pipe(
    z.pipe(optional, z.transform((v) => (v === undefined ? fallback : Number(v)))),
    z.number({ error: 'must be a number' }).check(
      z.refine(Number.isInteger, 'must be a whole number'),
      z.gte(min, `must be at least ${min}`),
      z.lte(max, `must be at most ${max}`),
    ),
  )

// Pool ids look like `eu-west-1_AbC123`; the region is the part before `_`.
const POOL_ID = /^([\w-]+)_[0-9a-zA-Z]+$/

const schema = z.object({
  COGNITO_USER_POOL_ID: z.pipe(z.string({ error: 'is required' }), z.transform((v) => v.trim())).check(z.refine((v) => POOL_ID.test(v), 'must look like <region>_<id>')),
  COGNITO_CLIENT_ID: z.pipe(z.string({ error: 'is required' }), z.transform((v) => v.trim())).check(z.refine((v) => v.length > 0, 'is required')),
  COGNITO_CLIENT_SECRET: optional,
  COGNITO_REGION: optional.check(z.refine((v) => v === undefined || /^[a-z0-9-]+$/.test(v), 'must be a region name')),
  COGNITO_ENDPOINT: optionalUrl,
  COGNITO_TIMEOUT_MS: integer(100, 60_000, 5000),
  COGNITO_ISSUER: optionalUrl,
  AWS_ACCESS_KEY_ID: optional,
  AWS_SECRET_ACCESS_KEY: optional,
  AWS_SESSION_TOKEN: optional,
  // HS256 wants a key at least as long as its hash (RFC 7518 §3.2).
  JWT_SECRET: z.string({ error: 'is required' }).check(z.refine((s) => encoder.encode(s).byteLength >= 32, 'must be at least 32 bytes')),
  JWT_ISSUER: z.pipe(optional, z._default(z.string(), 'edge-auth-gateway')),
  JWT_AUDIENCE: z.pipe(optional, z._default(z.string(), 'api')),
  ACCESS_TOKEN_TTL_SECONDS: integer(60, 86_400, 900),
  // Cognito's default refresh token lifetime is 30 days.
  REFRESH_TOKEN_TTL_SECONDS: integer(60, 10 * 365 * 86_400, 30 * 86_400),
  SIGNIN_MAX_FAILURES_PER_USER: integer(1, 1000, 5),
  SIGNIN_MAX_FAILURES_PER_ADDRESS: integer(1, 100_000, 20),
  SIGNIN_FAILURE_WINDOW_SECONDS: integer(1, 86_400, 900),
  CORS_ORIGINS: z
    .pipe(optional, z.transform((v) => (v ? v.split(',').map((o) => o.trim()).filter(Boolean) : [])))
    .check(z.refine((list) => list.every((o) => URL.canParse(o) && new URL(o).origin === o), 'must be a comma-separated list of origins like https://app.example.com')),
  TOKEN_MODE: z.pipe(optional, z._default(z.enum(['app', 'cognito'], { error: 'must be "app" or "cognito"' }), 'app')),
  UPSTREAM_URL: optionalUrl,
  UPSTREAM_TIMEOUT_MS: integer(100, 600_000, 30_000),
  ROUTES: optional,
  JWT_KEYS: optional,
  SERVICE_PREFIX: z.pipe(optional, z._default(z.string(), '')).check(
    z.refine((v) => v === '' || (/^(\/[A-Za-z0-9._~-]+)+$/.test(v) && !/\/\.\.?(\/|$)/.test(v)), 'must be empty or a path like /auth, without a trailing slash'),
  ),
})

/** The names of every setting, for tools that pass them on (e.g. to `wrangler dev --var`). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape)

/** Parses environment variables (or Worker bindings) into a Config; throws ConfigError naming the first bad variable. */
export function parseConfig(env: Record<string, unknown>): Config {
  const result = schema.safeParse(env)
  if (!result.success) {
    const issue = result.error.issues[0]!
    throw new ConfigError(`${String(issue.path[0])} ${issue.message}`)
  }
  const v = result.data
  if (!!v.AWS_ACCESS_KEY_ID !== !!v.AWS_SECRET_ACCESS_KEY) {
    throw new ConfigError('AWS_SECRET_ACCESS_KEY and AWS_ACCESS_KEY_ID must be set together')
  }
  let routes: Rule[]
  let keys: SigningKey[] = []
  try {
    routes = parseRoutes(v.ROUTES)
  } catch (err) {
    throw new ConfigError(`ROUTES ${(err as Error).message}`)
  }
  try {
    if (v.JWT_KEYS) keys = parseSigningKeys(v.JWT_KEYS)
  } catch (err) {
    throw new ConfigError(`JWT_KEYS ${(err as Error).message}`)
  }
  const region = v.COGNITO_REGION ?? POOL_ID.exec(v.COGNITO_USER_POOL_ID)![1]!
  const endpoint = (v.COGNITO_ENDPOINT ?? `https://cognito-idp.${region}.amazonaws.com`).replace(/\/+$/, '')
  return {
    cognito: {
      userPoolId: v.COGNITO_USER_POOL_ID,
      clientId: v.COGNITO_CLIENT_ID,
      clientSecret: v.COGNITO_CLIENT_SECRET,
      region,
      endpoint,
      timeoutMs: v.COGNITO_TIMEOUT_MS,
      // https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
      issuer: (v.COGNITO_ISSUER ?? `${endpoint}/${v.COGNITO_USER_POOL_ID}`).replace(/\/+$/, ''),
      credentials: v.AWS_ACCESS_KEY_ID
        ? { accessKeyId: v.AWS_ACCESS_KEY_ID, secretAccessKey: v.AWS_SECRET_ACCESS_KEY!, sessionToken: v.AWS_SESSION_TOKEN }
        : undefined,
    },
    jwt: { secret: v.JWT_SECRET, issuer: v.JWT_ISSUER, audience: v.JWT_AUDIENCE, ttlSeconds: v.ACCESS_TOKEN_TTL_SECONDS, keys },
    tokenMode: v.TOKEN_MODE,
    corsOrigins: v.CORS_ORIGINS,
    signInLimits: {
      maxPerUser: v.SIGNIN_MAX_FAILURES_PER_USER,
      maxPerAddress: v.SIGNIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: v.SIGNIN_FAILURE_WINDOW_SECONDS,
    },
    refreshTokenTtlSeconds: v.REFRESH_TOKEN_TTL_SECONDS,
    gateway: { upstreamUrl: v.UPSTREAM_URL?.replace(/\/+$/, ''), timeoutMs: v.UPSTREAM_TIMEOUT_MS, routes },
    prefix: v.SERVICE_PREFIX,
  }
}
