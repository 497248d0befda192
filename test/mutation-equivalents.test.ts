// Issue 12: a mutant that cannot change behaviour is marked where it is, with the reason, by a
// Stryker comment; these are the checked-in list of equivalent mutants. This keeps the list honest:
// each mark names its mutators and says why, covers one line only, and never switches off every
// mutator (which would hide mutants that could be killed).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', 'src')
const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'))
const marks = files.flatMap((file) =>
  readFileSync(join(root, file), 'utf8')
    .split('\n')
    .flatMap((text, i) => (/stryker/i.test(text) ? [{ at: `src/${file}:${i + 1}`, text: text.trim() }] : [])),
)
const MARK = /^\/\/ Stryker disable next-line ([A-Z][A-Za-z]+(?:,[A-Z][A-Za-z]+)*): (.+)$/

describe('equivalent mutants marked in src/', () => {
  it('each mark is one line, names its mutators and gives a reason', () => {
    const bad = marks.filter((m) => {
      const match = MARK.exec(m.text)
      return !match || match[2]!.length < 25
    })
    expect(bad).toEqual([])
  })

  it('no mark switches off every mutator', () => {
    expect(marks.filter((m) => /disable\s+(next-line\s+)?all\b/i.test(m.text))).toEqual([])
  })
})
