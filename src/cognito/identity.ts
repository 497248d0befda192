import * as z from 'zod/mini'
import { fromBase64url } from '../encoding'
import { CognitoError } from './errors'

/** Who a token speaks for: taken from Cognito at sign-in. `email` only when Cognito has verified it. */
export type Identity = { sub: string; email?: string; username: string; mode: string; groups: string[] }

const IdTokenClaims = z.object({
  sub: z.string().check(z.minLength(1)),
  email: z.optional(z.string()),
  // Cognito writes a boolean; some pools (and older tokens) a string.
  email_verified: z.optional(z.union([z.boolean(), z.string()])),
  token_use: z.literal('id'),
  'cognito:username': z.optional(z.string().check(z.minLength(1))),
  'custom:username': z.optional(z.string()),
  'custom:mode': z.optional(z.string()),
  'cognito:groups': z.optional(z.array(z.string())),
})

/**
 * Reads the identity from the ID token that Cognito's own answer carried. It is not verified here:
 * it came straight from Cognito over the connection we opened, and it is never accepted from a
 * client. A token of the wrong shape fails closed, as a malformed answer. An address the user set
 * but did not verify is left out: anyone can type someone else's (OWASP ASVS V3).
 */
export function identityFromIdToken(idToken: string): Identity & { cognitoUsername: string } {
  const claims = IdTokenClaims.safeParse(decodePayload(idToken))
  if (!claims.success) throw new CognitoError('InitiateAuth', { kind: 'malformed', status: 200 })
  const c = claims.data
  const email = c.email && (c.email_verified === true || c.email_verified === 'true') ? c.email : undefined
  return {
    sub: c.sub,
    ...(email ? { email } : {}),
    username: c['custom:username'] ?? email ?? c.sub,
    mode: c['custom:mode'] ?? '',
    groups: c['cognito:groups'] ?? [],
    cognitoUsername: c['cognito:username'] ?? c.sub,
  }
}

/** The payload of a JWT, not verified; undefined if it is not JSON. */
export function decodePayload(jwt: string): unknown {
  const bytes = fromBase64url(jwt.split('.')[1] ?? '')
  if (!bytes) return undefined
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return undefined
  }
}
