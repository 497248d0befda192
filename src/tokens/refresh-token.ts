// The refresh token handed to clients: Cognito's, prefixed with the Cognito username it belongs
// to. Opaque to clients (API.md); the service needs the username to compute SECRET_HASH for
// REFRESH_TOKEN_AUTH, which Cognito computes over the user's `cognito:username`, not the e-mail.

const encoder = new TextEncoder()

const b64url = (bytes: Uint8Array) => {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Our refresh token: `<base64url(cognito username)>.<Cognito's refresh token>`. */
export function wrapRefreshToken(cognitoUsername: string, cognitoToken: string): string {
  return `${b64url(encoder.encode(cognitoUsername))}.${cognitoToken}`
}

/** The parts of a refresh token a client sent, or undefined if it is not one of ours. */
export function unwrapRefreshToken(value: string): { username: string; token: string } | undefined {
  const dot = value.indexOf('.')
  if (dot < 1 || dot === value.length - 1) return undefined
  try {
    const b64 = value.slice(0, dot).replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0))
    const username = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return username ? { username, token: value.slice(dot + 1) } : undefined
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
