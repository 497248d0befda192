import * as z from 'zod/mini'
import { base64url } from '../encoding'
import { createSealer } from './seal'

/**
 * What a refresh token stands for. The client gets it sealed (seal.ts): Cognito's own refresh
 * token never reaches a client, and nothing here can be read or changed by one.
 */
export type RefreshTokenContents = {
  /** The session it belongs to; its access tokens carry the same `sid`. */
  sid: string
  sub: string
  /** Cognito's username for the user (the `sub` in e-mail pools): SECRET_HASH is computed over it. */
  cognitoUsername: string
  /** When the session started, in milliseconds: a cut-off at or after it ends the session. */
  since: number
  cognitoToken: string
}

// Compact on the wire: a JSON array, in this order.
const Sealed = z.tuple([z.string(), z.string(), z.string(), z.int(), z.string()])

/** Seals and opens refresh tokens under a key derived from JWT_SECRET. */
export function refreshTokenSealer(secret: string) {
  const sealer = createSealer(secret, 'edge-auth-gateway refresh token v1')
  return {
    wrap: (c: RefreshTokenContents) => sealer.seal(JSON.stringify([c.sid, c.sub, c.cognitoUsername, c.since, c.cognitoToken])),

    /** The contents of a refresh token a client sent, or undefined if it is not one we sealed as it is. */
    async unwrap(value: string): Promise<RefreshTokenContents | undefined> {
      const text = await sealer.open(value)
      if (text === undefined) return undefined
      let parsed
      try {
        parsed = Sealed.safeParse(JSON.parse(text))
      } catch {
        return undefined
      }
      if (!parsed.success) return undefined
      const [sid, sub, cognitoUsername, since, cognitoToken] = parsed.data
      return { sid, sub, cognitoUsername, since, cognitoToken }
    },
  }
}

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
