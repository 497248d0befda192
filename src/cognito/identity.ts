import * as z from 'zod/mini'
import type { Identity } from '../tokens/access-token'
import { CognitoError } from './errors'

const IdTokenClaims = z.object({
  sub: z.string().check(z.minLength(1)),
  email: z.string().check(z.minLength(1)),
  token_use: z.literal('id'),
  'cognito:username': z.optional(z.string().check(z.minLength(1))),
  'custom:username': z.optional(z.string()),
  'custom:mode': z.optional(z.string()),
})

/**
 * Reads the identity from the ID token that Cognito's own answer to InitiateAuth carried. It is
 * not verified here: it came straight from Cognito over the connection we opened, and it is never
 * accepted from a client. A token of the wrong shape fails closed, as a malformed answer.
 */
export function identityFromIdToken(idToken: string): Identity & { cognitoUsername: string } {
  const claims = IdTokenClaims.safeParse(decodePayload(idToken))
  if (!claims.success) throw new CognitoError('InitiateAuth', { kind: 'malformed', status: 200 })
  const c = claims.data
  return {
    sub: c.sub,
    email: c.email,
    username: c['custom:username'] ?? c.email,
    mode: c['custom:mode'] ?? '',
    cognitoUsername: c['cognito:username'] ?? c.sub,
  }
}

/** The payload of a JWT, not verified; undefined if it is not JSON. */
export function decodePayload(jwt: string): unknown {
  const part = jwt.split('.')[1]
  if (!part) return undefined
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (ch) => ch.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return undefined
  }
}
