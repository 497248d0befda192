import type { Context } from 'hono'
import { isWrongSecret } from '../cognito/errors'
import type { AppEnv, Deps } from '../env'
import { SessionRefused, type Sessions } from '../sessions/sessions'
import { ApiError } from './errors'

/** Whose secret is being tried: a signed-in user (`sub`), or whatever name was typed. */
export type Account = { sub: string } | { name: string }

/** What an attempt that worked does to the counts: `done` clears them (for the account that proved it, when known); otherwise it only releases its own. */
type Settle = { done: boolean; sub?: string }

/**
 * Brute-force protection of every secret a user types (RFC 6749 §4.3.2; OWASP Authentication
 * Cheat Sheet): passwords, MFA codes and confirmation codes. Attempts are counted per name typed
 * (every spelling of it, case and spaces aside, shares one count), per account (once it has
 * signed in here, its address, Cognito username and `sub` all lead to it) and per client address.
 * Each attempt is counted before Cognito is asked, atomically in the store, so a burst of
 * parallel guesses gets no more tries than a sequence; it is released when it turns out not to
 * be a wrong guess. A right secret starts its account's count again, never a name's. Past a
 * limit, 429 with Retry-After until the window ends, whether or not the user exists.
 */
export function attemptLimits(deps: Pick<Deps, 'attempts' | 'config' | 'clientAddress'>, sessions: Pick<Sessions, 'accountOf' | 'typedNameDigest'>) {
  const { maxPerUser, maxPerAddress, windowSeconds } = deps.config.signInLimits
  const accountKey = (sub: string) => `attempts:account:${sub}`
  const keys = async (c: Context<AppEnv>, who: Account) => {
    // Both at once: each is a digest (off the main thread where Web Crypto is used), one a store read too.
    const [sub, typed] = 'sub' in who ? [who.sub] : await Promise.all([sessions.accountOf(who.name), sessions.typedNameDigest(who.name)])
    const address = deps.clientAddress?.(c)
    return [
      ...(typed ? [{ key: `attempts:name:${typed}`, max: maxPerUser, of: 'name' }] : []),
      ...(sub ? [{ key: accountKey(sub), max: maxPerUser, of: 'account' }] : []),
      ...(address ? [{ key: `attempts:address:${address}`, max: maxPerAddress, of: 'address' }] : []),
    ]
  }
  const release = (counted: { key: string }[]) => Promise.all(counted.map((k) => deps.attempts.release(k.key)))

  return {
    /** Runs one attempt at a secret under the limits; `settle` says what a success does to the counts. */
    async guard<T>(c: Context<AppEnv>, who: Account, attempt: () => Promise<T>, settle: (result: T) => Settle = () => ({ done: true })): Promise<T> {
      const counted = await keys(c, who)
      const counts = await Promise.all(counted.map((k) => deps.attempts.hit(k.key, windowSeconds)))
      const blocked = counts.filter((n, i) => n.count > counted[i]!.max)
      if (blocked.length) {
        // Refused before Cognito was asked: not a guess, so it is not counted.
        await release(counted)
        const retryAfter = Math.max(1, ...blocked.map((n) => n.resetInSeconds))
        throw new ApiError('too_many_requests', 'Too many failed attempts; try again later.', { headers: { 'Retry-After': String(retryAfter) } })
      }
      let result: T
      try {
        result = await attempt()
      } catch (err) {
        // A wrong password or code stays counted; anything else (Cognito down, bad input) was no guess.
        if (!isWrongSecret(err) && !(err instanceof SessionRefused && err.reason === 'wrong_user')) await release(counted)
        throw err
      }
      const { done, sub } = settle(result)
      if (!done) {
        await release(counted)
        return result
      }
      // The secret was right: the count of the account that proved it starts again (never another
      // account's, which a name looked up may have pointed at). The name's count does not, this
      // attempt aside: two accounts can share it (a pool that tells Alice@ from alice@), and one's
      // success wiped the guesses at the other, which then went on without end (an attacker's review).
      const looked = counted.find((k) => k.of === 'account')?.key
      const proved = sub ? accountKey(sub) : looked
      await Promise.all(counted.map((k) => (k.key === proved ? deps.attempts.clear(k.key) : deps.attempts.release(k.key))))
      // Stryker disable next-line ConditionalExpression: when proved === looked the key was cleared just above; clearing it again changes no count (a parallel attempt's only in the same race the first clear has)
      if (proved && proved !== looked) await deps.attempts.clear(proved)
      return result
    },
  }
}
