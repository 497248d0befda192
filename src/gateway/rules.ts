import * as z from 'zod/mini'
import { safeJsonParse } from '../encoding'
import { normalizePath } from './path'

/** One rule of ROUTES: which requests it covers, and what they need. */
export type Rule = { path: string; methods?: string[]; auth: 'none' | 'user'; groups: string[] }

const METHOD = /^[A-Z]+$/
const RuleSchema = z.strictObject({
  path: z.string().check(
    z.refine((p) => {
      const base = p.endsWith('/*') ? p.slice(0, -2) || '/' : p
      const n = normalizePath(base)
      // A pattern is a path as the gateway forwards it: already normalized, no wildcard but a final `/*`.
      return !base.includes('*') && 'path' in n && n.path === base
    }, 'must be a normalized path, or a prefix ending in /*'),
  ),
  methods: z.optional(z.array(z.string().check(z.regex(METHOD, 'must be upper-case HTTP methods'))).check(z.minLength(1))),
  auth: z._default(z.enum(['none', 'user']), 'user'),
  groups: z._default(z.array(z.string().check(z.minLength(1))), []),
})
const RulesSchema = z.array(RuleSchema)

/** Parses ROUTES (a JSON array of rules); throws an Error whose message says what is wrong, never the value. */
export function parseRoutes(text: string | undefined): Rule[] {
  if (text === undefined) return []
  const json = safeJsonParse(text)
  // Stryker disable next-line ConditionalExpression: undefined then fails RulesSchema at its root, which throws this same message below
  if (json === undefined) throw new Error('must be a JSON array of rules')
  const parsed = RulesSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    if (!issue.path.length) throw new Error('must be a JSON array of rules')
    // zod/mini carries no messages of its own for these: say which field, and what was expected.
    const message =
      issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      : issue.code === 'invalid_type' ? `must be of type ${issue.expected}`
      : issue.message
    throw new Error(`rule ${issue.path.join('.')}: ${message}`)
  }
  for (const [i, r] of parsed.data.entries()) {
    if (r.auth === 'none' && r.groups.length) throw new Error(`rule ${i}: auth "none" cannot require groups`)
  }
  return parsed.data.map((r) => ({ ...r, path: r.path.toLowerCase() }))
}

// A request that matches no rule needs a signed-in user (deny by default).
const DEFAULT: Rule = { path: '/*', auth: 'user', groups: [] }

// A rule for GET covers HEAD too, which every server answers with the GET handler.
const fits = (r: Rule, method: string) => !r.methods || r.methods.includes(method) || (method === 'HEAD' && r.methods.includes('GET'))

/** The first rule whose path and methods match (paths compared without case), or the default. */
export function matchRule(rules: readonly Rule[], method: string, path: string): Rule {
  const p = path.toLowerCase()
  for (const r of rules) {
    if (!fits(r, method)) continue
    if (r.path.endsWith('/*')) {
      const prefix = r.path.slice(0, -2)
      // A root prefix ('/*', prefix '') covers every path: each starts with '/'.
      if (p === prefix || p.startsWith(`${prefix}/`)) return r
    } else if (p === r.path) {
      return r
    }
  }
  return DEFAULT
}

/**
 * The exact rule for the path's other spelling, with a final '/' or without, if there is one. A
 * request must pass it too: Express (by default), Django and Rails serve /x/ as /x, so /x/ must
 * not get past a rule for /x; Go's ServeMux or Flask serve two resources, so a public /x must not
 * open /x/, which another rule may close.
 */
export function slashTwin(rules: readonly Rule[], method: string, path: string): Rule | undefined {
  const p = path.toLowerCase()
  const other = p.endsWith('/') ? p.slice(0, -1) : `${p}/`
  return rules.find((r) => r.path === other && fits(r, method))
}
