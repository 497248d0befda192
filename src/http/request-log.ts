import { createMiddleware } from 'hono/factory'
import type { AppEnv, Deps } from '../env'

// A request id from a client or a proxy is kept only if it cannot forge a log line.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Every request's frame, in one middleware (each level of middleware costs the gateway's proxied
 * requests measurably: npm run bench): a request id sent back as X-Request-Id, and one JSON line
 * per request: time, request id, method, path, status, duration. (The security headers come with
 * every answer http/respond.ts makes.) The path is logged without its query string (where the
 * original clients put confirmation codes); no header and no body is ever logged.
 */
export function requestLog(deps: Pick<Deps, 'log' | 'now'>) {
  // Under load many requests end in the same millisecond: its text is made once.
  let lastMs = NaN
  let lastTime = ''
  const timeText = (ms: number) => (ms === lastMs ? lastTime : ((lastMs = ms), (lastTime = new Date(ms).toISOString())))
  return createMiddleware<AppEnv>(async (c, next) => {
    const given = c.req.header('X-Request-Id')
    const id = given && REQUEST_ID.test(given) ? given : crypto.randomUUID()
    c.set('requestId', id)
    const started = performance.now()
    await next()
    deps.log({
      time: timeText(deps.now()),
      level: 'info',
      request_id: id,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    })
  })
}
