// A loopback proxy in front of the emulator that holds each call 50–100 ms, as real Cognito is
// that far away, and records which operation was asked for which user. Races that a local
// emulator answers too fast to show (a burst of guesses, a sign-in during a reset) show here.
import { createServer, type Server } from 'node:http'
import { freePort } from '../../scripts/emulator'

export type SlowCognito = {
  endpoint: string
  /** How many calls of `operation` named this user (USERNAME or Username in the request). */
  calls(operation: string, username: string): number
  stop(): Promise<void>
}

export async function startSlowCognito(target: string, delay = { min: 50, max: 100 }): Promise<SlowCognito> {
  const seen: { op: string; user: string }[] = []
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? ''
    try {
      const json = JSON.parse(body.toString() || '{}') as { Username?: string; AuthParameters?: { USERNAME?: string } }
      seen.push({ op, user: String(json.AuthParameters?.USERNAME ?? json.Username ?? '').toLowerCase() })
    } catch {
      seen.push({ op, user: '' })
    }
    await new Promise((r) => setTimeout(r, delay.min + Math.random() * (delay.max - delay.min)))
    try {
      const headers: Record<string, string> = {}
      for (const name of ['content-type', 'x-amz-target', 'authorization', 'x-amz-date']) {
        const v = req.headers[name]
        if (typeof v === 'string') headers[name] = v
      }
      const upstream = await fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body })
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
      res.end(Buffer.from(await upstream.arrayBuffer()))
    } catch {
      res.writeHead(502).end()
    }
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls: (operation, username) => seen.filter((s) => s.op === operation && s.user === username.toLowerCase()).length,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
