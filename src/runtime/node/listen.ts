import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { createApp, createDeps } from '../../app'
import { ConfigError, parseConfig } from '../../config'
import { MALFORMED } from '../../gateway/gateway'
import type { ErrorBody } from '../../http/errors'
import { API_HEADERS } from '../../http/respond'
import type { Deps } from '../../env'
import { builtDocsPage, builtOpenApi, fileDocsAssets } from './docs-assets'
import { batchedStdoutLog } from './log'
import { redisStores } from './redis'
import { bunUpstream, nodeUpstream } from './upstream'

/**
 * Node and Bun: configuration from the environment, checked once at start. Bad configuration
 * stops the process with one line naming the variable (never its value).
 */
export function appFromEnv(env: Record<string, string | undefined>, runtime: Pick<Deps, 'clientAddress' | 'sha256'> & { fetch?: typeof fetch }) {
  try {
    const config = parseConfig(env)
    const port = Number(env.PORT ?? 8787)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT must be a port number')
    const hostname = env.HOST || '127.0.0.1'
    const now = () => Date.now()
    // These servers listen on plain HTTP: that is the scheme of every connection they get.
    const overrides: Partial<Deps> & { fetch?: typeof fetch } = { now, log: batchedStdoutLog(), docsAsset: fileDocsAssets(), openApi: builtOpenApi(config.prefix), docsPage: builtDocsPage(config.prefix), clientProtocol: () => 'http', ...runtime }
    if (config.gateway.upstreamUrl) overrides.upstream = process.versions.bun ? bunUpstream : nodeUpstream
    // Several instances share revocations through Redis; one instance can keep them in memory.
    if (env.REDIS_URL) {
      if (!/^rediss?:\/\/\S+$/.test(env.REDIS_URL)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL')
      const { revocations, attempts, evictionPolicy } = redisStores(env.REDIS_URL, now)
      Object.assign(overrides, { revocations, attempts })
      // Every key here expires, so any policy but noeviction may drop the record of an ended
      // session when Redis is full, and the session's tokens pass again (an attacker's review).
      void evictionPolicy().then((policy) => {
        if (policy && policy !== 'noeviction') console.warn(`warning: Redis evicts keys (maxmemory-policy ${policy}); set it to noeviction, or a full Redis may forget ended sessions`)
      })
    }
    const deps = createDeps(config, overrides)
    console.log(`token mode ${config.tokenMode}, revocations in ${deps.revocations.kind}, sign-in counters in ${deps.attempts.kind}`)
    return { app: createApp(deps), port, hostname }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(`configuration error: ${err.message}`)
    process.exit(1)
  }
}

// An answer made before the app runs: the API's headers, and the connection closed after it.
export const REFUSAL_HEADERS = { ...API_HEADERS, 'content-type': 'application/json', connection: 'close' }

/**
 * The answer to a request that Node or Bun can make no URL of, before the app sees it: a Host
 * header that is no host (RFC 9112 §3.2: 400), none at all (Bun, which does not say whether the
 * request was HTTP/1.0), or (Node) a request target that is no path.
 * API.md's error with the API's headers; like the adapters' own answers to malformed requests,
 * without a log line. `server`: the app failed at once (hono's fetch answers its own errors).
 */
export function unreadableAnswer(server = false): Response {
  const body: ErrorBody = { error: 'server_error', error_description: 'Something went wrong on our side.' }
  return new Response(server ? JSON.stringify(body) : MALFORMED_BODY, { status: server ? 500 : 400, headers: REFUSAL_HEADERS })
}

/** API.md's 400 for a request whose Host, target or length is malformed (also the Node entry's, for no Host). */
export const MALFORMED_BODY = JSON.stringify({ error: 'invalid_request', error_description: MALFORMED } satisfies ErrorBody)

/**
 * Node's own refusals, as API.md's JSON rather than its bare status line: what its parser takes
 * for no HTTP (two lengths, a bad header, a bad chunk), headers past `maxHeaderSize`, a request
 * that did not arrive in time. Written on the socket, since no response object exists yet; then
 * the connection is closed both ways, so that nothing more is read from it (Node keeps reading a
 * half-closed one: after a 408 the rest of the request was parsed and forwarded; after a parser
 * error each further byte raised this again).
 */
export function parserRefusal(err: Error & { code?: string }, socket: Duplex): void {
  // The answer under way on this connection, if any (Node keeps it in _httpMessage, in no API).
  const before = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage
  // Nothing can be said any more when the client is gone or an answer has begun. Nor while an
  // answer to an earlier, whole request is under way (pipelined): said after it, the refusal could
  // land inside the next answer waiting, or pass for that request's; Node's own handler wrote it
  // in that answer's place. Only the request whose own body failed is answered.
  if (err.code === 'ECONNRESET' || !socket.writable || (before && (before.headersSent || before.req.complete))) return void socket.destroy()
  const [status, body]: [string, ErrorBody] =
    err.code === 'HPE_HEADER_OVERFLOW' ? ['431 Request Header Fields Too Large', { error: 'request_too_large', error_description: `The request's headers must be at most ${MAX_HEADER_BYTES / 1024} KiB.` }]
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? ['408 Request Timeout', { error: 'invalid_request', error_description: 'The request did not arrive in time.' }]
    : ['400 Bad Request', { error: 'invalid_request', error_description: NOT_HTTP }]
  const text = JSON.stringify(body)
  const headers = Object.entries({ ...REFUSAL_HEADERS, 'content-length': String(new TextEncoder().encode(text).length) })
  socket.end(`HTTP/1.1 ${status}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${text}`)
  // Closed once written (`end` alone closes only this side).
  socket.once('finish', () => socket.destroy())
}

/** Said of a request Node's parser refuses. */
export const NOT_HTTP = 'The request is not well-formed HTTP/1.1.'

/** Headers up to this size reach the app, which refuses an oversized token itself (401), as on Workers. */
export const MAX_HEADER_BYTES = 32 * 1024
