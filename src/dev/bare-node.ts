// The bench's baseline on Node: a bare Hono app on the same adapter, answering constant JSON.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono().get('/demopage', (c) => c.json({ msg: 'Hello, bench! Welcome to the demo page.' }))
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' })
