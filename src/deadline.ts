/** Starts a deadline for one outgoing call: `signal` aborts after `ms`; `clear()` when the call ends first. */
export type Deadline = (ms: number) => { signal: AbortSignal; clear(): void }

/**
 * A deadline for an outgoing call: an AbortSignal that fires after `ms`, held by its own timer,
 * and `clear()` for when the call ends first, so that no timer outlives its call.
 */
export function deadline(ms: number): ReturnType<Deadline> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException('deadline passed', 'TimeoutError')), ms)
  return { signal: controller.signal, clear: () => clearTimeout(timer) }
}
