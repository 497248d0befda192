// SECURITY.md's bad inputs as data: each a request and the 4xx JSON error it must get.
// Shared by the in-process run and the parity run on every runtime.
import { expect } from 'vitest'

export type InputCase = {
  name: string
  method: string
  path: string
  headers?: Record<string, string>
  body?: string
  status: number
  error?: string
}

const JSON_TYPE = { 'Content-Type': 'application/json' }
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' }
/** A password-like value that must never come back in an answer. */
export const SECRET_VALUE = 'Sup3r-Secret-Value!'

const signup = (fields: Record<string, unknown>) =>
  JSON.stringify({ username: 'u', email: 'x@example.com', password: SECRET_VALUE, mode: 'm', ...fields })

export function badInputCases(): InputCase[] {
  const json = (name: string, path: string, body: string, status = 400, error = 'invalid_request'): InputCase =>
    ({ name, method: 'POST', path, headers: JSON_TYPE, body, status, error })
  const form = (name: string, path: string, body: string, status = 400, error = 'invalid_request'): InputCase =>
    ({ name, method: 'POST', path, headers: FORM, body, status, error })
  const cases: InputCase[] = []

  // Any endpoint that takes a JSON body.
  for (const path of ['/signup', '/confirm']) {
    cases.push(
      json(`${path}: malformed JSON`, path, '{"username":'),
      json(`${path}: JSON that is an array`, path, '[]'),
      json(`${path}: JSON that is a string`, path, '"hello"'),
      json(`${path}: JSON that is null`, path, 'null'),
      { name: `${path}: wrong content type`, method: 'POST', path, headers: { 'Content-Type': 'text/plain' }, body: 'hello', status: 415, error: 'unsupported_media_type' },
      json(`${path}: a body over 16 KiB`, path, JSON.stringify({ username: 'x'.repeat(17 * 1024) }), 413, 'request_too_large'),
      json(`${path}: a 1 MB field`, path, JSON.stringify({ username: 'x'.repeat(1024 * 1024) }), 413, 'request_too_large'),
    )
  }
  // Any endpoint that takes a form.
  for (const path of ['/signin', '/token']) {
    cases.push(
      json(`${path}: JSON instead of a form`, path, JSON.stringify({ grant_type: 'password', username: 'a@example.com', password: SECRET_VALUE }), 415, 'unsupported_media_type'),
      form(`${path}: a body over 16 KiB`, path, `grant_type=password&username=${'x'.repeat(17 * 1024)}`, 413, 'request_too_large'),
      form(`${path}: a parameter repeated`, path, `grant_type=password&username=a%40example.com&username=b%40example.com&password=x`),
      form(`${path}: empty values`, path, 'grant_type=password&username=&password='),
      form(`${path}: grant_type client_credentials`, path, 'grant_type=client_credentials&username=a&password=b', 400, 'unsupported_grant_type'),
      form(`${path}: grant_type passwordblah`, path, 'grant_type=passwordblah&username=a&password=b', 400, 'unsupported_grant_type'),
      form(`${path}: a NUL in the username`, path, 'grant_type=password&username=a%00b&password=x'),
    )
  }
  cases.push(
    form('/token: grant_type missing', '/token', 'username=a%40example.com&password=x'),
    form('/token: refresh_token missing', '/token', 'grant_type=refresh_token'),
    // /signup
    json('/signup: missing fields', '/signup', JSON.stringify({ email: 'x@example.com' })),
    json('/signup: empty password', '/signup', signup({ password: '' })),
    json('/signup: an e-mail that is not one', '/signup', signup({ email: 'not-an-email' })),
    json('/signup: a username over 128 characters', '/signup', signup({ username: 'u'.repeat(129) })),
    json('/signup: a number where a string belongs', '/signup', signup({ username: 12345 })),
    json('/signup: control characters', '/signup', signup({ username: 'a\u0007b' })),
    json('/signup: a NUL', '/signup', signup({ mode: 'a\u0000b' })),
    json('/signup: a lone surrogate', '/signup', signup({ username: 'a\ud800b' }).replace('\ud800', '\\ud800')),
    json('/signup: an object where a string belongs', '/signup', signup({ mode: { $gt: '' } })),
    // /confirm
    json('/confirm: code missing', '/confirm', JSON.stringify({ username: 'x@example.com' })),
    json('/confirm: code not digits', '/confirm', JSON.stringify({ username: 'x@example.com', confirmation_code: 'abc123' })),
    json('/confirm: code 2 KB long', '/confirm', JSON.stringify({ username: 'x@example.com', confirmation_code: '1'.repeat(2048) })),
    { name: '/confirm: query parameters missing', method: 'POST', path: '/confirm', status: 400, error: 'invalid_request' },
    json('/confirm: user unknown', '/confirm', JSON.stringify({ username: 'nobody-at-all@example.com', confirmation_code: '123456' }), 400, 'invalid_code'),
    // /signout
    { name: '/signout: no token', method: 'POST', path: '/signout', status: 401, error: 'unauthorized' },
    // Anywhere
    { name: 'an unknown path', method: 'GET', path: '/admin', status: 404, error: 'not_found' },
    { name: 'a known path with the wrong method', method: 'PUT', path: '/signup', headers: JSON_TYPE, body: '{}', status: 405, error: 'method_not_allowed' },
    { name: 'a path with traversal', method: 'GET', path: '/docs/swagger-ui-dist/..%2f..%2fpackage.json', status: 404, error: 'not_found' },
  )
  return cases
}

/** Sends a case and checks the answer; returns what was seen, to compare runtimes. */
export async function checkInputCase(send: (path: string, init?: RequestInit) => Promise<Response>, t: InputCase): Promise<string> {
  const res = await send(t.path, { method: t.method, headers: t.headers, body: t.body })
  expect(res.status, t.name).toBe(t.status)
  expect(res.headers.get('Content-Type'), t.name).toMatch(/^application\/json/)
  const text = await res.text()
  const body = JSON.parse(text)
  expect(body, t.name).toMatchObject({ error: t.error, error_description: expect.any(String) })
  expect(Object.keys(body).filter((k) => !['error', 'error_description', 'fields'].includes(k)), t.name).toEqual([])
  expect(text, `${t.name}: no echo`).not.toContain(SECRET_VALUE)
  expect(text, `${t.name}: no stack`).not.toMatch(/\n\s+at |Exception/)
  return `${res.status} ${body.error} ${JSON.stringify(Object.keys(body.fields ?? {}).sort())} ${res.headers.get('Cache-Control')}`
}
