import { Hono } from '../http/hono'
import type { AppEnv, Deps } from '../env'
import { documentHeaders, replyBytes, replyEmpty, replyText, setHeader } from '../http/respond'

/** Where Swagger UI's own files are served from: the service itself, never a CDN. */
export const DOCS_ASSETS_PATH = '/docs/swagger-ui-dist'
/** The files of swagger-ui-dist that the page loads. */
export const DOCS_ASSET_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const

/**
 * /openapi.json, /docs and Swagger UI's files. On Workers the platform serves the page, the
 * document and the files as static assets (scripts/build-assets.ts) and these routes are never
 * reached: none of their bytes, nor Swagger UI's markup, are in the Worker's script.
 */
export function docsRoutes(deps: Deps) {
  return new Hono<AppEnv>()
    .get('/openapi.json', (c) => {
      const document = deps.openApi?.()
      return document ? replyText(c, document, 'application/json') : c.notFound()
    })
    .get('/docs', (c) => {
      const page = deps.docsPage?.()
      documentHeaders(c)
      return page ? replyText(c, page, 'text/html; charset=utf-8') : c.notFound()
    })
    // Browsers ask for it on every page; nothing, rather than a 404 in the console.
    .get('/favicon.ico', (c) => {
      setHeader(c, 'Cache-Control', 'public, max-age=86400')
      return replyEmpty(c, 204)
    })
    .get(`${DOCS_ASSETS_PATH}/:file`, async (c) => {
      const file = c.req.param('file')
      const asset = (DOCS_ASSET_FILES as readonly string[]).includes(file) ? await deps.docsAsset?.(file) : undefined
      documentHeaders(c)
      return asset ? replyBytes(c, asset.bytes, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' }) : c.notFound()
    })
}
