import { base64url } from '../encoding'

/**
 * A new session id: the session's start in milliseconds (base 36), then 96 random bits. The start
 * travels inside what the service signs (the access token's `sid`) or seals (the refresh token),
 * so a cut-off can be compared to the millisecond without a store read: no same-second window.
 */
export function newSessionId(startMs: number): string {
  return `${startMs.toString(36)}.${base64url(crypto.getRandomValues(new Uint8Array(12)))}`
}

/** When the session of this id started (ms), or undefined if the id is not one of newSessionId's. */
export function sessionStart(sid: string): number | undefined {
  const m = /^([0-9a-z]{1,11})\.[A-Za-z0-9_-]{16}$/.exec(sid)
  const start = m ? parseInt(m[1]!, 36) : NaN
  return Number.isSafeInteger(start) ? start : undefined
}
