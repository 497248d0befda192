// SECURITY.md's bad-token corpus, table-driven: on the app in process (Node), and over HTTP
// against the Worker inside workerd. Every case must get the exact status, error and challenge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emulatorCall } from '../src/dev/emulator'
import { bearer, cognito, confirmedUser, signIn, testApp, testEnv } from './support/harness'
import { startRuntime, type Running } from './support/runtime'
import { badTokenCases, type TokenCase } from './support/token-corpus'

const { app, deps } = testApp()
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())

/** A live token, one signed out through the flow, and Cognito's own tokens for the same user. */
async function corpus(on: (path: string, init?: RequestInit) => Promise<Response>) {
  const creds = await confirmedUser(app)
  const live = await signIn(app, creds)
  const gone = await signIn(app, creds)
  expect((await on('/signout', { method: 'POST', headers: bearer(gone.access_token) })).status).toBe(200)
  const c = await emulatorCall<{ AuthenticationResult: { AccessToken: string; IdToken: string } }>(cognito().endpoint, 'InitiateAuth', {
    ClientId: cognito().clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
  })
  const cases = badTokenCases(claimsOf(live.access_token), {
    validToken: live.access_token,
    signedOut: gone.access_token,
    cognitoTokens: [c.AuthenticationResult.AccessToken, c.AuthenticationResult.IdToken],
  })
  return { cases, live: live.access_token }
}

async function check(on: (path: string, init?: RequestInit) => Promise<Response>, t: TokenCase) {
  const started = performance.now()
  const res = await on(`/demopage${t.query ?? ''}`, { headers: t.headers })
  expect([t.status].flat(), t.name).toContain(res.status)
  expect(performance.now() - started, `${t.name}: answered quickly`).toBeLessThan(1000)
  if (res.status === 431) return // refused by the HTTP server before the app: no JSON to check
  const body = await res.json()
  if (t.error) expect(body, t.name).toEqual({ error: t.error, error_description: expect.any(String) })
  const challenge = res.headers.get('WWW-Authenticate')
  if (t.error === 'unauthorized') expect(challenge, t.name).toBe('Bearer realm="api"')
  if (t.error === 'invalid_token') expect(challenge, t.name).toBe('Bearer realm="api", error="invalid_token"')
  // Never an echo of the token.
  expect(JSON.stringify(body)).not.toContain(t.headers.Authorization?.slice(7, 40) || '\u0000')
}

describe('bad tokens, on Node in process', async () => {
  const inProcess = (path: string, init?: RequestInit) => Promise.resolve(app.request(path, init))
  const { cases, live } = await corpus(inProcess)

  it('has the whole corpus (cases 1 to 15) and a live token that is accepted', async () => {
    const numbers = new Set(cases.map((c) => Number(c.name.split(' ')[0])))
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1))
    expect((await app.request('/demopage', { headers: bearer(live) })).status).toBe(200)
  })

  it.each(cases.map((c) => [c.name, c] as const))('refuses %s', async (_, t) => check(inProcess, t))

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

describe('bad tokens, in workerd (wrangler dev)', () => {
  let worker: Running
  beforeAll(async () => {
    worker = await startRuntime('workers', testEnv())
  }, 90_000)
  afterAll(() => worker?.stop())

  it('answers every case exactly as Node does', async () => {
    const over = (path: string, init?: RequestInit) => fetch(`${worker.baseUrl}${path}`, init)
    const { cases, live } = await corpus(over)
    expect((await over('/demopage', { headers: bearer(live) })).status).toBe(200)
    for (const t of cases) await check(over, t)
  }, 60_000)
})
