// The gateway's path normalization: its shortcut for paths already normal must answer exactly
// what the full algorithm answers, for any path, or a rule and the upstream could see two paths.
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { normalizePath, resolvePath } from '../src/gateway/path'

// Pieces that reach both branches: dot segments, empty segments, escapes, characters refused.
const piece = fc.constantFrom('a', 'B', 'x.json', '.', '..', '...', '.a', '..b', '', '%2e', '%2E', '%41', '%2f', '%7e', '%', ';', '\\', ' ', '~', '-', '_', "!$&'()*+,=:@", 'é', '\u0000', '?')
const path = fc.array(fc.array(piece, { maxLength: 3 }).map((s) => s.join('')), { maxLength: 6 }).map((segments) => `/${segments.join('/')}`)

it('answers what the full algorithm answers, for 20,000 generated paths', () => {
  let shortcuts = 0
  fc.assert(
    fc.property(fc.oneof(path, fc.string({ maxLength: 20 })), (p) => {
      const fast = normalizePath(p)
      expect(fast).toEqual(resolvePath(p))
      if ('path' in fast && fast.path === p) shortcuts++
    }),
    { numRuns: 20_000 },
  )
  // Both branches ran: the comparison is not vacuous.
  expect(shortcuts).toBeGreaterThan(1000)
})

it.each(['/', '/orders/1', '/a/b/', '/x.json', '/.well-known/a', '/a..b/c', "/!$&'()*+,=:@~-_"])('keeps the normal path %s as it is', (p) => {
  expect(normalizePath(p)).toEqual({ path: p })
})

it.each([
  ['/a/./b', '/a/b'],
  ['/a/../b', '/b'],
  ['/a/..', '/'],
  ['/a//b', '/a/b'],
  ['/a/.', '/a/'],
  ['/%7e', '/~'],
])('resolves %s to %s', (raw, normal) => {
  expect(normalizePath(raw)).toEqual({ path: normal })
})
