// `npm run size`: builds the Worker offline exactly as `wrangler deploy` would with the
// project's own wrangler.toml (which minifies), `wrangler deploy --dry-run`, and prints the gzip size of its script against the budget, and against a bare Hono
// Worker built the same way in the same run. Swagger UI's files and the OpenAPI document are
// static assets, not script.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'

// Issue 14's target, and a guard against growth: the script is just below it.
export const BUDGET_BYTES = 40 * 1024
const root = resolve(import.meta.dirname, '..')

/** Builds a Worker with wrangler and answers the size of its script, raw and gzipped. */
export function workerSize(options: { entry?: string; config?: string } = {}): { raw: number; gzip: number } {
  const out = mkdtempSync(join(tmpdir(), 'worker-size-'))
  try {
    const args = ['deploy', '--dry-run', '--outdir', out, ...(options.config ? ['--config', options.config] : []), ...(options.entry ? [options.entry] : [])]
    const run = spawnSync(join(root, 'node_modules/.bin/wrangler'), args, {
      cwd: root, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    })
    if (run.status !== 0) throw new Error(`wrangler failed:\n${run.stdout}\n${run.stderr}`)
    const script = readFileSync(join(out, options.entry ? 'bare-worker.js' : 'worker.js'))
    return { raw: script.length, gzip: gzipSync(script, { level: 9 }).length }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

/** The baseline: a Hono Worker that answers one JSON route, built by the same wrangler. */
export function bareHonoSize(): { raw: number; gzip: number } {
  const dir = mkdtempSync(join(root, '.bare-worker-'))
  try {
    const entry = join(dir, 'bare-worker.ts')
    writeFileSync(entry, "import { Hono } from 'hono'\nexport default new Hono().get('/demopage', (c) => c.json({ msg: 'Hello!' }))\n")
    const config = join(dir, 'wrangler.toml')
    writeFileSync(config, `name = "bare"\nmain = "bare-worker.ts"\ncompatibility_date = "2026-04-01"\nminify = true\n`)
    return workerSize({ config, entry })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
if (import.meta.url === `file://${process.argv[1]}`) {
  const ours = workerSize()
  const bare = bareHonoSize()
  console.log(`worker script: ${kib(ours.raw)} minified, ${kib(ours.gzip)} gzip`)
  console.log(`budget:        ${kib(BUDGET_BYTES)} gzip, ${((ours.gzip / BUDGET_BYTES) * 100).toFixed(0)}% used`)
  console.log(`bare Hono:     ${kib(bare.raw)} minified, ${kib(bare.gzip)} gzip; ours is ${(ours.gzip / bare.gzip).toFixed(1)}x that`)
  if (ours.gzip > BUDGET_BYTES) process.exitCode = 1
}
