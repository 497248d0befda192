import type { ExecutionContext } from 'hono'
import { Hono } from '../../http/hono'
import { createApp, createDeps } from '../../app'
import { ConfigError, parseConfig } from '../../config'
import type { AppEnv, Deps } from '../../env'
import { ApiError, errorResponse } from '../../http/errors'
import { kvRevocations, type KVNamespaceLike } from '../../stores/kv'
import { durableObjectAttempts, type DurableObjectNamespaceLike } from './attempts'

export { AttemptCounterObject } from './attempts'

type Fetch = (request: Request, env: Record<string, unknown>, ctx?: ExecutionContext) => Response | Promise<Response>

// Configuration is parsed once per isolate: bindings do not change while it lives.
let cached: { env: unknown; fetch: Fetch } | undefined

function appFor(env: Record<string, unknown>): Fetch {
  if (cached?.env === env) return cached.fetch
  let fetch: Fetch
  try {
    const now = () => Date.now()
    // Cloudflare's edge sets the client's address, over whatever the client sent. (wrangler dev
    // sets it only when the client did not: there a client picks its own address.)
    const overrides: Partial<Deps> = { now, clientAddress: (c) => c.req.header('CF-Connecting-IP') }
    // With these bindings (wrangler.toml), state is shared by every isolate and location.
    if (env.REVOCATIONS) overrides.revocations = kvRevocations(env.REVOCATIONS as KVNamespaceLike, now)
    if (env.ATTEMPTS) overrides.attempts = durableObjectAttempts(env.ATTEMPTS as DurableObjectNamespaceLike)
    // The gateway's upstream as a service binding (another Worker), else UPSTREAM_URL through fetch.
    if (env.UPSTREAM) {
      const binding = env.UPSTREAM as { fetch(url: string, init?: RequestInit): Promise<Response> }
      overrides.upstream = (url, init) => binding.fetch(url, init)
    }
    fetch = createApp(createDeps(parseConfig(env), overrides)).fetch
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    // Workers cannot refuse to start: every request answers 500 and the log names the variable.
    console.error(`configuration error: ${err.message}`)
    const broken = new Hono<AppEnv>().all('*', (c) =>
      errorResponse(c, new ApiError('server_misconfigured', 'The service is misconfigured; the operator has been told.')),
    )
    fetch = broken.fetch
  }
  cached = { env, fetch }
  return fetch
}

/** Cloudflare Workers: Swagger UI's files are static assets (wrangler.toml), the rest is the app. */
export default {
  fetch: (request: Request, env: Record<string, unknown>, ctx?: ExecutionContext) => appFor(env)(request, env, ctx),
}
