// How long what the service remembers of sessions lives, with a clock that can be moved: a
// session never outlives REFRESH_TOKEN_TTL_SECONDS, whatever Cognito's own refresh token lifetime.
import { describe, expect, it } from 'vitest'
import { kvRevocations, type KVNamespaceLike } from '../src/stores/kv'
import { bearer, confirmedUser, formPost, signIn, testApp } from './support/harness'

function clockedApp(env: Record<string, string>) {
  let offset = 0
  const t = testApp(env, { now: () => Date.now() + offset })
  return { ...t, advance: (ms: number) => (offset += ms) }
}
const refresh = (app: ReturnType<typeof testApp>['app'], rt: string) => formPost(app, '/token', { grant_type: 'refresh_token', refresh_token: rt })

describe('a session', () => {
  it('cannot be refreshed past REFRESH_TOKEN_TTL_SECONDS, though Cognito\'s refresh token still lives', async () => {
    const { app, advance } = clockedApp({ REFRESH_TOKEN_TTL_SECONDS: '60' })
    const { refresh_token } = await signIn(app, await confirmedUser(app))
    expect((await refresh(app, refresh_token)).status).toBe(200)
    advance(61_000)
    const res = await refresh(app, refresh_token)
    expect(res.status).toBe(400)
    expect((await res.json()).error).toBe('invalid_grant')
  })

  it('signed out stays signed out once the record of its end has expired', async () => {
    const { app, advance } = clockedApp({ REFRESH_TOKEN_TTL_SECONDS: '60', ACCESS_TOKEN_TTL_SECONDS: '60' })
    const tokens = await signIn(app, await confirmedUser(app))
    expect((await app.request('/signout', { method: 'POST', headers: bearer(tokens.access_token) })).status).toBe(200)
    expect((await refresh(app, tokens.refresh_token)).status).toBe(400)
    advance(61_000)
    expect((await refresh(app, tokens.refresh_token)).status).toBe(400)
  })
})

describe('the names of accounts in Workers KV', () => {
  // A stand-in for a KV namespace that keeps `expiration` as KV does: nothing real can move KV's clock.
  function kvAt(now: () => number): KVNamespaceLike & { writes: number } {
    const data = new Map<string, { value: string; expiration?: number }>()
    const kv = {
      writes: 0,
      async get(key: string) {
        const e = data.get(key)
        return e && (e.expiration === undefined || e.expiration > now() / 1000) ? e.value : null
      },
      async put(key: string, value: string, options?: { expiration?: number }) {
        kv.writes++
        data.set(key, { value, expiration: options?.expiration })
      },
    }
    return kv
  }

  it('live as long as the latest sign-in needs them, with one write a day at most', async () => {
    let t = 1_800_000_000_000
    const kv = kvAt(() => t)
    const store = kvRevocations(kv, () => t)
    const s = (seconds: number) => Math.floor(t / 1000) + seconds
    await store.rememberAccount(['name'], 'sub-1', s(900))
    const first = kv.writes
    await store.rememberAccount(['name'], 'sub-1', s(900)) // the same second: no write
    expect(kv.writes).toBe(first)
    t += 800_000
    await store.rememberAccount(['name'], 'sub-1', s(900) + 86_400 * 2) // needed for longer than kept: written
    t += 129_600_000 // a day and a half later: past what the first write kept, within what the second needs
    expect(await store.accountOf('name')).toBe('sub-1')
    await store.rememberAccount(['name'], 'sub-2', s(900)) // another account: written at once
    expect(await store.accountOf('name')).toBe('sub-2')
  })
})
