/** Who a verified bearer token speaks for, in either token mode. */
export type Principal = {
  sub: string
  /** The display name: `custom:username` in app mode, Cognito's `username` claim in cognito mode. */
  username: string
  jti: string
  exp: number
  iat: number
  /** Carried by the service's own tokens; in cognito mode /me asks Cognito. */
  email?: string
  mode?: string
  /** Cognito groups the user is in (`cognito:groups`); [] when none. */
  groups: string[]
  /** The session this token belongs to, when it says (always for the service's own tokens). */
  sid?: string
  /** When its session started, in ms; for Cognito's tokens, the start of the second of `auth_time`. */
  since: number
}

/** Checks a bearer token; rejects with InvalidToken for any token it does not accept. */
export interface BearerVerifier {
  verify(token: string): Promise<Principal>
}

/** What the bearer check asks: a verifier that may answer at once (a token already verified, cachedVerifier). */
export interface TokenVerifier {
  verify(token: string): Principal | Promise<Principal>
  /** Who a token verified before speaks for, while it is valid; nothing is checked afresh. */
  known?(token: string): Principal | undefined
}

/** Any reason a bearer token is refused; the client only ever learns `invalid_token`. */
export class InvalidToken extends Error {
  // Stryker disable next-line StringLiteral: never read: every InvalidToken is caught by instanceof (bearer.ts, sessions.ts), never logged by name
  override name = 'InvalidToken'
}
