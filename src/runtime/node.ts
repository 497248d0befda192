import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { appFromEnv } from './listen'

const { app, port, hostname } = appFromEnv(process.env, { clientAddress: (c) => getConnInfo(c).remote.address })
const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  console.log(`listening on http://${hostname}:${info.port} (node ${process.version})`)
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
