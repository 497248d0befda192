import { zValidator } from '@hono/zod-validator'
import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import type * as z from 'zod/mini'
import { ApiError } from './errors'

/** A zod failure as API.md's invalid_request, with a message per field and never the input itself. */
function validationError(error: z.core.$ZodError): ApiError {
  const fields: Record<string, string> = {}
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '(body)'
    fields[key] ??= issue.message
  }
  return new ApiError('invalid_request', 'The request is missing a field or has one of the wrong form.', { fields })
}

/** Parses a value against a schema or throws invalid_request. */
export function parseInput<T extends z.ZodMiniType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value)
  if (!result.success) throw validationError(result.error)
  return result.data
}

const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/

/** The media type of a request, lower-cased and without parameters. */
const mediaType = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase()
const isJson = (header: string | undefined) => JSON_TYPE.test(mediaType(header))
const isForm = (header: string | undefined) => mediaType(header) === FORM

/**
 * A urlencoded body's fields, where hono's validator and parseBody() look for them first. They
 * would parse it as `new Response(bytes).formData()`, which on Node (undici) took 0.3 ms of every
 * sign-in (npm run bench); URLSearchParams is the parser Fetch's formData() itself uses for this
 * type (WHATWG URL's application/x-www-form-urlencoded), here on the body's text. Both read what
 * they find there with forEach((value, name)) only, which URLSearchParams has as FormData does:
 * copying the fields into a FormData cost another 0.05 ms on Node. So `c.req.formData()`, which
 * answers what is cached there, answers these URLSearchParams (get, getAll, has and entries as
 * FormData's) in a route of one's own after one of these. Multipart bodies are left to hono.
 */
// Stryker disable next-line BlockStatement: without it hono parses the same form with the same WHATWG parser: only speed differs
function parseUrlencoded(c: Context): void {
  if (!isForm(c.req.header('Content-Type')) || c.req.bodyCache.formData) return
  // hono keeps a promise there (its type says FormData).
  c.req.bodyCache.formData = c.req.text().then(
    (text) => new URLSearchParams(text),
    // A body that could not be read (the client went away): hono's own error for an unreadable form.
    (cause) => {
      throw new HTTPException(400, { message: 'Malformed FormData request.', cause })
    },
  ) as unknown as FormData
}

/** zValidator with our error body; a urlencoded form parsed as above. */
export const validate = <T extends z.ZodMiniType, Target extends 'json' | 'form' | 'query'>(target: Target, schema: T) => {
  const check = zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(result.error as unknown as z.core.$ZodError)
  })
  // Stryker disable next-line EqualityOperator,ConditionalExpression: hono parses a form itself, and parseUrlencoded leaves any other body alone: only speed differs
  if (target !== 'form') return check
  return ((c, next) => {
    parseUrlencoded(c)
    return check(c, next)
  }) as typeof check
}

/**
 * The body of a request that accepts several kinds (JSON, a form, or none): parsed, or an
 * invalid_request if it cannot be. Routes with one kind of body use `validate` instead.
 */
export async function readBody(c: Context): Promise<unknown> {
  const type = c.req.header('Content-Type')
  try {
    if (isJson(type)) return await c.req.json()
    // Stryker disable next-line ConditionalExpression: requireBody lets only JSON, a form or no body at all reach here, and no body parses as a form to nothing, as undefined does
    if (isForm(type)) {
      parseUrlencoded(c)
      // A repeated field as an array, as the validator gives it, so that the schema refuses it
      // (RFC 6749 §3.1) instead of one of its values winning.
      return await c.req.parseBody({ all: true })
    }
  } catch (cause) {
    // Stryker disable next-line ObjectLiteral: the cause reaches no answer nor log (errorResponse uses only the code and description)
    throw new ApiError('invalid_request', 'The request body could not be parsed.', { cause })
  }
  return undefined
}

const MEDIA = { json: 'application/json', form: FORM, multipart: 'multipart/form-data' } as const

/** Answers 415 unless the request body is of one of the given kinds (a request with no body passes if `optional`). */
export function requireBody(kinds: ReadonlyArray<keyof typeof MEDIA>, options: { optional?: boolean } = {}) {
  const accepted = kinds.map((k) => MEDIA[k]).join(' or ')
  return createMiddleware(async (c, next) => {
    const type = c.req.header('Content-Type')
    const ok =
      (kinds.includes('json') && isJson(type)) || (kinds.includes('form') && isForm(type)) || (kinds.includes('multipart') && mediaType(type) === MEDIA.multipart)
    const empty = type === undefined && (c.req.header('Content-Length') ?? '0') === '0' && !c.req.header('Transfer-Encoding')
    if (!ok && !(options.optional && empty)) {
      throw new ApiError('unsupported_media_type', `The request body must be ${accepted}.`)
    }
    await next()
  })
}
