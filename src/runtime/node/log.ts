import type { Logger } from '../../env'

/**
 * Node and Bun: log lines gathered and written to stdout once per turn of the event loop (or
 * every 64 KiB). One console.log per request was, by itself, a third of GET /demopage's time
 * under load (npm run bench).
 */
export function batchedStdoutLog(): Logger {
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (!pending) return
    const out = pending
    pending = ''
    process.stdout.write(out)
  }
  process.on('exit', flush)
  return (line) => {
    pending += `${JSON.stringify(line)}\n`
    if (pending.length >= 65_536) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}
