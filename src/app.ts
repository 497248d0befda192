import type { Context, Next } from 'hono'
import { Hono } from './http/hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { cors } from 'hono/cors'
import { createCognitoClient } from './cognito/client'
import { createGateway } from './gateway/gateway'
import type { Config } from './config'
import type { AppEnv, Deps } from './env'
import type * as s from './responses'
import type { Body } from './responses'
import { attemptLimits } from './http/attempt-limits'
import { toClientError, UNREADABLE_BODY } from './http/client-error'
import { ApiError, errorResponse } from './http/errors'
import { requestLog } from './http/request-log'
import { reply } from './http/respond'
import { accountRoutes } from './routes/account'
import { discoveryRoutes } from './routes/discovery'
import { docsRoutes } from './routes/docs'
import { passwordRoutes } from './routes/password'
import { sessionRoutes } from './routes/session'
import { userRoutes } from './routes/user'
import { memoryAttempts } from './stores/attempts'
import { createSessions } from './sessions/sessions'
import { memoryRevocations } from './stores/revocations'
import { appTokenVerifier, createAccessTokens } from './tokens/access-token'
import { cognitoTokenVerifier } from './tokens/cognito-verifier'
import { cachedVerifier } from './tokens/verified-cache'

/** Default body limit: API.md's requests are a few hundred bytes. */
const MAX_BODY_BYTES = 16 * 1024

/** Builds the default dependencies from configuration; any of them can be replaced. */
export function createDeps(config: Config, overrides: Partial<Deps> & { fetch?: typeof globalThis.fetch } = {}): Deps {
  const { fetch, ...rest } = overrides
  const now = rest.now ?? (() => Date.now())
  const tokens = createAccessTokens(config.jwt, now)
  return {
    config,
    now,
    cognito: createCognitoClient(config.cognito, { fetch }),
    tokens,
    // Each mode accepts its own tokens only: ours are HS256, Cognito's RS256 from the pool's JWKS.
    verifier: cachedVerifier(config.tokenMode === 'cognito' ? cognitoTokenVerifier(config.cognito, { now, fetch }) : appTokenVerifier(tokens), now),
    revocations: memoryRevocations(now),
    attempts: memoryAttempts(now),
    log: (line) => console.log(JSON.stringify(line)),
    upstream: config.gateway.upstreamUrl ? (url, init) => globalThis.fetch(url, init) : undefined,
    ...rest,
  }
}

/** The whole service as one Hono app; each runtime entry wraps it in a few lines. */
export function createApp(deps: Deps) {
  const app = new Hono<AppEnv>()

  app.use(requestLog(deps))
  // CORS stays closed (no CORS headers: browsers refuse cross-origin reads) unless origins are configured.
  if (deps.config.corsOrigins.length) {
    app.use(
      cors({
        origin: deps.config.corsOrigins,
        allowMethods: ['GET', 'POST', 'DELETE'],
        allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
        exposeHeaders: ['WWW-Authenticate', 'Retry-After', 'X-Request-Id'],
        maxAge: 600,
      }),
    )
  }
  // The rest of the body is not read: the answer closes the connection, so the client neither
  // keeps sending nor reuses it. Without this, a Node client sending 1 MB got a reset instead
  // of the 413 about half of the time (the parity suite found it).
  const tooLarge = () => {
    throw new ApiError('request_too_large', `The request body must be at most ${MAX_BODY_BYTES} bytes.`, { headers: { Connection: 'close' } })
  }
  const countBytes = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge })
  // A declared length (and no Transfer-Encoding beside it) is checked as it is, before anything
  // touches the body; hono's bodyLimit counts the bytes of a body without one. On Node,
  // reaching for the raw body, as bodyLimit does first, makes the adapter build a whole Request
  // around a stream, which then reads the body: 0.3 ms of every sign-in, against reading it
  // straight from the socket.
  const limitBody = createMiddleware<AppEnv>((c, next) => {
    const length = c.req.header('Content-Length')
    // Anything but one plain number (no length, chunked, "100, 100") goes the counting way.
    const declared = length === undefined || c.req.header('Transfer-Encoding') !== undefined ? NaN : Number(length)
    if (!Number.isSafeInteger(declared)) return countWhole(c, next)
    return declared > MAX_BODY_BYTES ? tooLarge() : next()
  })
  // bodyLimit reads such a body whole before the route runs. One that cannot be read (the client
  // went away, or Node's parser found a chunk that is none) is the client's fault: 400, not an
  // unhandled error; what the route throws afterwards passes as it is.
  const countWhole = async (c: Context<AppEnv>, next: Next) => {
    let read = false
    try {
      return await countBytes(c, () => ((read = true), next()))
    } catch (err) {
      if (read || err instanceof ApiError) throw err
      throw new ApiError('invalid_request', UNREADABLE_BODY, { cause: err })
    }
  }
  const sessions = createSessions(deps)
  const gateway = createGateway(deps)
  const limits = attemptLimits(deps, sessions)
  // Kept as a chain, so that the app's type carries every route (`AppType`, for `hc`).
  const api = new Hono<AppEnv>()
    .route('/', accountRoutes(deps, sessions, limits))
    .route('/', sessionRoutes(deps, sessions, limits))
    .route('/', userRoutes(deps, sessions, limits))
    .route('/', passwordRoutes(deps, sessions, limits))
    .route('/', docsRoutes(deps))
    .route('/', discoveryRoutes(deps))
    .get('/health', (c) => reply<Body<typeof s.Health>>(c, { status: 'ok' }))
    .all('/auth/verify', (c) => gateway.verify(c))
  // One pass over the routes, for two things. The body limit on exactly the routes that take a
  // body: not on GET, where bodyLimit would read the raw request's body, and on Node that alone
  // makes the adapter build a whole Request, which cost GET /demopage most of its time. By route,
  // not by path, so that it holds wherever the app is mounted (`new Hono().route('/auth',
  // createApp(...))`). Never on the gateway's requests, whose bodies stream to the upstream, nor
  // on forward auth, which reads none. And each path's methods, for the 405s below.
  const guarded = new Hono<AppEnv>()
  const allowed = new Map<string, Set<string>>()
  for (const r of api.routes) {
    if (r.method === 'ALL') continue
    let methods = allowed.get(r.path)
    if (!methods) allowed.set(r.path, (methods = new Set()))
    if (methods.has(r.method)) continue
    methods.add(r.method)
    if (r.method !== 'GET') guarded.on(r.method, r.path, limitBody)
  }
  // Hono answers a known path with the wrong method as not found; HTTP says 405 with Allow. As
  // routes, after the real ones, so that they go wherever the app is mounted; a path with a
  // parameter (Swagger UI's files) is matched as its route is.
  for (const [path, methods] of allowed) {
    // HEAD is answered wherever GET is (hono runs the GET route): Allow names it too (RFC 9110 §10.2.1).
    const list = [...methods].flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]))
    api.all(path, function methodNotAllowed(c) {
      return errorResponse(c, new ApiError('method_not_allowed', `Use ${list.join(' or ')} here.`, { headers: { Allow: list.join(', ') } }))
    })
  }
  // Under SERVICE_PREFIX (e.g. /auth) the service keeps its paths there; every other one is the upstream's.
  app.route(deps.config.prefix || '/', guarded.route('/', api))

  app.notFound((c) => {
    // Answered here, not by onError: an error thrown from notFound would pass by requestLog's line.
    if (gateway.enabled) return gateway.proxy(c).catch((err: Error) => errorResponse(c, toClientError(err, deps.log, c.get('requestId'))))
    return errorResponse(c, new ApiError('not_found', 'There is nothing at this path.'))
  })

  app.onError((err, c) => errorResponse(c, toClientError(err, deps.log, c.get('requestId'))))
  // The whole app (middleware, errors, gateway), typed by its routes: under a prefix, a client
  // built with hc<AppType>(origin + prefix) calls the same paths.
  return app as unknown as typeof api
}

/** The app's type, routes and bodies included: `hc<AppType>(url)` is a typed client of the service. */
export type AppType = ReturnType<typeof createApp>
