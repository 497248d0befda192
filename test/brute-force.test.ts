// Brute-force protection of the password grant, against the real emulator.
import { describe, expect, it } from 'vitest'
import { confirmedUser, formPost, testApp } from './support/harness'

/** The app with small limits, a clock we can move, and the client address taken from a test header. */
function limitedApp(env: Record<string, string> = {}) {
  let offset = 0
  const t = testApp(
    { SIGNIN_MAX_FAILURES_PER_USER: '3', SIGNIN_MAX_FAILURES_PER_ADDRESS: '5', SIGNIN_FAILURE_WINDOW_SECONDS: '60', ...env },
    { now: () => Date.now() + offset, clientAddress: (c) => c.req.header('X-Test-Address') },
  )
  return { ...t, advance: (ms: number) => (offset += ms) }
}
const attempt = (app: ReturnType<typeof testApp>['app'], username: string, password: string, address = '192.0.2.1') =>
  formPost(app, '/signin', { username, password }, { 'X-Test-Address': address })

describe('failed sign-ins', () => {
  it('past the limit per username, answer 429 with Retry-After, even with the right password', async () => {
    const { app } = limitedApp()
    const creds = await confirmedUser(app)
    for (let i = 0; i < 3; i++) expect((await attempt(app, creds.email, 'Wrong-pass1!', `198.51.100.${i}`)).status).toBe(400)
    const blocked = await attempt(app, creds.email, creds.password, '198.51.100.9')
    expect(blocked.status).toBe(429)
    expect(await blocked.json()).toEqual({ error: 'too_many_requests', error_description: 'Too many failed attempts; try again later.' })
    const retryAfter = Number(blocked.headers.get('Retry-After'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
  })

  it('count the same for a user that does not exist, so the answers do not tell', async () => {
    const { app } = limitedApp()
    const answers = []
    for (let i = 0; i < 4; i++) answers.push((await attempt(app, 'nobody-here@example.com', 'Wrong-pass1!', `203.0.113.${i}`)).status)
    expect(answers).toEqual([400, 400, 400, 429])
  })

  it('are forgiven when the window ends', async () => {
    const { app, advance } = limitedApp()
    const creds = await confirmedUser(app)
    for (let i = 0; i < 3; i++) await attempt(app, creds.email, 'Wrong-pass1!')
    expect((await attempt(app, creds.email, creds.password)).status).toBe(429)
    advance(61_000)
    expect((await attempt(app, creds.email, creds.password)).status).toBe(200)
  })

  // A name's count is not cleared by a sign-in that worked: two accounts can share it (a pool that
  // tells Alice@ from alice@), and one's success wiped the guesses at the other (an attacker's
  // review, session 12; sessions.test.ts 13b). The account's own count is (limits-and-stores.test.ts).
  it('go on past a successful sign-in until the window ends; the sign-in itself is not counted', async () => {
    const { app, advance } = limitedApp()
    const creds = await confirmedUser(app)
    for (let i = 0; i < 2; i++) await attempt(app, creds.email, 'Wrong-pass1!')
    expect((await attempt(app, creds.email, creds.password)).status).toBe(200)
    expect((await attempt(app, creds.email, 'Wrong-pass1!')).status).toBe(400)
    expect((await attempt(app, creds.email, creds.password)).status).toBe(429)
    advance(61_000)
    expect((await attempt(app, creds.email, creds.password)).status).toBe(200)
  })

  it('past the limit per address, block that address for every username, and no other address', async () => {
    const { app } = limitedApp()
    const creds = await confirmedUser(app)
    for (let i = 0; i < 5; i++) await attempt(app, `spray-${i}@example.com`, 'Wrong-pass1!', '192.0.2.66')
    expect((await attempt(app, creds.email, creds.password, '192.0.2.66')).status).toBe(429)
    expect((await attempt(app, creds.email, creds.password, '192.0.2.67')).status).toBe(200)
  })

  it('apply to /token too, and count the username case-insensitively', async () => {
    const { app } = limitedApp()
    const creds = await confirmedUser(app)
    for (const u of [creds.email, creds.email.toUpperCase(), ` ${creds.email}`]) {
      await formPost(app, '/token', { grant_type: 'password', username: u, password: 'Wrong-pass1!' }, { 'X-Test-Address': '192.0.2.5' })
    }
    const res = await formPost(app, '/token', { grant_type: 'password', username: creds.email, password: creds.password })
    expect(res.status).toBe(429)
  })

  it('do not count input errors or Cognito faults as failed passwords', async () => {
    const { app } = limitedApp()
    const creds = await confirmedUser(app)
    for (let i = 0; i < 5; i++) expect((await formPost(app, '/signin', { username: creds.email, password: '' })).status).toBe(400)
    expect((await attempt(app, creds.email, creds.password)).status).toBe(200)
  })
})
