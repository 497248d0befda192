import { createHash } from 'node:crypto'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { wholeAnswerFetch } from './fetch'
import { appFromEnv } from './listen'

// Cognito's calls go through node:http (./fetch.ts), and the account names' digests through
// node:crypto, at once rather than in a thread-pool round trip each; Bun's entry keeps Web APIs.
const { app, port, hostname } = appFromEnv(process.env, {
  clientAddress: (c) => getConnInfo(c).remote.address,
  fetch: wholeAnswerFetch,
  sha256: (bytes) => createHash('sha256').update(bytes).digest(),
})
// Headers up to 32 KiB reach the app, which refuses an oversized token itself (401), as on
// Workers; Node's own 16 KiB limit would answer 431 instead.
const server = serve({ fetch: app.fetch, port, hostname, serverOptions: { maxHeaderSize: 32 * 1024 } }, (info) => {
  console.log(`listening on http://${hostname}:${info.port} (node ${process.version})`)
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
