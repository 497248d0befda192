/**
 * Counters of attempts at a secret (passwords, MFA and confirmation codes), in fixed windows: the
 * first attempt starts the window, the count resets when it ends. An attempt is counted before the
 * secret is checked, atomically, so that parallel guesses cannot all read the same count; an
 * attempt that turned out not to be a wrong guess is released. Same choice of store as
 * revocations: memory (one process), Redis (`runtime/node/redis.ts`), a Durable Object on Workers
 * (`runtime/workers/attempts.ts`).
 */
export interface AttemptCounter {
  /** Counts one attempt at `key`, atomically, and answers the count with it; the window starts with the first. */
  hit(key: string, windowSeconds: number): Promise<Count>
  /** Takes back one attempt counted by `hit` (never below zero). */
  release(key: string): Promise<void>
  /** Forgets every attempt at `key`. */
  clear(key: string): Promise<void>
  readonly kind: 'memory' | 'redis' | 'durable-object'
}

/** How many attempts, and in how many seconds the window ends (0 when there is none). */
export type Count = { count: number; resetInSeconds: number }

/** One process's counters: each call runs to its end without yielding, so a hit is atomic. */
export function memoryAttempts(now: () => number): AttemptCounter {
  const windows = new Map<string, { count: number; resetAt: number }>()
  let nextSweep = 0
  const live = (key: string, nowMs: number) => {
    const w = windows.get(key)
    return w && w.resetAt > nowMs ? w : undefined
  }
  return {
    kind: 'memory',
    async hit(key, windowSeconds) {
      const nowMs = now()
      if (nowMs >= nextSweep) {
        nextSweep = nowMs + 60_000
        for (const [k, w] of windows) if (w.resetAt <= nowMs) windows.delete(k)
      }
      const w = live(key, nowMs) ?? { count: 0, resetAt: nowMs + windowSeconds * 1000 }
      w.count++
      windows.set(key, w)
      return { count: w.count, resetInSeconds: Math.ceil((w.resetAt - nowMs) / 1000) }
    },
    async release(key) {
      const w = live(key, now())
      // Nothing is kept of a count back at zero (a request refused before Cognito was asked), nor
      // of one whose window has ended.
      if (w && w.count > 1) w.count--
      else windows.delete(key)
    },
    async clear(key) {
      windows.delete(key)
    },
  }
}
