// The Worker's static assets, written into public/ before every `wrangler dev` and `wrangler
// deploy` (wrangler.toml's [build]): Swagger UI's files, and the OpenAPI document, which is
// built here once so that the JSON Schema generator never enters the Worker script.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { docsPage } from '../src/docs-page'
import { API_HEADERS, DOCUMENT_HEADERS } from '../src/http/respond'
import { openApiDocument } from '../src/openapi'
import { DOCS_ASSET_FILES, DOCS_ASSETS_PATH } from '../src/routes/docs'

const publicDir = join(import.meta.dirname, '../public')
const from = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const to = join(publicDir, DOCS_ASSETS_PATH)
mkdirSync(to, { recursive: true })
for (const file of DOCS_ASSET_FILES) copyFileSync(join(from, file), join(to, file))
// SERVICE_PREFIX, when the environment of `wrangler dev`/`deploy` has it, goes into the document.
writeFileSync(join(publicDir, 'openapi.json'), JSON.stringify(openApiDocument(process.env.SERVICE_PREFIX ?? '')))
// The page at /docs (the platform serves docs.html there), loading the files and document above.
writeFileSync(join(publicDir, 'docs.html'), docsPage(''))

// The platform serves these files, not the Worker: _headers gives them the headers the routes of
// src/routes/docs.ts send on Node and Bun (a page and its files may not be framed, and so on).
const rules: [string, Record<string, string>][] = [
  ['/openapi.json', API_HEADERS],
  ['/docs', { ...API_HEADERS, ...DOCUMENT_HEADERS }],
  // The spellings the platform redirects to /docs (its html_handling): the redirect too.
  ['/docs/', API_HEADERS],
  ['/docs.html', API_HEADERS],
  [`${DOCS_ASSETS_PATH}/*`, { ...API_HEADERS, ...DOCUMENT_HEADERS, 'cache-control': 'public, max-age=86400' }],
]
writeFileSync(join(publicDir, '_headers'), rules.map(([path, headers]) => `${path}\n${Object.entries(headers).map(([k, v]) => `  ${k}: ${v}\n`).join('')}`).join(''))
