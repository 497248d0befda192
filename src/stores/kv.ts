import { accessTokenKey, StoreUnavailable, subjectKey, type RevocationStore } from './revocations'

/** The part of a Workers KV namespace binding this store uses. */
export interface KVNamespaceLike {
  get(key: string): Promise<string | null>
  put(key: string, value: string, options?: { expiration?: number }): Promise<void>
}

// KV refuses expirations less than 60 s away (https://developers.cloudflare.com/kv/api/write-key-value-pairs/#expiring-keys).
const KV_MIN_TTL_SECONDS = 60

/**
 * Revocations in Workers KV, shared by every isolate and location. Eventually consistent:
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
  return {
    kind: 'kv',
    async revoke(id, expiresAt) {
      const nowSeconds = Math.ceil(now() / 1000)
      if (expiresAt <= nowSeconds) return
      await guard(() => kv.put(`revoked:${id}`, '1', { expiration: Math.max(expiresAt, nowSeconds + KV_MIN_TTL_SECONDS) }))
    },
    async isRevoked(id) {
      return (await guard(() => kv.get(`revoked:${id}`))) !== null
    },
    async revokeSubject(subject, before, until) {
      const nowSeconds = Math.ceil(now() / 1000)
      await guard(() => kv.put(`revoked:${subjectKey(subject)}`, String(before), { expiration: Math.max(until, nowSeconds + KV_MIN_TTL_SECONDS) }))
    },
    async isTokenRevoked({ jti, sub, iat }) {
      const [token, cutoff] = await guard(() =>
        Promise.all([jti === undefined ? null : kv.get(`revoked:${accessTokenKey(jti)}`), kv.get(`revoked:${subjectKey(sub)}`)]),
      )
      return token !== null || (cutoff !== null && iat < Number(cutoff))
    },
  }
}
