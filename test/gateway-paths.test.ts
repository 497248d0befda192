// The edges of path normalization, as a client and the upstream see them: which escapes are
// decoded, kept or refused (and the reason the 400 gives), raw characters only a proxy's
// X-Original-URI can carry, a trailing `..`; and a ROUTES mistake that names several fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseRoutes } from '../src/gateway/rules'
import { nodeUpstream } from '../src/runtime/node/upstream'
import { refusalOf, testApp } from './support/harness'
import { startUpstream, type TestUpstream } from './support/upstream'

const ROUTES = JSON.stringify([{ path: '/open/*', auth: 'none' }, { path: '/docs/', auth: 'none' }])

let upstream: TestUpstream
let app: ReturnType<typeof testApp>['app']
beforeAll(async () => {
  upstream = await startUpstream()
  app = testApp({ UPSTREAM_URL: upstream.url, ROUTES }, { upstream: nodeUpstream }).app
})
afterAll(() => upstream?.stop())

/** What a refused path answers: 400 invalid_request, with the reason in the description. */
async function refusal(res: Response) {
  expect(res.status).toBe(400)
  const body = (await res.json()) as { error: string; error_description: string }
  expect(body.error).toBe('invalid_request')
  return body.error_description
}

describe('escapes in a forwarded path', () => {
  it.each([
    ['/open/a%20b', '/open/a%20b'],
    ['/open/a%3a%2c', '/open/a%3A%2C'],
    ['/open/%7e%41', '/open/~A'],
  ])('forwards %s as %s: a space stays encoded, other escapes upper-cased, unreserved ones decoded', async (raw, forwarded) => {
    const res = await app.request(`http://gw.example${raw}`)
    expect(res.status).toBe(200)
    expect(upstream.last()!.url).toBe(forwarded)
  })

  it.each([
    ['/open/a%7f', 'control character'],
    ['/open/a%7F', 'control character'],
    ['/open/a%zz', 'not a path'],
    ['/open/a%4g', 'not a path'],
    ['/open/a%4', 'not a path'],
  ])('refuses %s, saying why (%s), and forwards nothing', async (raw, reason) => {
    const before = upstream.received.length
    expect(await refusal(await app.request(`http://gw.example${raw}`))).toBe(`The request path is refused: ${reason}.`)
    expect(upstream.received.length).toBe(before)
  })
})

describe('an original URI from a proxy, as it came', () => {
  const verify = (uri: string) => app.request('/auth/verify', { headers: { 'X-Original-URI': uri } })

  it.each([
    ['open/x', 'not a path'],
    ['/open\\..\\admin', 'encoded slash or backslash'],
    ['/open/a b', 'control character'],
    ['/open/a\tb', 'control character'],
  ])('refuses %j, saying why (%s)', async (uri, reason) => {
    expect(await refusal(await verify(uri))).toBe(`The request path is refused: ${reason}.`)
  })

  it('keeps a path ending in a dot segment a directory: /docs/x/.. is /docs/, which the rule for /docs/ lets in', async () => {
    expect((await verify('/docs/x/..')).status).toBe(200)
    expect((await verify('/docs/x/%2e%2E')).status).toBe(200)
    expect((await verify('/docs/x/.')).status).toBe(401) // /docs/x/
    expect((await verify('/docs/x/../..')).status).toBe(401) // /
  })
})

it('names every unknown field of a rule in ROUTES', () => {
  expect(refusalOf(parseRoutes, [{ path: '/a', group: ['x'], role: 'admin' }])).toBe('rule 0: unknown field "group", "role"')
})
