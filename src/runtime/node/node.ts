import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { getRequestListener, RequestError } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { wholeAnswerFetch } from './fetch'
import { appFromEnv, MALFORMED_BODY, MAX_HEADER_BYTES, parserRefusal, REFUSAL_HEADERS, unreadableAnswer } from './listen'

// Cognito's calls go through node:http (./fetch.ts), and the account names' digests through
// node:crypto, at once rather than in a thread-pool round trip each; Bun's entry keeps Web APIs.
const { app, port, hostname } = appFromEnv(process.env, {
  clientAddress: (c) => getConnInfo(c).remote.address,
  fetch: wholeAnswerFetch,
  sha256: (bytes) => createHash('sha256').update(bytes).digest(),
})
// @hono/node-server's listener on Node's server, as its serve() does, with these changes:
// - Headers up to 32 KiB reach the app, which refuses an oversized token itself (401), as on
//   Workers; Node's own 16 KiB limit would answer 431 instead.
// - A request whose Host header is no host gets API.md's 400 (unreadableAnswer), as on Bun, not
//   the adapter's empty one. An HTTP/1.1 one without Host (RFC 9112 §3.2) gets it too, where
//   Node's own check answered a bare 400; an HTTP/1.0 one, as some health checks send, is taken
//   as for `hostname`.
// - What Node's parser refuses gets API.md's JSON too (parserRefusal), not a bare status line.
const listener = getRequestListener(app.fetch, {
  hostname,
  // The adapter's RequestError when it could make no Request; else what the app threw at once.
  errorHandler: (err) => unreadableAnswer(!(err instanceof RequestError)),
})
const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false }, (req, res) =>
  req.headers.host === undefined && req.httpVersion !== '1.0'
    ? res.writeHead(400, { ...REFUSAL_HEADERS, 'content-length': MALFORMED_BODY.length }).end(MALFORMED_BODY)
    : listener(req, res),
)
  .on('clientError', parserRefusal)
  .listen(port, hostname, () => {
    console.log(`listening on http://${hostname}:${port} (node ${process.version})`)
  })
const stop = () => server.close(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
