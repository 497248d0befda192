import { cutOffValue, isCutOff, isLater, StoreUnavailable, type RevocationStore } from './revocations'

/** The part of a Workers KV namespace binding this store uses. */
export interface KVNamespaceLike {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options?: { expiration?: number }): Promise<void>
}

// KV refuses expirations less than 60 s away (https://developers.cloudflare.com/kv/api/write-key-value-pairs/#expiring-keys).
const KV_MIN_TTL_SECONDS = 60
const DAY_SECONDS = 86_400

/**
 * Sessions' state in Workers KV, shared by every isolate and location. Eventually consistent:
 * a write is seen at once where it was made and within about a minute everywhere else.
 */
export function kvRevocations(kv: KVNamespaceLike, now: () => number): RevocationStore {
  const guard = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op()
    } catch (cause) {
      throw new StoreUnavailable('Workers KV failed', { cause })
    }
  }
  const expiration = (until: number) => ({ expiration: Math.max(until, Math.ceil(now() / 1000) + KV_MIN_TTL_SECONDS) })
  return {
    kind: 'kv',
    async endSession(sid, until) {
      if (until <= now() / 1000) return
      await guard(() => kv.put(`session:ended:${sid}`, '1', expiration(until)))
    },
    async cutOff(sub, atMs, until, keepSid) {
      await guard(async () => {
        if (isLater(atMs, await kv.get(`session:cutoff:${sub}`))) await kv.put(`session:cutoff:${sub}`, cutOffValue(atMs, keepSid), expiration(until))
      })
    },
    async isEnded(s) {
      const [ended, cutOff] = await guard(() =>
        Promise.all([s.sid === undefined ? null : kv.get(`session:ended:${s.sid}`), kv.get(`session:cutoff:${s.sub}`)]),
      )
      return ended !== null || isCutOff(cutOff, s)
    },
    async rememberAccount(names, sub, until) {
      await guard(() =>
        Promise.all(
          names.map(async (name) => {
            // KV takes one write per second per key: a name known for this account, for long
            // enough, is not written again; otherwise it is, with a day to spare.
            const [known, knownUntil] = ((await kv.get(`account:${name}`)) ?? '').split(' ')
            if (known === sub && Number(knownUntil) >= until) return
            await kv.put(`account:${name}`, `${sub} ${until + DAY_SECONDS}`, expiration(until + DAY_SECONDS))
          }),
        ),
      )
    },
    async accountOf(name) {
      const value = await guard(() => kv.get(`account:${name}`))
      return value ? value.split(' ', 1)[0] : undefined
    },
  }
}
