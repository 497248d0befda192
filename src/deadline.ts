/**
 * A deadline for an outgoing call (Cognito, its JWKS, the gateway's upstream): an AbortSignal
 * that fires after `ms`, held by its own timer, and `clear()` for when the call ends first, so
 * that no timer outlives its call.
 */
export function deadline(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException('deadline passed', 'TimeoutError')), ms)
  return { signal: controller.signal, clear: () => clearTimeout(timer) }
}
