import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Deps } from '../../env'
import { docsPage } from '../../docs-page'
import { openApiDocument } from '../../openapi'

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' }

/** Node and Bun: serves Swagger UI's files from the installed swagger-ui-dist package, read once. */
export function fileDocsAssets(): NonNullable<Deps['docsAsset']> {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
  const cache = new Map<string, Promise<Uint8Array>>()
  return async (file) => {
    let bytes = cache.get(file)
    if (!bytes) cache.set(file, (bytes = readFile(join(dir, file))))
    return { bytes: await bytes, type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' }
  }
}

/** Node and Bun: the OpenAPI document, built once on first use. */
export function builtOpenApi(prefix = ''): NonNullable<Deps['openApi']> {
  let document: string | undefined
  return () => (document ??= JSON.stringify(openApiDocument(prefix)))
}

/** Node and Bun: Swagger UI's page, its document and files under SERVICE_PREFIX as every route. */
export function builtDocsPage(prefix = ''): NonNullable<Deps['docsPage']> {
  const page = docsPage(prefix)
  return () => page
}
