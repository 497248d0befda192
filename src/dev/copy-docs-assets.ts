// Copies the Swagger UI files the /docs page loads into public/, which Workers serves as static
// assets (wrangler.toml runs this before `wrangler dev` and `wrangler deploy`).
import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { DOCS_ASSET_FILES, DOCS_ASSETS_PATH } from '../routes/docs'

const from = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const to = join(process.cwd(), 'public', DOCS_ASSETS_PATH)
mkdirSync(to, { recursive: true })
for (const file of DOCS_ASSET_FILES) copyFileSync(join(from, file), join(to, file))
