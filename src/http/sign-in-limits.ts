import type { Context } from 'hono'
import { CognitoError, toApiError } from '../cognito/errors'
import type { AppEnv, Deps } from '../env'
import { ApiError } from './errors'

const encoder = new TextEncoder()

// Keys never hold the username itself (an e-mail): a hash is enough to count by.
async function userKey(username: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(username.trim().toLowerCase())))
  return `signin:user:${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

/**
 * Brute-force protection of the password grant (RFC 6749 §4.3.2; OWASP Authentication Cheat
 * Sheet): failed sign-ins are counted per username and per client address; past the limit, 429
 * with Retry-After until the window ends. A success clears the username's count. The answer is
 * the same whether or not the user exists.
 */
export function signInLimits(deps: Pick<Deps, 'attempts' | 'config' | 'clientAddress'>) {
  const { maxPerUser, maxPerAddress, windowSeconds } = deps.config.signInLimits
  const keys = async (c: Context<AppEnv>, username: string) => {
    const address = deps.clientAddress?.(c)
    return [
      { key: await userKey(username), max: maxPerUser },
      ...(address ? [{ key: `signin:addr:${address}`, max: maxPerAddress }] : []),
    ]
  }

  return {
    /** Runs a sign-in attempt under the limits. */
    async guard<T>(c: Context<AppEnv>, username: string, attempt: () => Promise<T>): Promise<T> {
      const counted = await keys(c, username)
      const counts = await Promise.all(counted.map((k) => deps.attempts.get(k.key)))
      const blocked = counts.filter((n, i) => n.count >= counted[i]!.max)
      if (blocked.length) {
        const retryAfter = Math.max(1, ...blocked.map((n) => n.resetInSeconds))
        throw new ApiError('too_many_requests', 'Too many failed sign-ins; try again later.', { headers: { 'Retry-After': String(retryAfter) } })
      }
      let result: T
      try {
        result = await attempt()
      } catch (err) {
        if (err instanceof CognitoError && toApiError(err).code === 'invalid_grant') {
          await Promise.all(counted.map((k) => deps.attempts.hit(k.key, windowSeconds)))
        }
        throw err
      }
      await deps.attempts.clear(counted[0]!.key)
      return result
    },
  }
}
