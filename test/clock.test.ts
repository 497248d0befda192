// The gateway's deadlines on Node and Bun (src/runtime/clock.ts): one clock for every pending call.
// Vitest's fake timers move the clock, so nothing here waits or measures time.
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { sharedClock } from '../src/runtime/clock'

beforeEach(() => vi.useFakeTimers({ now: 1_800_000_000_000 }))
afterEach(() => vi.useRealTimers())

it('aborts a call at the first tick past its deadline, never before, as a timeout', () => {
  const clock = sharedClock(25)
  const { signal } = clock(1000)
  vi.advanceTimersByTime(999)
  expect(signal.aborted).toBe(false)
  vi.advanceTimersByTime(26)
  expect(signal.aborted).toBe(true)
  expect((signal.reason as DOMException).name).toBe('TimeoutError')
})

it('keeps each call to its own deadline, and never aborts one that ended', () => {
  const clock = sharedClock(25)
  const first = clock(1000)
  vi.advanceTimersByTime(500)
  const second = clock(1000)
  const ended = clock(100)
  ended.clear()
  vi.advanceTimersByTime(525)
  expect([first.signal.aborted, second.signal.aborted, ended.signal.aborted]).toEqual([true, false, false])
  vi.advanceTimersByTime(500)
  expect([second.signal.aborted, ended.signal.aborted]).toEqual([true, false])
})

it('runs no timer while no call is pending, and starts again for the next', () => {
  const clock = sharedClock(25)
  expect(vi.getTimerCount()).toBe(0)
  clock(1000).clear()
  vi.advanceTimersByTime(25)
  expect(vi.getTimerCount()).toBe(0)
  const next = clock(50)
  expect(vi.getTimerCount()).toBe(1)
  vi.advanceTimersByTime(75)
  expect(next.signal.aborted).toBe(true)
  expect(vi.getTimerCount()).toBe(0)
})
