// One black-box HTTP suite against the real Node server, the real Bun server and the Worker
// under wrangler dev (workerd), each pointed at the emulator: the flows, the bad-token corpus and
// the bad-input table. Every runtime must answer every case alike; a difference is a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../scripts/runtimes'
import { codeFor, newCreds, testApp, testEnv } from './support/harness'
import { badInputCases, checkInputCase } from './support/input-corpus'
import { expectSameAnswers, startRuntime, type Running } from './support/runtime'
import { checkTokenCase, liveTokenCorpus } from './support/token-corpus'

const RUNTIMES: Runtime[] = ['node', 'bun', 'workers']
const seen: Record<Runtime, Record<string, string>> = { node: {}, bun: {}, workers: {} }
const servers: Partial<Record<Runtime, Running>> = {}
const { app } = testApp()

beforeAll(async () => {
  const started = await Promise.all(RUNTIMES.map((r) => startRuntime(r, testEnv())))
  RUNTIMES.forEach((r, i) => (servers[r] = started[i]))
}, 120_000)
afterAll(() => Promise.all(Object.values(servers).map((s) => s?.stop())))

describe.each(RUNTIMES)('on %s', (runtime) => {
  const send = (path: string, init?: RequestInit) => fetch(`${servers[runtime]!.baseUrl}${path}`, init)

  it('runs the whole flow: sign-up, confirm, sign-in, demo page, me, refresh, sign-out, both tokens refused', async () => {
    const creds = newCreds()
    const json = { 'Content-Type': 'application/json' }
    const steps: [string, number, string][] = []
    const step = async (name: string, res: Promise<Response>) => {
      const r = await res
      const body = (await r.json()) as Record<string, unknown>
      steps.push([name, r.status, `${body.error ?? Object.keys(body).sort().join(',')} ${r.headers.get('Cache-Control')} ${r.headers.get('X-Content-Type-Options')}`])
      return body
    }
    await step('signup', send('/signup', { method: 'POST', headers: json, body: JSON.stringify(creds) }))
    await step('confirm', send(`/confirm?username=${encodeURIComponent(creds.email)}&confirmation_code=${await codeFor(creds.email)}`, { method: 'POST' }))
    await step('wrong password', send('/signin', { method: 'POST', body: new URLSearchParams({ username: creds.email, password: 'Wrong-pass1!' }) }))
    const tokens = (await step('signin', send('/signin', { method: 'POST', body: new URLSearchParams({ username: creds.email, password: creds.password }) }))) as { access_token: string; refresh_token: string }
    const auth = { Authorization: `Bearer ${tokens.access_token}` }
    await step('demopage', send('/demopage', { headers: auth }))
    await step('me', send('/me', { headers: auth }))
    await step('refresh', send('/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }) }))
    await step('signout', send('/signout', { method: 'POST', headers: auth }))
    await step('demopage after', send('/demopage', { headers: auth }))
    await step('refresh after', send('/token', { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }) }))
    await step('signout again', send('/signout', { method: 'POST', headers: auth }))
    for (const [name, status, what] of steps) seen[runtime][`flow: ${name}`] = `${status} ${what}`
    expect(steps.map(([, status]) => status)).toEqual([201, 200, 400, 200, 200, 200, 200, 200, 401, 400, 200])
  })

  it('refuses every bad token alike', async () => {
    const { cases, live } = await liveTokenCorpus(app, send)
    expect((await send('/demopage', { headers: { Authorization: `Bearer ${live}` } })).status).toBe(200)
    for (const t of cases) seen[runtime][`token: ${t.name}`] = await checkTokenCase(send, t)
  })

  it('answers every bad input alike', async () => {
    for (const t of badInputCases()) seen[runtime][`input: ${t.name}`] = await checkInputCase(send, t)
  })
})

describe('across runtimes', () => {
  it('Node, Bun and workerd gave the same answers to every case', () => expectSameAnswers(seen, 100))
})
