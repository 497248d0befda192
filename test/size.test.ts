// The Worker's size budget: a size, never a time.
import { expect, it } from 'vitest'
import { BUDGET_BYTES, workerSize } from '../scripts/size'

it('builds a Worker script of at most 40 KiB gzip (the target of issue 14), as wrangler deploy ships it', () => {
  const { gzip } = workerSize()
  expect(gzip).toBeGreaterThan(10_000) // it did build the whole app
  expect(gzip).toBeLessThanOrEqual(BUDGET_BYTES)
}, 60_000)
