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

// Compact on the wire: a JSON array, in this order. Checked by hand: zod's tuple alone would cost
// the Worker half a KiB gzip (npm run size).
type Sealed = [sid: string, sub: string, cognitoUsername: string, since: number, cognitoToken: string]
const isSealed = (v: unknown): v is Sealed =>
  Array.isArray(v) && v.length === 5 && v.every((x, i) => (i === 3 ? Number.isSafeInteger(x) : typeof x === 'string'))

/** Seals and opens refresh tokens under a key derived from JWT_SECRET. */
export function refreshTokenSealer(secret: string) {
  const sealer = createSealer(secret, 'edge-auth-gateway refresh token v1')
  return {
    wrap: (c: RefreshTokenContents) => sealer.seal(JSON.stringify([c.sid, c.sub, c.cognitoUsername, c.since, c.cognitoToken])),

    /** The contents of a refresh token a client sent, or undefined if it is not one we sealed as it is. */
    async unwrap(value: string): Promise<RefreshTokenContents | undefined> {
      const text = await sealer.open(value)
      if (text === undefined) return undefined
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        return undefined
      }
      if (!isSealed(parsed)) return undefined
      const [sid, sub, cognitoUsername, since, cognitoToken] = parsed
      return { sid, sub, cognitoUsername, since, cognitoToken }
    },
  }
}
