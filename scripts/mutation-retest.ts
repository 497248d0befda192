// `npm run mutation:retest -- src/a.ts src/b.ts`: forgets the surviving mutants of those files in
// Stryker's incremental report, so that the next `npm run mutation` tests them again. Stryker 9
// reuses a survivor's result even when a test added since covers it (seen with the vitest
// runner): after adding tests for a file, run this for the file, then `npm run mutation`.
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const file = join(root, 'reports/mutation/stryker-incremental.json')
const report = JSON.parse(readFileSync(file, 'utf8')) as { files: Record<string, { mutants: { status: string }[] }> }
const names = process.argv.slice(2)
if (!names.length) throw new Error('name the source files whose survivors to test again, e.g. src/stores/kv.ts')
for (const name of names) {
  const entry = report.files[name]
  if (!entry) throw new Error(`${name} is not in ${file}`)
  const before = entry.mutants.length
  entry.mutants = entry.mutants.filter((m) => m.status !== 'Survived')
  console.log(`${name}: ${before - entry.mutants.length} survivors to test again`)
}
writeFileSync(file, JSON.stringify(report))
