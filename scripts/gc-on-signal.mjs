// The bench's hook in the service it measures (node --expose-gc --import, bun --preload): on
// SIGUSR2 a full garbage collection, so that memory kept can be told from garbage not yet
// collected. Plain JavaScript, so that both runtimes load it before the service.
process.on('SIGUSR2', () => (globalThis.Bun ? globalThis.Bun.gc(true) : globalThis.gc()))
