import { getConnInfo } from 'hono/bun'
import { appFromEnv } from '../node/listen'

// Bun passes its server as the app's env, which getConnInfo reads the address from.
const { app, port, hostname } = appFromEnv(process.env, { clientAddress: (c) => getConnInfo(c).remote.address })
console.log(`listening on http://${hostname}:${port} (bun ${process.versions.bun})`)

// Bun serves the default export: https://bun.sh/docs/api/http#export-default-syntax
export default { port, hostname, fetch: app.fetch }
