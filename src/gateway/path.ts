// The one path a gateway rule matches and the upstream receives: nothing is decoded for the rule
// alone (no parser differential between this service and the upstream).

/** Why a path is refused rather than normalized. */
export type PathRefusal = 'encoded slash or backslash' | 'control character' | 'path parameter' | 'not a path'

const UNRESERVED = /[A-Za-z0-9\-._~]/
// A path that is already normal: segments of plain characters (no `%`, `;` or `\`), none of them
// `.` or `..`, none empty but the last. Most requests' paths are; they skip the work below.
const PLAIN = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9\-._~!$&'()*+,=:@]+)*\/?$/
const PERCENT = /%([0-9A-Fa-f]{2})/g

/**
 * Normalizes a request path (RFC 3986 §6.2.2): percent-encoded unreserved characters decoded
 * (`%2e` is `.`, `%41` is `A`), other encodings kept and upper-cased, dot segments resolved
 * (§5.2.4; `..` never climbs above the root), `//` collapsed. Refused, never guessed at: an
 * encoded `/` or `\` (`%2F`, `%5C`), a backslash, a `;` path parameter (servlet containers
 * route `/admin;x/` as `/admin/`), a control character raw or encoded, a malformed escape.
 */
export function normalizePath(raw: string): { path: string } | { refused: PathRefusal } {
  // Stryker disable next-line MethodExpression: PLAIN matches '' or a path starting with '/'; endsWith sends more to resolvePath, same answer
  return raw.startsWith('/') && PLAIN.test(raw) ? { path: raw } : resolvePath(raw)
}

/** normalizePath without its shortcut for paths already normal (exported for the test that compares them). */
export function resolvePath(raw: string): { path: string } | { refused: PathRefusal } {
  if (!raw.startsWith('/')) return { refused: 'not a path' }
  if (/[\\;]/.test(raw)) return { refused: raw.includes(';') ? 'path parameter' : 'encoded slash or backslash' }
  if (/[\u0000-\u0020\u007f]/.test(raw)) return { refused: 'control character' }
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) return { refused: 'not a path' }
  let refusal: PathRefusal | undefined
  const decoded = raw.replace(PERCENT, (escape, hex: string) => {
    const code = parseInt(hex, 16)
    if (code < 0x20 || code === 0x7f) refusal ??= 'control character'
    if (code === 0x2f || code === 0x5c) refusal ??= 'encoded slash or backslash'
    if (code === 0x3b) refusal ??= 'path parameter'
    const ch = String.fromCharCode(code)
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`
  })
  if (refusal) return { refused: refusal }
  const out: string[] = []
  // Stryker disable next-line MethodExpression: the path starts with '/': a first piece '' that is never last, so dropped anyway
  const segments = decoded.split('/').slice(1)
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1
    if (segment === '..') out.pop()
    else if (segment !== '.' && (segment !== '' || last)) out.push(segment)
    // A trailing dot segment keeps the path a directory: `/a/b/..` is `/a/`.
    if (last && (segment === '.' || segment === '..')) out.push('')
  })
  return { path: `/${out.join('/')}` }
}
