import { getConnInfo } from 'hono/bun'
import { appFromEnv, unreadableAnswer } from '../node/listen'

// Bun passes its server as the app's env, which getConnInfo reads the address from.
const { app, port, hostname } = appFromEnv(process.env, { clientAddress: (c) => getConnInfo(c).remote.address })
console.log(`listening on http://${hostname}:${port} (bun ${process.versions.bun})`)

// Bun serves the default export: https://bun.sh/docs/api/http#export-default-syntax
// Without a usable Host header Bun hands over a URL without its origin ("/health"), which the app
// would read as another path: a first character of "/" says so, at the cost of one comparison.
export default {
  port,
  hostname,
  fetch: (req: Request, server: object) => (req.url.charCodeAt(0) === 47 ? unreadableAnswer() : app.fetch(req, server)),
}
