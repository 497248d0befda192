// The attempt limits as a client meets them (which attempts count, on which count, what clears or
// only releases a count, Retry-After to the second, which attempts reach Cognito), and the edges
// of the memory stores behind them: windows, ends and cut-offs to the millisecond, the sweep that
// keeps them as small as their live set, and what the Workers KV store writes.
import { randomUUID } from 'node:crypto'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getPlatformProxy } from 'wrangler'
import { createPool, emulatorCall } from '../scripts/emulator'
import { memoryAttempts } from '../src/stores/attempts'
import { kvRevocations, type KVNamespaceLike } from '../src/stores/kv'
import { memoryRevocations } from '../src/stores/revocations'
import { totp } from './support/totp'
import { bearer, codeFor, cognito, confirmedUser, formPost, jsonPost, newCreds, signIn, testApp } from './support/harness'

type App = ReturnType<typeof testApp>['app']
const WRONG = 'Wrong-pass1!'
const nobody = () => `nobody-${randomUUID().slice(0, 8)}@example.com`

/** The app with 3 tries per user (100 per address unless told) in 60 s windows, a clock to move, and Cognito's sign-ins counted. */
function limited(env: Record<string, string> = {}) {
  let offset = 0
  let fixed: number | undefined
  let initiateAuth = 0
  const counting: typeof fetch = (input, init) => {
    if (new Headers(init?.headers).get('X-Amz-Target')?.endsWith('.InitiateAuth')) initiateAuth++
    return fetch(input, init)
  }
  const t = testApp(
    { SIGNIN_MAX_FAILURES_PER_USER: '3', SIGNIN_MAX_FAILURES_PER_ADDRESS: '100', SIGNIN_FAILURE_WINDOW_SECONDS: '60', ...env },
    { now: () => fixed ?? Date.now() + offset, clientAddress: (c) => c.req.header('X-Test-Address') ?? '192.0.2.1', fetch: counting },
  )
  return { ...t, advance: (ms: number) => (offset += ms), at: (ms: number) => (fixed = ms), cognitoSignIns: () => initiateAuth }
}
const signin = (app: App, username: string, password: string, address?: string) =>
  formPost(app, '/signin', { username, password }, address ? { 'X-Test-Address': address } : {})
const change = (app: App, token: string, oldPassword: string) =>
  jsonPost(app, '/password/change', { old_password: oldPassword, new_password: 'N3w-Passw0rd!' }, bearer(token))
const statuses = async (n: number, attempt: () => Response | Promise<Response>) => {
  const seen = []
  for (let i = 0; i < n; i++) seen.push((await attempt()).status)
  return seen
}

/** A user made by an administrator, whose temporary password only leads to NEW_PASSWORD_REQUIRED. */
async function adminMadeUser() {
  const email = `admin-made-${randomUUID().slice(0, 8)}@example.com`
  await emulatorCall(cognito().endpoint, 'AdminCreateUser', {
    UserPoolId: cognito().userPoolId, Username: email, TemporaryPassword: 'Temp-Passw0rd!', MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
  })
  return { email, password: 'Temp-Passw0rd!' }
}

describe('the attempt limits', () => {
  it('answer 429 with Retry-After counting down to the window\'s end, ask Cognito nothing meanwhile, and forget at exactly the end', async () => {
    const { app, at, cognitoSignIns } = limited()
    const t0 = Date.now()
    at(t0)
    const name = nobody()
    expect(await statuses(3, () => signin(app, name, WRONG))).toEqual([400, 400, 400])
    const blocked = await signin(app, name, WRONG)
    expect(blocked.status).toBe(429)
    expect(blocked.headers.get('Retry-After')).toBe('60')
    at(t0 + 30_500)
    expect((await signin(app, name, WRONG)).headers.get('Retry-After')).toBe('30')
    at(t0 + 59_999)
    expect((await signin(app, name, WRONG)).headers.get('Retry-After')).toBe('1')
    expect(cognitoSignIns()).toBe(3)
    at(t0 + 60_000)
    expect((await signin(app, name, WRONG)).status).toBe(400)
    expect(cognitoSignIns()).toBe(4)
  })

  it('count a wrong password per account, at /password/change and at sign-in under its address alike, and no other account\'s', async () => {
    const { app } = limited()
    const [a, b] = [await confirmedUser(app), await confirmedUser(app)]
    const [ta, tb] = [(await signIn(app, a)).access_token, (await signIn(app, b)).access_token]
    expect(await statuses(4, () => change(app, ta, WRONG))).toEqual([400, 400, 400, 429])
    expect((await signin(app, a.email, a.password)).status).toBe(429)
    expect((await change(app, tb, WRONG)).status).toBe(400)
  })

  it('keep on an address only real guesses: a 429 or a success there takes back its own attempt and nothing more', async () => {
    const { app } = limited({ SIGNIN_MAX_FAILURES_PER_ADDRESS: '5' })
    const creds = await confirmedUser(app)
    const name = nobody()
    const address = '198.51.100.7'
    expect(await statuses(5, () => signin(app, name, WRONG, address))).toEqual([400, 400, 400, 429, 429])
    expect((await signin(app, creds.email, creds.password, address)).status).toBe(200)
    const other = nobody()
    expect(await statuses(3, () => signin(app, other, WRONG, address))).toEqual([400, 400, 429])
  })

  it('do not count an attempt Cognito refuses for another reason than a wrong secret', async () => {
    const { app, deps, cognitoSignIns } = limited()
    // An account not confirmed yet, with its right password.
    const unconfirmed = newCreds()
    await jsonPost(app, '/signup', unconfirmed)
    const bodies = []
    for (let i = 0; i < 5; i++) bodies.push(await (await signin(app, unconfirmed.email, unconfirmed.password)).json())
    expect(bodies).toEqual(Array(5).fill({ error: 'user_not_confirmed', error_description: 'The user has not confirmed the account yet.' }))
    expect(cognitoSignIns()).toBe(5)
    // A password checked again for an account that must first answer a challenge.
    const user = await adminMadeUser()
    const { token } = await deps.tokens.issue({ sub: user.email, username: 'admin-made', mode: '', groups: [] })
    expect(await statuses(5, () => change(app, token, user.password))).toEqual([400, 400, 400, 400, 400])
  })

  it('count a password that is right for another account than the token\'s as a wrong guess', async () => {
    const { app, deps } = limited()
    const victim = await confirmedUser(app)
    // A token whose sub is another account's address: Cognito signs that account in, not the token's.
    const { token } = await deps.tokens.issue({ sub: victim.email, username: 'someone', mode: '', groups: [] })
    const first = await change(app, token, victim.password)
    expect(await first.json()).toEqual({ error: 'invalid_grant', error_description: 'Incorrect username or password.' })
    expect(await statuses(3, () => change(app, token, victim.password))).toEqual([400, 400, 429])
    expect((await signIn(app, victim)).access_token).toEqual(expect.any(String)) // the victim's password is unchanged
  })

  it('only release an attempt answered with an MFA challenge: the count goes on', async () => {
    const pool = await createPool(cognito().endpoint, `mfa-${randomUUID().slice(0, 6)}`)
    await emulatorCall(cognito().endpoint, 'SetUserPoolMfaConfig', {
      UserPoolId: pool.userPoolId, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true },
    })
    const { app } = limited({ COGNITO_USER_POOL_ID: pool.userPoolId, COGNITO_CLIENT_ID: pool.clientId })
    const creds = await confirmedUser(app, pool.userPoolId)
    const { AuthenticationResult } = await emulatorCall<{ AuthenticationResult: { AccessToken: string } }>(cognito().endpoint, 'InitiateAuth', {
      ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: creds.email, PASSWORD: creds.password },
    })
    const { SecretCode } = await emulatorCall<{ SecretCode: string }>(cognito().endpoint, 'AssociateSoftwareToken', { AccessToken: AuthenticationResult.AccessToken })
    await emulatorCall(cognito().endpoint, 'VerifySoftwareToken', { AccessToken: AuthenticationResult.AccessToken, UserCode: totp(SecretCode) })

    expect(await statuses(2, () => signin(app, creds.email, WRONG))).toEqual([400, 400])
    const challenge = await signin(app, creds.email, creds.password)
    expect((await challenge.json()).challenge_name).toBe('SOFTWARE_TOKEN_MFA')
    expect(await statuses(2, () => signin(app, creds.email, WRONG))).toEqual([400, 429])
  })

  it('start the account\'s count again when the current password is proved at /password/change', async () => {
    const { app } = limited()
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    expect(await statuses(2, () => change(app, access_token, WRONG))).toEqual([400, 400])
    expect((await change(app, access_token, creds.password)).status).toBe(200)
    expect(await statuses(4, () => change(app, access_token, WRONG))).toEqual([400, 400, 400, 429])
  })

  it('start the account\'s count again when a password reset proves the code', async () => {
    const { app } = limited()
    const creds = await confirmedUser(app)
    const { access_token } = await signIn(app, creds)
    const sub = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()).sub as string
    // Two wrong tries on the account: one a signed-in user's password checked again, one a sign-in by name.
    expect(await statuses(1, () => change(app, access_token, WRONG))).toEqual([400])
    expect(await statuses(1, () => signin(app, creds.email, WRONG))).toEqual([400])
    await jsonPost(app, '/password/forgot', { username: creds.email })
    const reset = await jsonPost(app, '/password/reset', { username: creds.email, confirmation_code: await codeFor(creds.email), password: 'N3w-Passw0rd!' })
    expect(reset.status).toBe(200)
    // The account's count starts again: typed as its sub (a name of its own, counted apart), three
    // wrong tries before the limit, not one.
    // (That the name's count goes on past a success: brute-force.test.ts.)
    expect(await statuses(4, () => signin(app, sub, WRONG))).toEqual([400, 400, 400, 429])
  })

  it('start the count of the account a sign-in proved even when the name typed no longer leads to it', async () => {
    // Names are remembered as long as a session can live: 60 s here.
    const { app, advance } = limited({ ACCESS_TOKEN_TTL_SECONDS: '60', REFRESH_TOKEN_TTL_SECONDS: '60', SIGNIN_FAILURE_WINDOW_SECONDS: '600' })
    const creds = await confirmedUser(app)
    const first = await signIn(app, creds)
    expect(await statuses(2, () => change(app, first.access_token, WRONG))).toEqual([400, 400])
    advance(61_000)
    const second = await signIn(app, creds)
    expect(await statuses(4, () => change(app, second.access_token, WRONG))).toEqual([400, 400, 400, 429])
  })
})

// Whether a store forgets what has ended is seen in the heap: the bytes its entries held come back.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapBytes = () => (gc(), gc(), getHeapStatistics().used_heap_size)
const T0 = 1_800_000_000_000 // a whole second
const N = 40_000

describe('the memory attempt counter', () => {
  it('ends a window at exactly its end, between sweeps too', async () => {
    let t = T0
    const attempts = memoryAttempts(() => t)
    expect(await attempts.hit('k', 10)).toEqual({ count: 1, resetInSeconds: 10 })
    t = T0 + 9_999
    expect(await attempts.hit('k', 10)).toEqual({ count: 2, resetInSeconds: 1 })
    t = T0 + 10_000
    expect(await attempts.hit('k', 10)).toEqual({ count: 1, resetInSeconds: 10 })
  })

  it('keeps a live window through the once-a-minute sweep', async () => {
    let t = T0
    const attempts = memoryAttempts(() => t)
    await attempts.hit('k', 120)
    t = T0 + 60_000
    expect(await attempts.hit('k', 120)).toEqual({ count: 2, resetInSeconds: 60 })
  })

  it('forgets ended windows within a minute, however many', async () => {
    let t = T0
    const attempts = memoryAttempts(() => t)
    const empty = heapBytes()
    for (let i = 0; i < N; i++) await attempts.hit(`attempts:address:${i}`, 60)
    const held = heapBytes() - empty
    t = T0 + 60_000 // every window ends now, a minute after the last sweep
    await attempts.hit('attempts:address:next', 60)
    expect(held).toBeGreaterThan(N * 50)
    expect(heapBytes() - empty).toBeLessThan(held / 10)
  })
})

describe('the memory revocation store', () => {
  const T = T0 / 1000

  it('ends a session, a cut-off and a remembered name at exactly their end, between sweeps too', async () => {
    let t = T0
    const store = memoryRevocations(() => t)
    await store.endSession('sid', T + 10)
    await store.cutOff('sub', T0, T + 10)
    await store.rememberAccount(['name'], 'sub', T + 10)
    t = T0 + 9_999
    expect(await store.isEnded({ sub: 'other', sid: 'sid', since: T0 })).toBe(true)
    expect(await store.isEnded({ sub: 'sub', since: T0 })).toBe(true)
    expect(await store.accountOf('name')).toBe('sub')
    t = T0 + 10_000
    expect(await store.isEnded({ sub: 'other', sid: 'sid', since: T0 })).toBe(false)
    expect(await store.isEnded({ sub: 'sub', since: T0 })).toBe(false)
    expect(await store.accountOf('name')).toBeUndefined()
  })

  it('keeps live entries through the once-a-minute sweep, whichever write runs it', async () => {
    let t = T0
    const store = memoryRevocations(() => t)
    await store.endSession('sid', T + 600)
    await store.cutOff('sub', T0, T + 600)
    t = T0 + 60_000
    await store.rememberAccount(['name'], 'sub', T + 600)
    await store.rememberAccount(['other-name'], 'other-sub', T + 600)
    expect(await store.isEnded({ sub: 'other', sid: 'sid', since: T0 })).toBe(true)
    expect(await store.isEnded({ sub: 'sub', since: T0 })).toBe(true)
    expect(await store.accountOf('name')).toBe('sub')
  })

  it('takes a second cut-off at the same millisecond as no later: the session it spared stays spared', async () => {
    const store = memoryRevocations(() => T0)
    await store.cutOff('sub', T0 - 5, T + 600, 'kept')
    await store.cutOff('sub', T0 - 5, T + 600)
    expect(await store.isEnded({ sub: 'sub', sid: 'kept', since: T0 - 10 })).toBe(false)
    expect(await store.isEnded({ sub: 'sub', sid: 'other', since: T0 - 5 })).toBe(true)
  })

  it('keeps nothing for sessions ended at their last second, and forgets expired entries within a minute', async () => {
    let t = T0
    const store = memoryRevocations(() => t)
    const empty = heapBytes()
    for (let i = 0; i < N; i++) await store.endSession(`sid-gone-${i}`, T) // their tokens end this very second
    const keptForGone = heapBytes() - empty
    for (let i = 0; i < N; i++) {
      await store.endSession(`sid-${i}`, T + 60)
      await store.cutOff(`sub-${i}`, T0, T + 60)
      await store.rememberAccount([`name-${i}`], `sub-${i}`, T + 60)
    }
    const held = heapBytes() - empty
    t = (T + 60) * 1000 // everything ends now, a minute after the last sweep
    await store.endSession('sid-next', T + 600)
    expect(held).toBeGreaterThan(3 * N * 50)
    // Each kind of entry is a third of what was held: any kind left behind shows.
    expect(keptForGone).toBeLessThan(held / 10)
    expect(heapBytes() - empty).toBeLessThan(held / 10)
  })

  // No real KV fails on demand: a namespace whose every call is refused stands in for one that is down.
  it('fails, when its KV does, with an error a caller can tell by its name (the class is not exported)', async () => {
    const down = kvRevocations({ get: () => Promise.reject(new Error('KV GET failed: 500')), put: () => Promise.reject(new Error('KV PUT failed: 500')) }, () => T0)
    const err = await down.accountOf('name').catch((e: unknown) => e)
    expect(String(err)).toBe('StoreUnavailable: Workers KV failed')
  })
})

type Listed = { list(options: { prefix: string }): Promise<{ keys: { name: string; expiration?: number }[] }> }

describe('the Workers KV store, on the KV of workerd', () => {
  let workerd: Awaited<ReturnType<typeof getPlatformProxy<{ REVOCATIONS: KVNamespaceLike & Listed }>>> | undefined
  let kv: KVNamespaceLike & Listed
  let reads = 0
  // A clock a little ahead, on a whole second: KV takes no expiration less than 60 s ahead of its own clock.
  let now = 0
  const store = () => kvRevocations({ get: (k) => (reads++, kv.get(k)), put: (k, v, o) => kv.put(k, v, o) }, () => now)
  const id = () => randomUUID().slice(0, 8)
  beforeAll(async () => {
    workerd = await getPlatformProxy({ configPath: 'wrangler.toml', persist: false })
    kv = workerd.env.REVOCATIONS
    now = (Math.floor(Date.now() / 1000) + 5) * 1000
  }, 30_000)
  afterAll(() => workerd?.dispose())

  it('writes an ended session as 1, expiring with its tokens but not before KV\'s minimum', async () => {
    const [soon, later] = [`soon-${id()}`, `later-${id()}`]
    await store().endSession(soon, now / 1000 + 5)
    await store().endSession(later, now / 1000 + 600)
    expect(await kv.get(`session:ended:${soon}`)).toBe('1')
    const { keys } = await kv.list({ prefix: 'session:ended:' })
    expect(keys.find((k) => k.name.endsWith(soon))?.expiration).toBe(now / 1000 + 60)
    expect(keys.find((k) => k.name.endsWith(later))?.expiration).toBe(now / 1000 + 600)
  })

  it('writes nothing for a session whose tokens end this very second', async () => {
    const sid = `gone-${id()}`
    await store().endSession(sid, now / 1000)
    expect(await kv.get(`session:ended:${sid}`)).toBeNull()
    expect(await store().isEnded({ sub: `sub-${id()}`, sid, since: 1 })).toBe(false)
  })

  it('reads KV once for a token without a session id: its user\'s cut-off alone', async () => {
    reads = 0
    expect(await store().isEnded({ sub: `sub-${id()}`, since: 1 })).toBe(false)
    expect(reads).toBe(1)
  })

  it('does not write a name again that it keeps exactly as long as asked', async () => {
    const [name, until] = [`name-${id()}`, now / 1000 + 600]
    await store().rememberAccount([name], 'sub-1', until)
    await store().rememberAccount([name], 'sub-1', until + 86_400)
    expect(await kv.get(`account:${name}`)).toBe(`sub-1 ${until + 86_400}`)
  })
})
