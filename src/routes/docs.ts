import { SwaggerUI } from '@hono/swagger-ui'
import { Hono } from 'hono'
import type { AppEnv, Deps } from '../env'
import { replyBytes, replyEmpty, replyText, setHeader } from '../http/respond'

/** Where Swagger UI's own files are served from: the service itself, never a CDN. */
export const DOCS_ASSETS_PATH = '/docs/swagger-ui-dist'
/** The files of swagger-ui-dist that the page loads. */
export const DOCS_ASSET_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const

/**
 * /openapi.json, /docs and Swagger UI's files. On Workers the platform serves the document and
 * the files as static assets (src/dev/build-assets.ts) and these routes are never reached.
 */
export function docsRoutes(deps: Deps) {
  // Node and Bun serve the document and the files under SERVICE_PREFIX, as every route; on
  // Workers they are static assets at the root, whatever the prefix.
  const page = docsPage(deps.docsAsset ? deps.config.prefix : '')
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => {
      const document = deps.openApi?.()
      return document ? replyText(c, document, 'application/json') : c.notFound()
    })
    .get('/docs', (c) => replyText(c, page, 'text/html; charset=utf-8'))
    // Browsers ask for it on every page; nothing, rather than a 404 in the console.
    .get('/favicon.ico', (c) => {
      setHeader(c, 'Cache-Control', 'public, max-age=86400')
      return replyEmpty(c, 204)
    })
    .get(`${DOCS_ASSETS_PATH}/:file`, async (c) => {
      const file = c.req.param('file')
      const asset = (DOCS_ASSET_FILES as readonly string[]).includes(file) ? await deps.docsAsset?.(file) : undefined
      return asset ? replyBytes(c, asset.bytes, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' }) : c.notFound()
    })
}

// Swagger UI's page: @hono/swagger-ui's markup, with its files from the service itself.
const docsPage = (base: string) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Edge auth gateway</title>
  </head>
  <body>
    ${SwaggerUI({
      url: `${base}/openapi.json`,
      // @hono/swagger-ui appends /swagger-ui-dist/<file> to baseUrl.
      baseUrl: `${base}/docs`,
    })}
  </body>
</html>
`
