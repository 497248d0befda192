// The refresh token handed to clients: Cognito's, prefixed with the Cognito username it belongs
// to and the time of its sign-in. Opaque to clients (API.md). The service needs the username to
// compute SECRET_HASH for REFRESH_TOKEN_AUTH (Cognito computes it over `cognito:username`, not
// the e-mail), and the time to refuse sign-ins older than a password reset.

const encoder = new TextEncoder()

const b64url = (bytes: Uint8Array) => {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Our refresh token: `<base64url(cognito username)>.<sign-in time, base 36>.<Cognito's refresh token>`. */
export function wrapRefreshToken(cognitoUsername: string, issuedAt: number, cognitoToken: string): string {
  return `${b64url(encoder.encode(cognitoUsername))}.${issuedAt.toString(36)}.${cognitoToken}`
}

/** The parts of a refresh token a client sent, or undefined if it is not one of ours. */
export function unwrapRefreshToken(value: string): { username: string; issuedAt: number; token: string } | undefined {
  const first = value.indexOf('.')
  const second = value.indexOf('.', first + 1)
  if (first < 1 || second < first + 2 || second === value.length - 1) return undefined
  const issuedAt = /^[0-9a-z]{1,10}$/.test(value.slice(first + 1, second)) ? parseInt(value.slice(first + 1, second), 36) : NaN
  if (!Number.isSafeInteger(issuedAt)) return undefined
  try {
    const b64 = value.slice(0, first).replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0))
    const username = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return username ? { username, issuedAt, token: value.slice(second + 1) } : undefined
  } catch {
    return undefined
  }
}

/**
 * A sign-in's id: a hash of its Cognito refresh token. The service's access tokens carry it as
 * `sid`, so that signing out with an access token can refuse that sign-in's refresh token too.
 */
export async function sessionId(cognitoToken: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(cognitoToken)))
  return b64url(digest.slice(0, 16))
}
