import { createMiddleware } from 'hono/factory'
import type { AppEnv, Deps } from '../env'
import { setHeader } from './respond'

// A request id from a client or a proxy is kept only if it cannot forge a log line.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * One JSON line per request: time, request id, method, path, status, duration. The path is
 * logged without its query string (where the original clients put confirmation codes); no
 * header and no body is ever logged.
 */
export function requestLog(deps: Pick<Deps, 'log' | 'now'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const given = c.req.header('X-Request-Id')
    const id = given && REQUEST_ID.test(given) ? given : crypto.randomUUID()
    c.set('requestId', id)
    setHeader(c, 'X-Request-Id', id)
    const started = performance.now()
    await next()
    deps.log({
      time: new Date(deps.now()).toISOString(),
      level: 'info',
      request_id: id,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    })
  })
}
