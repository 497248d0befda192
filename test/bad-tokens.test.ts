// SECURITY.md's bad-token corpus, table-driven, on the app in process (Node) in both token
// modes. Every case must get the exact status, error and challenge. parity.test.ts runs the same
// cases over HTTP against the Node, Bun and workerd servers.
import { describe, expect, it } from 'vitest'
import { bearer, testApp } from './support/harness'
import { checkTokenCase as check, liveTokenCorpus, type Send } from './support/token-corpus'

const { app, deps } = testApp()
const corpus = (send: Send) => liveTokenCorpus(app, send)

describe('bad tokens, on Node in process', async () => {
  const inProcess = (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init))
  const { cases, live } = await corpus(inProcess)

  it('has the whole corpus (cases 1 to 15) and a live token that is accepted', async () => {
    const numbers = new Set(cases.map((c) => Number(c.name.split(' ')[0])))
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1))
    expect((await app.request('/demopage', { headers: bearer(live) })).status).toBe(200)
  })

  it.each(cases.map((c) => [c.name, c] as const))('refuses %s', async (_, t) => {
    await check(inProcess, t)
  })

  it('refuses them in cognito mode too', async () => {
    const { app: cognitoApp } = testApp({ TOKEN_MODE: 'cognito' })
    const on = (path: string, init?: RequestInit) => Promise.resolve(cognitoApp.request(path, init))
    // In cognito mode Cognito's access token is the valid one; every other case still fails.
    for (const t of cases.filter((c) => !c.name.includes('Cognito token (access)') && !c.name.startsWith('14'))) await check(on, t)
  })

  it('keeps no state from the refused ones: the live token still works', async () => {
    expect((await app.request('/demopage', { headers: bearer(live) })).status).toBe(200)
    expect(deps.revocations.kind).toBe('memory')
  })
})
