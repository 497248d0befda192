// /openapi.json covers every route; /docs is Swagger UI served entirely by the service.
import { describe, expect, it } from 'vitest'
import { DOCS_ASSET_FILES, DOCS_ASSETS_PATH } from '../src/routes/docs'
import { createApp, createDeps } from '../src/app'
import { parseConfig } from '../src/config'
import { testApp, testEnv } from './support/harness'

const { app } = testApp({}, { docsAsset: async (file) => ({ bytes: new TextEncoder().encode(`contents of ${file}`), type: 'text/plain' }) })

const document = async () => (await (await app.request('/openapi.json')).json()) as {
  openapi: string
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown }>>
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every route the app serves, and no other', async () => {
    const doc = await document()
    expect(doc.openapi).toBe('3.1.0')
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    const served = app.routes
      // The 405 answers of each path (src/app.ts) serve no operation.
      .filter((r) => !r.path.startsWith(DOCS_ASSETS_PATH) && !(r.method === 'ALL' && r.path === '/*') && r.handler.name !== 'methodNotAllowed')
      // Forward auth takes any method; it is documented as GET.
      .map((r) => `${r.method === 'ALL' ? 'GET' : r.method} ${r.path}`)
    expect(new Set(documented)).toEqual(new Set(served))
  })

  it('has an OAuth2 password flow whose tokenUrl is /token, on every bearer route', async () => {
    const doc = await document()
    expect(doc.components.securitySchemes.OAuth2PasswordBearer).toEqual({ type: 'oauth2', flows: { password: { tokenUrl: '/token', scopes: {} } } })
    for (const path of ['/demopage', '/me', '/signout']) {
      const op = Object.values(doc.paths[path]!)[0]!
      expect(op.security).toEqual([{ OAuth2PasswordBearer: [] }])
      expect(op.responses).toHaveProperty('401')
    }
  })

  it('describes the inputs and the error responses, and every reference resolves', async () => {
    const doc = await document()
    expect(doc.paths['/signup']!.post!.requestBody).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/SignUpRequest' } } } })
    expect(doc.paths['/signin']!.post!.requestBody).toMatchObject({ content: { 'application/x-www-form-urlencoded': {} } })
    expect(doc.paths['/signup']!.post!.responses).toHaveProperty('400')
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)]
    expect(refs.length).toBeGreaterThan(10)
    for (const [, kind, name] of refs) expect((doc.components as Record<string, Record<string, unknown>>)[kind!]).toHaveProperty(name!)
    // An $id or $schema inside a component would make Swagger UI resolve references against it.
    expect(JSON.stringify(doc.components.schemas)).not.toMatch(/"\$id"|"\$schema"/)
  })
  it('gives every request field a value Swagger UI can pre-fill (describeRequests, kept out of the Worker)', async () => {
    type Field = { example?: unknown; enum?: unknown; properties?: Record<string, Field> }
    const { schemas } = (await document()).components
    const requests = Object.entries(schemas as Record<string, Field>).filter(([id]) => /Request$|Form$/.test(id))
    expect(requests.length).toBe(11)
    const bare = (fields: Record<string, Field>, where: string): string[] =>
      Object.entries(fields).flatMap(([name, f]) =>
        f.properties ? bare(f.properties, `${where}.${name}`) : f.example === undefined && !f.enum ? [`${where}.${name}`] : [])
    expect(requests.flatMap(([id, s]) => bare(s.properties!, id))).toEqual([])
    expect(schemas.SignUpRequest).toMatchObject({ properties: { email: { example: 'alice@example.com', description: 'Also the Cognito username' } } })
  })
})

describe('Swagger UI', () => {
  it('loads only files served by the service itself, never a CDN', async () => {
    const res = await app.request('/docs')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('SwaggerUIBundle')
    expect(html).not.toMatch(/https?:\/\//)
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(urls.sort()).toEqual(DOCS_ASSET_FILES.map((f) => `${DOCS_ASSETS_PATH}/${f}`).sort())
    for (const url of urls) expect((await app.request(url)).status).toBe(200)
  })

  it('serves no other file from the assets path', async () => {
    expect((await app.request(`${DOCS_ASSETS_PATH}/package.json`)).status).toBe(404)
    expect((await app.request(`${DOCS_ASSETS_PATH}/..%2Fpackage.json`)).status).toBe(404)
    expect((await app.request(`${DOCS_ASSETS_PATH}/package.json`, { method: 'HEAD' })).status).toBe(404)
  })
})

it('answers 404, not 405, where a route of the right method has nothing (no OpenAPI document given, as in a library app)', async () => {
  const bare = createApp(createDeps(parseConfig(testEnv())))
  for (const method of ['GET', 'HEAD']) {
    const res = await bare.request('/openapi.json', { method })
    expect(res.status, method).toBe(404)
  }
  expect((await bare.request('/openapi.json', { method: 'POST' })).status).toBe(405)
})

it('answers /favicon.ico with 204 and no body, so that a browser on /docs logs no error', async () => {
  const res = await app.request('/favicon.ico')
  expect(res.status).toBe(204)
  expect(await res.text()).toBe('')
})
