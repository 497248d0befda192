// Helpers shared by the tests: the app against the real emulator, and users that go through the real flow.
import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import { createApp, createDeps } from '../../src/app'
import { parseConfig } from '../../src/config'
import { createPool, readConfirmationCode } from '../../scripts/emulator'
import type { Deps } from '../../src/env'
import { builtDocsPage, builtOpenApi } from '../../src/runtime/node/docs-assets'

// Under `npm run mutation` one emulator serves thousands of runs of each test file: each run gets
// a pool of its own. With one pool, its file (which the emulator rewrites on every change, and
// codeFor reads whole) grew with every run's users until each call took seconds.
const shared = inject('cognito')
const pool = process.env.FRESH_POOL_PER_FILE ? { ...shared, ...(await createPool(shared.endpoint, 'mutation')) } : shared
export const cognito = () => pool
export const TEST_SECRET = 'test-secret-of-at-least-32-bytes-0123456789'

/** Settings pointing at the test emulator; any of them can be overridden. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const c = cognito()
  return {
    COGNITO_USER_POOL_ID: c.userPoolId,
    COGNITO_CLIENT_ID: c.clientId,
    COGNITO_ENDPOINT: c.endpoint,
    JWT_SECRET: TEST_SECRET,
    COGNITO_TIMEOUT_MS: '2000',
    ...overrides,
  }
}

/** The app, in process, talking to the real emulator over HTTP. */
export function testApp(env: Record<string, string | undefined> = {}, deps: Partial<Deps> & { fetch?: typeof fetch } = {}) {
  const config = parseConfig(testEnv(env))
  const d = createDeps(config, { log: () => {}, openApi: builtOpenApi(config.prefix), docsPage: builtDocsPage(config.prefix), ...deps })
  return { app: createApp(d), deps: d, config }
}

type App = ReturnType<typeof testApp>['app']
export type Creds = { username: string; email: string; password: string; mode: string }

export const newCreds = (): Creds => {
  const id = randomUUID().slice(0, 8)
  return { username: `user-${id}`, email: `user-${id}@example.com`, password: 'Corr3ct-Horse!', mode: 'dark' }
}

export const jsonPost = (app: App, path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) })

export const formPost = (app: App, path: string, fields: Record<string, string> | string, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString(),
  })

/** The confirmation code the emulator "e-mailed" to this address. */
export async function codeFor(email: string, userPoolId = cognito().userPoolId): Promise<string> {
  const code = await readConfirmationCode(cognito().dir, userPoolId, email)
  if (!code) throw new Error(`no confirmation code for ${email}`)
  return code
}

/** Signs up and confirms a fresh user through the app (whose pool is `userPoolId`). */
export async function confirmedUser(app: App, userPoolId?: string): Promise<Creds> {
  const creds = newCreds()
  const signup = await jsonPost(app, '/signup', creds)
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`)
  const code = await codeFor(creds.email, userPoolId)
  const confirm = await app.request(`/confirm?username=${encodeURIComponent(creds.email)}&confirmation_code=${code}`, { method: 'POST' })
  if (confirm.status !== 200) throw new Error(`confirm failed: ${confirm.status} ${await confirm.text()}`)
  return creds
}

/** Signs in through /signin and returns the token response. */
export async function signIn(app: App, creds: Creds) {
  const res = await formPost(app, '/signin', { username: creds.email, password: creds.password })
  if (res.status !== 200) throw new Error(`signin failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as { access_token: string; token_type: string; expires_in: number; refresh_token: string }
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })

/** The refresh tokens the emulator holds for a user, read from its pool file: what RevokeToken and GlobalSignOut drop. */
export async function cognitoRefreshTokens(email: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const db = JSON.parse(await readFile(join(cognito().dir, '.cognito', 'db', `${cognito().userPoolId}.json`), 'utf8')) as {
    Users: Record<string, { Attributes: { Name: string; Value: string }[]; RefreshTokens?: string[] }>
  }
  return Object.values(db.Users).find((u) => u.Attributes.some((a) => a.Name === 'email' && a.Value === email))?.RefreshTokens ?? []
}

/** The message a parser refuses `value` with (JSON-encoded unless a string), or 'accepted'. */
export function refusalOf(parse: (text: string) => unknown, value: unknown): string {
  try {
    parse(typeof value === 'string' ? value : JSON.stringify(value))
  } catch (err) {
    return (err as Error).message
  }
  return 'accepted'
}
