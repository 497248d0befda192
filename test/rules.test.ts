// ROUTES in process: which rule a request meets (gateway.test.ts drives the same rules over the
// proxy), and the one line that stops the service at start for each mistake in them.
import { beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../src/config'
import { matchRule, parseRoutes, slashTwin, type Rule } from '../src/gateway/rules'
import { refusalOf, testEnv } from './support/harness'

const refusal = (value: unknown) => refusalOf(parseRoutes, value)

describe('ROUTES', () => {
  it('is empty when not set, and fills in defaults: a signed-in user, no groups, paths without case', () => {
    expect(parseRoutes(undefined)).toEqual([])
    expect(parseRoutes('[{"path":"/Orders/*","methods":["GET"]},{"path":"/","auth":"none"}]')).toEqual([
      { path: '/orders/*', methods: ['GET'], auth: 'user', groups: [] },
      { path: '/', auth: 'none', groups: [] },
    ])
  })

  it('takes groups on a rule for signed-in users, and methods of any length', () => {
    expect(parseRoutes('[{"path":"/admin/*","methods":["GET","DELETE"],"groups":["admins","ops"]}]')).toEqual([
      { path: '/admin/*', methods: ['GET', 'DELETE'], auth: 'user', groups: ['admins', 'ops'] },
    ])
  })

  it.each([
    ['not JSON', 'nope', 'must be a JSON array of rules'],
    ['not an array', { path: '/' }, 'must be a JSON array of rules'],
    ['a rule that is not an object', [{ path: '/' }, '/admin'], 'rule 1: must be of type object'],
    ['a path that is not a string', [{ path: 1 }], 'rule 0.path: must be of type string'],
    ['a lower-case method', [{ path: '/a' }, { path: '/b', methods: ['get'] }], 'rule 1.methods.0: must be upper-case HTTP methods'],
    ['a method with a space', [{ path: '/a', methods: [' GET'] }], 'rule 0.methods.0: must be upper-case HTTP methods'],
    ['a method with a trailing character', [{ path: '/a', methods: ['GET!'] }], 'rule 0.methods.0: must be upper-case HTTP methods'],
    ['a path with dot segments', [{ path: '/a/../admin' }], 'rule 0.path: must be a normalized path, or a prefix ending in /*'],
    ['a path with an encoded unreserved character', [{ path: '/%61dmin' }], 'rule 0.path: must be a normalized path, or a prefix ending in /*'],
    ['a wildcard in the middle', [{ path: '/a/*/b' }], 'rule 0.path: must be a normalized path, or a prefix ending in /*'],
    ['a wildcard without its slash', [{ path: '/a*' }], 'rule 0.path: must be a normalized path, or a prefix ending in /*'],
    ['not a path', [{ path: 'admin' }], 'rule 0.path: must be a normalized path, or a prefix ending in /*'],
    ['an unknown field', [{ path: '/a', group: ['x'] }], 'rule 0: unknown field "group"'],
    ['a public rule with groups', [{ path: '/a' }, { path: '/b', auth: 'none', groups: ['admins'] }], 'rule 1: auth "none" cannot require groups'],
  ])('refuses %s, saying where', (_, value, message) => {
    expect(refusal(value)).toBe(message)
  })

  it('takes a prefix at the root and any normalized path', () => {
    for (const path of ['/*', '/', '/a/b', '/a/b/', '/a/*', '/a~b.c/*']) expect(refusal([{ path }]), path).toBe('accepted')
  })

  it('names the variable when it stops the service', () => {
    expect(() => parseConfig(testEnv({ ROUTES: '[{"path":"/a","methods":["get"]}]' }))).toThrow('ROUTES rule 0.methods.0: must be upper-case HTTP methods')
  })
})

describe('which rule a request meets', () => {
  // Parsed before the tests, not while they are collected: a mutant that makes parsing throw then
  // fails them, which Stryker counts; a file that fails to load it counted as a survivor.
  let rules: Rule[] = []
  beforeAll(() => {
    rules = parseRoutes(
      JSON.stringify([
        { path: '/public/*', auth: 'none' },
        { path: '/admin/*', methods: ['DELETE'], groups: ['admins'] },
        { path: '/reports', methods: ['GET'], auth: 'none' },
        { path: '/*', methods: ['POST'], groups: ['writers'] },
      ]),
    )
  })
  const rule = (method: string, path: string) => rules.indexOf(matchRule(rules, method, path))

  it('matches a prefix rule at the prefix itself and below it, never a longer name', () => {
    expect(rule('GET', '/public')).toBe(0)
    expect(rule('GET', '/public/')).toBe(0)
    expect(rule('GET', '/public/a/b')).toBe(0)
    expect(rule('GET', '/publicity')).toBe(-1)
  })

  it('matches an exact rule only at its path, without case', () => {
    expect(rule('GET', '/reports')).toBe(2)
    expect(rule('GET', '/REPORTS')).toBe(2)
    expect(rule('GET', '/reports/')).toBe(-1)
    expect(rule('GET', '/reports/x')).toBe(-1)
  })

  it('names the exact rule of a path\'s other spelling, with a final slash or without, which the request must pass too', () => {
    // An attacker's review got an admins-only /reports with /reports/, which Express serves as /reports.
    expect(slashTwin(rules, 'GET', '/reports/')).toBe(rules[2])
    expect(slashTwin(rules, 'GET', '/Reports/')).toBe(rules[2])
    expect(slashTwin(rules, 'HEAD', '/reports/')).toBe(rules[2])
    expect(slashTwin(rules, 'POST', '/reports/')).toBeUndefined()
    expect(slashTwin(rules, 'GET', '/reports')).toBeUndefined()
    expect(slashTwin(rules, 'GET', '/reports/x/')).toBeUndefined()
    // Never a prefix rule: /public/* covers /public and /public/ already.
    expect(slashTwin(rules, 'GET', '/public/')).toBeUndefined()
    const slashed = parseRoutes('[{"path":"/a/b/","groups":["admins"]},{"path":"/","auth":"none"}]')
    expect(slashTwin(slashed, 'GET', '/a/b')).toBe(slashed[0])
    expect(slashTwin(slashed, 'GET', '/a/b/')).toBeUndefined()
    expect(slashTwin(slashed, 'GET', '/')).toBeUndefined()
  })

  it('takes the first rule whose methods match; a rule for GET covers HEAD, never the other way', () => {
    expect(rule('DELETE', '/admin/users')).toBe(1)
    expect(rule('GET', '/admin/users')).toBe(-1)
    expect(rule('HEAD', '/reports')).toBe(2)
    expect(rule('POST', '/reports')).toBe(3)
    const headOnly = parseRoutes('[{"path":"/x","methods":["HEAD"],"auth":"none"}]')
    expect(matchRule(headOnly, 'GET', '/x').auth).toBe('user')
  })

  it('matches everything under a root prefix, and denies by default what no rule names', () => {
    expect(rule('POST', '/anything/at/all')).toBe(3)
    expect(rule('POST', '/')).toBe(3)
    expect(matchRule(rules, 'PUT', '/anything')).toEqual({ path: '/*', auth: 'user', groups: [] })
    expect(matchRule([], 'GET', '/')).toEqual({ path: '/*', auth: 'user', groups: [] })
  })
})
