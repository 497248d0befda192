import { Hono, type Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from '../env'

// Every answer's headers are gathered in one plain object per request and handed to the
// Response in one go. On Node that keeps @hono/node-server on its fast path: hono's c.header()
// builds an undici Headers object, which validates each header, and headers changed on a
// finished response make the adapter build a full Response. Together they cost GET /demopage
// most of its time (npm run bench).

/** This request's answer headers (empty if responseHeaders() has not run, as in an app without it). */
// c.get(), not c.var: hono's c.var copies every variable into a new object on each access.
const headersOf = (c: Context<AppEnv>) => c.get('headers') ?? (c.set('headers', {}), c.get('headers'))

/** Sets a header of this request's answer. */
export function setHeader(c: Context<AppEnv>, name: string, value: string): void {
  headersOf(c)[name.toLowerCase()] = value
}

/** A JSON answer with every header gathered for this request. */
export function reply(c: Context<AppEnv>, body: unknown, status = 200): Response {
  return replyText(c, JSON.stringify(body), 'application/json', status)
}

/** A text answer of the given type with every header gathered for this request. */
export function replyText(c: Context<AppEnv>, text: string, type: string, status = 200): Response {
  c.set('replied', true)
  return new Response(text, { status, headers: { ...headersOf(c), 'content-type': type } })
}

/**
 * Starts each request's headers with hono/secure-headers' defaults (read once from the middleware
 * itself, so they stay exactly its defaults) and gives answers not built by `reply` (Swagger UI,
 * CORS preflights) the same headers on their way out.
 */
export function responseHeaders() {
  let defaults: Promise<Record<string, string>> | undefined
  const read = async () => {
    const res = await new Hono().use(secureHeaders()).get('/', (c) => c.body(null)).request('/')
    const headers: Record<string, string> = {}
    res.headers.forEach((value, name) => {
      if (name !== 'content-type') headers[name] = value
    })
    return headers
  }
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set('headers', { ...(await (defaults ??= read())) })
    await next()
    if (!c.get('replied')) for (const [name, value] of Object.entries(c.get('headers'))) c.res.headers.set(name, value)
  })
}
