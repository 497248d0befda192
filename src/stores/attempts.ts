/**
 * Counters of failed sign-ins, in fixed windows: the first failure starts the window, the count
 * resets when it ends. Same choice of store as revocations: memory (one process), Redis
 * (`runtime/redis.ts`), a Durable Object on Workers (`runtime/worker-attempts.ts`).
 */
export interface AttemptCounter {
  /** Adds a failure to `key`; the window starts with the first one. */
  hit(key: string, windowSeconds: number): Promise<Count>
  /** The failures counted in the current window. */
  get(key: string): Promise<Count>
  clear(key: string): Promise<void>
  readonly kind: 'memory' | 'redis' | 'durable-object'
}

/** How many failures, and in how many seconds the window ends (0 when there is none). */
export type Count = { count: number; resetInSeconds: number }

/** One process's counters. */
export function memoryAttempts(now: () => number): AttemptCounter {
  const windows = new Map<string, { count: number; resetAt: number }>()
  let nextSweep = 0
  const live = (key: string, nowMs: number) => {
    const w = windows.get(key)
    return w && w.resetAt > nowMs ? w : undefined
  }
  const toCount = (w: { count: number; resetAt: number } | undefined, nowMs: number): Count =>
    w ? { count: w.count, resetInSeconds: Math.ceil((w.resetAt - nowMs) / 1000) } : { count: 0, resetInSeconds: 0 }
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
      return toCount(w, nowMs)
    },
    async get(key) {
      const nowMs = now()
      return toCount(live(key, nowMs), nowMs)
    },
    async clear(key) {
      windows.delete(key)
    },
  }
}
