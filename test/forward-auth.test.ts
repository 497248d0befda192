// Forward auth with the real proxies people put in front of an API: Debian's nginx
// (auth_request) and Caddy (forward_auth), configured as the README shows, asking the real Node
// server at /auth/verify, in front of a real upstream that records what reaches it.
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { emulatorCall } from '../scripts/emulator'
import { cognito, confirmedUser, signIn, testApp, testEnv } from './support/harness'
import { startCaddy, startNginx, type Proxy } from './support/proxies'
import { startRuntime, type Running } from './support/runtime'
import { startUpstream, type TestUpstream } from './support/upstream'

const ROUTES = JSON.stringify([
  { path: '/public/*', methods: ['GET'], auth: 'none' },
  { path: '/admin/*', groups: ['admins'] },
])

let upstream: TestUpstream
let service: Running
const proxies: Record<string, Proxy> = {}
let token: string
let adminToken: string
let sub: string

beforeAll(async () => {
  upstream = await startUpstream()
  service = await startRuntime('node', testEnv({ ROUTES }))
  const servicePort = Number(new URL(service.baseUrl).port)
  const upstreamPort = Number(new URL(upstream.url).port)
  ;[proxies.nginx, proxies.caddy] = await Promise.all([startNginx(servicePort, upstreamPort), startCaddy(servicePort, upstreamPort)])
  // Users signed in through the same pool (the app in process and the server share it).
  const { app } = testApp()
  const user = await confirmedUser(app)
  const tokens = await signIn(app, user)
  token = tokens.access_token
  sub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub
  const admin = await confirmedUser(app)
  await emulatorCall(cognito().endpoint, 'CreateGroup', { GroupName: 'admins', UserPoolId: cognito().userPoolId }).catch(() => undefined)
  await emulatorCall(cognito().endpoint, 'AdminAddUserToGroup', { GroupName: 'admins', UserPoolId: cognito().userPoolId, Username: admin.email })
  adminToken = (await signIn(app, admin)).access_token
}, 90_000)

afterAll(async () => {
  await Promise.all(Object.values(proxies).map((p) => p.stop()))
  await service?.stop()
  await upstream?.stop()
})

/** A GET with the path sent exactly as given (fetch would resolve `..` before sending). */
const rawGet = (port: number, path: string, headers: Record<string, string> = {}) => rawRequest(port, 'GET', path, headers)

function rawRequest(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode! }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe.each(['nginx', 'caddy'])('behind %s', (name) => {
  const port = () => proxies[name]!.port
  const reached = async (run: () => Promise<unknown>) => {
    const before = upstream.received.length
    await run()
    return upstream.received.length - before
  }

  it('answers 401 without a token, and the upstream is never asked', async () => {
    let status = 0
    expect(await reached(async () => ({ status } = await rawGet(port(), '/orders/1')))).toBe(0)
    expect(status).toBe(401)
  })

  it('forwards a signed-in request with the identity from the service, never the client\'s', async () => {
    const { status } = await rawGet(port(), '/orders/1?x=1', { Authorization: `Bearer ${token}`, 'X-Auth-Request-User': 'someone-else', 'X-Auth-Request-Groups': 'admins' })
    expect(status).toBe(200)
    const got = upstream.last()!
    expect(got.url).toBe('/orders/1?x=1')
    expect(got.headers['x-auth-request-user']).toBe(sub)
    expect(got.headers['x-auth-request-email']).toMatch(/@example\.com$/)
    // Left out, or (Caddy 2.6 sets what it copies even when empty) empty: never the client's.
    expect(got.headers['x-auth-request-groups'] ?? '').toBe('')
  })

  it('lets a public path through without a token, with no identity the client made up', async () => {
    const { status } = await rawGet(port(), '/public/page', { 'X-Auth-Request-User': 'forged', 'X-Auth-Request-Email': 'ceo@example.com' })
    expect(status).toBe(200)
    const got = upstream.last()!
    expect(got.headers['x-auth-request-user'] ?? '').toBe('')
    expect(got.headers['x-auth-request-email'] ?? '').toBe('')
  })

  it('answers 403 to a user in none of the groups, and forwards a member with the groups', async () => {
    let status = 0
    expect(await reached(async () => ({ status } = await rawGet(port(), '/admin/users', { Authorization: `Bearer ${token}` })))).toBe(0)
    expect(status).toBe(403)
    expect((await rawGet(port(), '/admin/users', { Authorization: `Bearer ${adminToken}` })).status).toBe(200)
    expect(upstream.last()!.headers['x-auth-request-groups']).toBe('admins')
  })

  it('never lets a client name another request in the header pair its proxy does not set', async () => {
    for (const [method, path, headers] of [
      ['GET', '/admin/users', { 'X-Forwarded-Uri': '/public/x' }],
      ['GET', '/admin/users', { 'X-Original-URI': '/public/x' }],
      ['DELETE', '/public/x', { 'X-Forwarded-Method': 'GET' }],
      ['DELETE', '/public/x', { 'X-Original-Method': 'GET' }],
      ['GET', '/admin/users', { X_Auth_Request_Groups: 'admins', Authorization: `Bearer ${token}` }],
    ] as const) {
      let status = 0
      expect(await reached(async () => ({ status } = await rawRequest(port(), method, path, headers))), `${method} ${path} ${JSON.stringify(headers)}`).toBe(0)
      expect(status).toBeGreaterThanOrEqual(400)
    }
  })

  it.each(['/public/../admin/users', '/public/%2e%2e/admin/users', '/PUBLIC/%2E%2E/ADMIN/users'])('never lets %s past the admin rule', async (path) => {
    let status = 0
    expect(await reached(async () => ({ status } = await rawGet(port(), path)))).toBe(0)
    expect(status).toBeGreaterThanOrEqual(400)
    expect(status).not.toBe(404)
  })
})
