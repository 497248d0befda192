// The bench's baseline for the gateway path, on Node (@hono/node-server) or Bun: a bare Hono app
// that only sends every request on to the upstream with fetch and answers what came back.
import { Hono } from 'hono'

const upstream = process.env.UPSTREAM_URL!
const app = new Hono().all('*', async (c) => {
  const url = new URL(c.req.url)
  const res = await fetch(`${upstream}${url.pathname}${url.search}`, { method: c.req.method, headers: c.req.raw.headers })
  return new Response(res.body, res)
})
const port = Number(process.env.PORT)
if (process.versions.bun) {
  // Bun serves the default export.
} else {
  const { serve } = await import('@hono/node-server')
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' })
}
export default { port, hostname: '127.0.0.1', fetch: app.fetch }
