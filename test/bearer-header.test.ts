// The Authorization header as bearerAuth reads it (RFC 6750 §2.1, §3.1): where the scheme must be,
// the spaces after it, the exact 401 answers, the 8 KB cap on a token, and that what a token
// unlocks is never left cacheable, in the service and in a Hono app of one's own.
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createApp } from '../src/app'
import type { AppEnv } from '../src/env'
import { bearerAuth } from '../src/http/bearer'
import { kvRevocations, type KVNamespaceLike } from '../src/stores/kv'
import { bearer, confirmedUser, signIn, testApp } from './support/harness'

const { app, deps } = testApp()
const creds = await confirmedUser(app)
const live = (await signIn(app, creds)).access_token
const demo = (authorization: string) => app.request('/demopage', { headers: { Authorization: authorization } })

/** A valid token of the service whose text is exactly `length` characters long (its `mode` claim padded). */
async function tokenOfLength(length: number): Promise<string> {
  const identity = { sub: 'sub-long-token', username: 'long', groups: [] }
  const base = (await deps.tokens.issue({ ...identity, mode: '' })).token.length
  // Each byte of the payload adds 4/3 characters: try the paddings around the one that lands there.
  for (let pad = Math.floor(((length - base) * 3) / 4) - 3; pad < (length - base) + 3; pad++) {
    const { token } = await deps.tokens.issue({ ...identity, mode: 'm'.repeat(Math.max(0, pad)) })
    if (token.length === length) return token
  }
  throw new Error(`no token of ${length} characters`)
}

describe('the Authorization header', () => {
  it('takes the scheme in any case, followed by one space or more', async () => {
    for (const header of [`Bearer ${live}`, `bearer ${live}`, `Bearer   ${live}`]) expect((await demo(header)).status, header).toBe(200)
  })

  it('is not Bearer unless it starts with it: no error code then, and the token is never looked at', async () => {
    for (const header of [`XBearer ${live}`, `Basic Bearer ${live}`]) {
      const res = await demo(header)
      expect(res.status, header).toBe(401)
      expect(await res.json()).toEqual({ error: 'unauthorized', error_description: 'A bearer token is required.' })
      expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="api"')
    }
  })

  it('refuses a token it knows under any other scheme, even one as long as "Bearer " (the known-token lookup comes before the syntax check)', async () => {
    expect((await demo(`Bearer ${live}`)).status).toBe(200)
    for (const [header, error] of [[`Xearer ${live}`, 'unauthorized'], [`Basic  ${live}`, 'unauthorized'], [`Token: ${live}`, 'unauthorized'], [`Bearer\t${live}`, 'invalid_token'], [`Bearer:${live}`, 'unauthorized']]) {
      const res = await demo(header!)
      expect([header, res.status, (await res.json()).error]).toEqual([header, 401, error])
    }
  })

  it('refuses a bad token with the exact answer of RFC 6750 §3.1', async () => {
    const res = await demo(`Bearer ${live.slice(0, -2)}`)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'The access token is invalid, expired or revoked.' })
    expect(res.headers.get('WWW-Authenticate')).toBe('Bearer realm="api", error="invalid_token"')
  })

  it('takes a valid token of exactly 8192 characters, and refuses a valid one of 8193', async () => {
    const [longest, tooLong] = await Promise.all([tokenOfLength(8192), tokenOfLength(8193)])
    expect((await demo(`Bearer ${longest}`)).status).toBe(200)
    const res = await demo(`Bearer ${tooLong}`)
    expect(res.status).toBe(401)
    expect((await res.json()).error).toBe('invalid_token')
    // Known to the verifier (as a token sent to /revoke would be), it is still too long here.
    await deps.verifier.verify(tooLong)
    expect((await demo(`Bearer ${tooLong}`)).status).toBe(401)
  })

  it('refuses a token of the service respelled: "=" after it or other unused bits in its last character (hono/jwt takes both), "+" and "/" for "-" and "_"', async () => {
    // A token with both "-" and "_", so that each respelling changes it.
    let token = live
    for (let i = 0; !(token.includes('-') && token.includes('_')); i++) token = (await deps.tokens.issue({ sub: 'sub-respelled', username: 'r', groups: [], mode: `${i}` })).token
    expect((await demo(`Bearer ${token}`)).status).toBe(200)
    // HS256: 32 bytes in 43 characters, the last one's 2 low bits unused (RFC 4648 §3.5).
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = A.indexOf(token.at(-1)!)
    expect(last % 4).toBe(0)
    const lowBits = [1, 2, 3].map((k) => token.slice(0, -1) + A[last + k])
    for (const respelled of [`${token}=`, `${token}==`, token.replaceAll('-', '+'), token.replaceAll('_', '/'), ...lowBits]) {
      for (const round of ['first', 'again']) {
        const res = await demo(`Bearer ${respelled}`)
        expect(res.status, `${round}: ${respelled}`).toBe(401)
        expect((await res.json()).error).toBe('invalid_token')
      }
    }
  })
})

describe('what a bearer token unlocks', () => {
  const orders = (own: Hono<AppEnv>) => own.request('/api/orders', { headers: bearer(live) })

  it('is marked no-store in an app of one\'s own, whether the service is mounted under /auth or at the root', async () => {
    for (const base of ['/auth', '/']) {
      const own = new Hono<AppEnv>().route(base, createApp(deps)).get('/api/orders', bearerAuth(deps), (c) => c.json({ orders: [] }))
      const res = await orders(own)
      expect(res.status, base).toBe(200)
      expect(res.headers.get('Cache-Control'), base).toBe('no-store')
    }
  })

  it('keeps the Cache-Control a route of one\'s own chose', async () => {
    const own = new Hono<AppEnv>().route('/', createApp(deps)).get('/api/orders', bearerAuth(deps), (c) => {
      c.header('Cache-Control', 'private, max-age=60')
      return c.json({ orders: [] })
    })
    expect((await orders(own)).headers.get('Cache-Control')).toBe('private, max-age=60')
  })

  it('cannot be changed by a route of one\'s own for the requests after it (one verified token, one object)', async () => {
    const tries: string[] = []
    const own = new Hono<AppEnv>()
      .get('/api/rename', bearerAuth(deps), (c) => {
        const p = c.get('principal')
        for (const change of [() => Object.assign(p, { username: 'admin' }), () => p.groups.push('admins')]) {
          try {
            change()
          } catch (err) {
            tries.push((err as Error).name)
          }
        }
        return c.json({ ok: true })
      })
      .get('/api/me', bearerAuth(deps), (c) => c.json({ username: c.get('principal').username, groups: c.get('principal').groups }))
    const who = async () => (await own.request('/api/me', { headers: bearer(live) })).json()
    const before = await who()
    expect((await own.request('/api/rename', { headers: bearer(live) })).status).toBe(200)
    expect(tries).toEqual(['TypeError', 'TypeError'])
    expect(await who()).toEqual(before)
  })
})

describe('with a shared store that answers in promises (Workers KV)', () => {
  // A KV namespace held in a Map: what matters here is that the store's answers are promises,
  // as every shared store's are, where the memory store answers at once.
  const data = new Map<string, string>()
  const kv: KVNamespaceLike = { get: async (key) => data.get(key) ?? null, put: async (key, value) => void data.set(key, value) }
  const shared = testApp({}, { revocations: kvRevocations(kv, () => Date.now()) })

  it('lets a live session in, twice (verified, then cached), and refuses it once signed out', async () => {
    const user = await confirmedUser(shared.app)
    const token = (await signIn(shared.app, user)).access_token
    for (const round of ['verified', 'cached']) {
      const res = await shared.app.request('/demopage', { headers: bearer(token) })
      expect(res.status, round).toBe(200)
      expect(await res.json(), round).toEqual({ msg: `Hello, ${user.username}! Welcome to the demo page.` })
    }
    expect((await shared.app.request('/signout', { method: 'POST', headers: bearer(token) })).status).toBe(200)
    expect(data.size).toBeGreaterThan(0)
    const res = await shared.app.request('/demopage', { headers: bearer(token) })
    expect(res.status).toBe(401)
    expect((await res.json()).error).toBe('invalid_token')
  })
})
