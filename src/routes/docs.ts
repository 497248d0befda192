import { swaggerUI } from '@hono/swagger-ui'
import { Hono } from 'hono'
import type { AppEnv, Deps } from '../env'
import { openApiDocument } from '../openapi'

/** Where Swagger UI's own files are served from: the service itself, never a CDN. */
export const DOCS_ASSETS_PATH = '/docs/swagger-ui-dist'
/** The files of swagger-ui-dist that the page loads. */
export const DOCS_ASSET_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const

/** /openapi.json, /docs and, where the platform does not serve them, Swagger UI's files. */
export function docsRoutes(deps: Deps) {
  let document: string | undefined // built on first use, then kept: it never changes
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => {
      document ??= JSON.stringify(openApiDocument())
      return c.body(document, 200, { 'Content-Type': 'application/json' })
    })
    .get(
      '/docs',
      swaggerUI({
        url: '/openapi.json',
        // @hono/swagger-ui appends /swagger-ui-dist/<file> to baseUrl.
        baseUrl: '/docs',
        title: 'Edge auth gateway',
      }),
    )
    .get(`${DOCS_ASSETS_PATH}/:file`, async (c) => {
      const file = c.req.param('file')
      const res = (DOCS_ASSET_FILES as readonly string[]).includes(file) ? await deps.docsAsset?.(file) : undefined
      return res ?? c.notFound()
    })
}
