// SECURITY.md's bad inputs, table-driven: on the app in process (Node) and over HTTP inside
// workerd. Each gets API.md's JSON error with the right status, never a 5xx, never an echo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApp, testEnv } from './support/harness'
import { badInputCases, SECRET_VALUE, type InputCase } from './support/input-corpus'
import { startRuntime, type Running } from './support/runtime'

const cases = badInputCases()

async function check(on: (path: string, init?: RequestInit) => Promise<Response>, t: InputCase) {
  const res = await on(t.path, { method: t.method, headers: t.headers, body: t.body })
  expect(res.status, t.name).toBe(t.status)
  expect(res.headers.get('Content-Type'), t.name).toMatch(/^application\/json/)
  const text = await res.text()
  const body = JSON.parse(text)
  expect(body, t.name).toMatchObject({ error: t.error, error_description: expect.any(String) })
  expect(Object.keys(body).filter((k) => !['error', 'error_description', 'fields'].includes(k)), t.name).toEqual([])
  expect(text, `${t.name}: no echo`).not.toContain(SECRET_VALUE)
  expect(text, `${t.name}: no stack`).not.toMatch(/\n\s+at |Exception/)
}

describe('bad inputs, on Node in process', () => {
  const { app } = testApp()
  const inProcess = (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init))
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, t) => check(inProcess, t))
})

describe('bad inputs, in workerd (wrangler dev)', () => {
  let worker: Running
  beforeAll(async () => {
    worker = await startRuntime('workers', testEnv())
  }, 90_000)
  afterAll(() => worker?.stop())

  it(`answers all ${cases.length} cases exactly as Node does`, async () => {
    for (const t of cases) await check((path, init) => fetch(`${worker.baseUrl}${path}`, init), t)
  }, 60_000)
})
