/**
 * Where ended sessions, users' cut-offs and the names of accounts live. One small interface with
 * three implementations, chosen by configuration: in memory (one process), Workers KV (`kv.ts`),
 * Redis (`runtime/node/redis.ts`, Node and Bun). Times are epoch seconds, except cut-offs and session
 * starts, which are milliseconds so that nothing of the same second slips through.
 */
export interface RevocationStore {
  /** Ends one session: every token carrying its `sid`, until `until`. Ending twice is harmless. */
  endSession(sid: string, until: number): Promise<void>
  /**
   * Ends every session of `sub` that started at or before `atMs` (but `keepSid`'s, when given),
   * until `until`. A cut-off never moves back: an earlier one than the stored one changes nothing.
   */
  cutOff(sub: string, atMs: number, until: number, keepSid?: string): Promise<void>
  /** Whether the session a token belongs to has ended: one read, on every protected request. */
  isEnded(session: SessionRef): boolean | Promise<boolean>
  /** Remembers that these names (digests of what a user typed or Cognito calls them) are the account `sub`. */
  rememberAccount(names: string[], sub: string, until: number): Promise<void>
  /** The account (`sub`) a name digest was last seen for, if any. */
  accountOf(name: string): Promise<string | undefined>
  /** For logs and docs: which store this is. */
  readonly kind: 'memory' | 'kv' | 'redis'
}

/** What a token says of its session: whose, since when (ms), and which, when it knows. */
export type SessionRef = { sub: string; since: number; sid?: string }

/** A shared store that could not be reached: the request fails rather than let an ended session through. */
export class StoreUnavailable extends Error {
  override name = 'StoreUnavailable'
}

// How every store writes a cut-off: the time in ms, then the session it spares, if any.
export const cutOffValue = (atMs: number, keepSid?: string) => (keepSid ? `${atMs} ${keepSid}` : String(atMs))
const cutOffTime = (value: string) => Number(value.split(' ', 1)[0])

/** Whether a stored cut-off ends this session. */
export function isCutOff(value: string | null | undefined, s: SessionRef): boolean {
  if (!value) return false
  const [at, keep] = value.split(' ')
  return s.since <= Number(at) && (keep === undefined || keep !== s.sid)
}

/** Whether a new cut-off replaces the stored one: only a later one does. */
export const isLater = (atMs: number, stored: string | null | undefined) => !stored || atMs > cutOffTime(stored)

/** One process's state: enough for a single Node or Bun instance, not for several. */
export function memoryRevocations(now: () => number): RevocationStore {
  const ended = new Map<string, number>()
  const cutOffs = new Map<string, { value: string; until: number }>()
  const accounts = new Map<string, { sub: string; until: number }>()
  let nextSweep = 0
  // Expired entries are dropped in passing, at most once a minute, so the maps stay as small as the live set.
  const sweep = (nowSeconds: number) => {
    if (nowSeconds < nextSweep) return
    nextSweep = nowSeconds + 60
    for (const [k, until] of ended) if (until <= nowSeconds) ended.delete(k)
    for (const m of [cutOffs, accounts]) for (const [k, v] of m) if (v.until <= nowSeconds) m.delete(k)
  }
  return {
    kind: 'memory',
    async endSession(sid, until) {
      const nowSeconds = now() / 1000
      sweep(nowSeconds)
      if (until > nowSeconds) ended.set(sid, Math.max(until, ended.get(sid) ?? 0))
    },
    async cutOff(sub, atMs, until, keepSid) {
      sweep(now() / 1000)
      const old = cutOffs.get(sub)
      if (isLater(atMs, old?.value)) cutOffs.set(sub, { value: cutOffValue(atMs, keepSid), until: Math.max(until, old?.until ?? 0) })
    },
    // At once, not in a promise: every bearer check asks.
    isEnded(s) {
      const nowSeconds = now() / 1000
      if (s.sid !== undefined && (ended.get(s.sid) ?? 0) > nowSeconds) return true
      const c = cutOffs.get(s.sub)
      return c !== undefined && c.until > nowSeconds && isCutOff(c.value, s)
    },
    async rememberAccount(names, sub, until) {
      sweep(now() / 1000)
      for (const name of names) accounts.set(name, { sub, until })
    },
    async accountOf(name) {
      const a = accounts.get(name)
      return a && a.until > now() / 1000 ? a.sub : undefined
    },
  }
}
