// SECURITY.md's bad inputs, table-driven, on the app in process (Node). Each gets API.md's JSON
// error with the right status, never a 5xx, never an echo. parity.test.ts runs the same cases
// over HTTP against the Node, Bun and workerd servers.
import { describe, it } from 'vitest'
import { testApp } from './support/harness'
import { badInputCases, checkInputCase } from './support/input-corpus'

describe('bad inputs, on Node in process', () => {
  const { app } = testApp()
  const inProcess = (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init))
  it.each(badInputCases().map((c) => [c.name, c] as const))('%s', async (_, t) => {
    await checkInputCase(inProcess, t)
  })
})
