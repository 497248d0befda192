import type { Context } from 'hono'
import { isWrongSecret } from '../cognito/errors'
import type { AppEnv, Deps } from '../env'
import { nameDigest, SessionRefused, type Sessions } from '../sessions/sessions'
import { ApiError } from './errors'

/** Whose secret is being tried: a signed-in user (`sub`), or whatever name was typed. */
export type Account = { sub: string } | { name: string }

/** What an attempt that worked does to the count: `clear` it (the secret was right and the step is done), or only `release` its own. */
export type Settle = 'clear' | 'release'

/**
 * Brute-force protection of every secret a user types (RFC 6749 §4.3.2; OWASP Authentication
 * Cheat Sheet): passwords, MFA codes and confirmation codes. Attempts are counted per account
 * (e-mail, alias and `sub` are one account once it has signed in here) and per client address.
 * Each attempt is counted before Cognito is asked, atomically in the store, so a burst of parallel
 * guesses gets no more tries than a sequence; it is released when it turns out not to be a wrong
 * guess. Past the limit, 429 with Retry-After until the window ends, whether or not the user exists.
 */
export function attemptLimits(deps: Pick<Deps, 'attempts' | 'config' | 'clientAddress'>, sessions: Pick<Sessions, 'accountOf'>) {
  const { maxPerUser, maxPerAddress, windowSeconds } = deps.config.signInLimits
  const keys = async (c: Context<AppEnv>, account: Account) => {
    const sub = 'sub' in account ? account.sub : await sessions.accountOf(account.name)
    const address = deps.clientAddress?.(c)
    return [
      { key: sub ? `attempts:account:${sub}` : `attempts:name:${await nameDigest((account as { name: string }).name)}`, max: maxPerUser },
      ...(address ? [{ key: `attempts:address:${address}`, max: maxPerAddress }] : []),
    ]
  }
  const releaseAll = (counted: { key: string }[]) => Promise.all(counted.map((k) => deps.attempts.release(k.key)))

  return {
    /** Runs one attempt at a secret under the limits; `settle` says what a success does to the count. */
    async guard<T>(c: Context<AppEnv>, account: Account, attempt: () => Promise<T>, settle: (result: T) => Settle = () => 'clear'): Promise<T> {
      const counted = await keys(c, account)
      const counts = await Promise.all(counted.map((k) => deps.attempts.hit(k.key, windowSeconds)))
      const blocked = counts.filter((n, i) => n.count > counted[i]!.max)
      if (blocked.length) {
        // Refused before Cognito was asked: not a guess, so it is not counted.
        await releaseAll(counted)
        const retryAfter = Math.max(1, ...blocked.map((n) => n.resetInSeconds))
        throw new ApiError('too_many_requests', 'Too many failed attempts; try again later.', { headers: { 'Retry-After': String(retryAfter) } })
      }
      let result: T
      try {
        result = await attempt()
      } catch (err) {
        // A wrong password or code stays counted; anything else (Cognito down, bad input) was no guess.
        if (!isWrongSecret(err) && !(err instanceof SessionRefused && err.reason === 'wrong_user')) await releaseAll(counted)
        throw err
      }
      if (settle(result) === 'clear') {
        const [account, ...others] = counted
        await Promise.all([deps.attempts.clear(account!.key), releaseAll(others)])
      } else {
        await releaseAll(counted)
      }
      return result
    },
  }
}
