// The bench's baseline on Bun: a bare Hono app, answering constant JSON.
import { Hono } from 'hono'

const app = new Hono().get('/demopage', (c) => c.json({ msg: 'Hello, bench! Welcome to the demo page.' }))
export default { port: Number(process.env.PORT), hostname: '127.0.0.1', fetch: app.fetch }
