// Workers: attempt counters in a Durable Object, one object per key, so that every isolate and
// location counts the same attempts. A Durable Object is strongly consistent and runs one request
// at a time (its input gate holds the next one while storage is read and written), so a hit is atomic.
import type { AttemptCounter, Count } from '../../stores/attempts'
import { StoreUnavailable } from '../../stores/revocations'

/** The part of a Durable Object namespace binding used here. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown
  get(id: unknown): { fetch(input: string, init?: RequestInit): Promise<Response> }
}
type Storage = { get<T>(key: string): Promise<T | undefined>; put(key: string, value: unknown): Promise<void>; delete(key: string): Promise<boolean> }

/** The Durable Object class (exported by the Worker entry, bound as ATTEMPTS in wrangler.toml). */
export class AttemptCounterObject {
  constructor(private readonly state: { storage: Storage }) {}

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const now = Date.now()
    const stored = await this.state.storage.get<{ count: number; resetAt: number }>('w')
    const live = stored && stored.resetAt > now ? stored : undefined
    let w = live
    if (request.method === 'DELETE') {
      await this.state.storage.delete('w')
      w = undefined
    } else if (request.method === 'POST') {
      w = { count: (live?.count ?? 0) + 1, resetAt: live?.resetAt ?? now + Number(url.searchParams.get('window')) * 1000 }
      await this.state.storage.put('w', w)
    } else if (request.method === 'PATCH' && live && live.count > 1) {
      w = { count: live.count - 1, resetAt: live.resetAt }
      await this.state.storage.put('w', w)
    } else if (request.method === 'PATCH' && live) {
      // Nothing is kept of a count back at zero (a request refused before Cognito was asked).
      await this.state.storage.delete('w')
      w = undefined
    }
    const body: Count = w ? { count: w.count, resetInSeconds: Math.ceil((w.resetAt - now) / 1000) } : { count: 0, resetInSeconds: 0 }
    return Response.json(body)
  }
}

/** The counter that talks to those objects. */
export function durableObjectAttempts(ns: DurableObjectNamespaceLike): AttemptCounter {
  const call = async (key: string, method: string, query = ''): Promise<Count> => {
    try {
      const res = await ns.get(ns.idFromName(key)).fetch(`https://attempts/${query}`, { method })
      return (await res.json()) as Count
    } catch (cause) {
      throw new StoreUnavailable('Durable Object failed', { cause })
    }
  }
  return {
    kind: 'durable-object',
    hit: (key, windowSeconds) => call(key, 'POST', `?window=${windowSeconds}`),
    release: async (key) => void (await call(key, 'PATCH')),
    clear: async (key) => void (await call(key, 'DELETE')),
  }
}
