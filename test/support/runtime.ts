// Starts the real service under a runtime (Node, Bun, workerd through wrangler dev) for black-box tests.
import { spawn } from 'node:child_process'
import { expect } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from '../../scripts/emulator'
import { runtimeCommand, type Runtime } from '../../scripts/runtimes'

export type Running = { baseUrl: string; output: () => string; stop(): Promise<void> }

const root = resolve(import.meta.dirname, '../..')

/** Starts the service and waits until /health answers; fails with the server's output if it does not. */
export async function startRuntime(
  runtime: Runtime,
  env: Record<string, string | undefined>,
  options: { persistTo?: string; timeoutMs?: number; configs?: string[] } = {},
): Promise<Running> {
  const timeoutMs = options.timeoutMs ?? 45_000
  const port = await freePort()
  // A Worker keeps KV and Durable Object state on disk: each gets its own, unless a test shares one on purpose.
  const ownState = runtime === 'workers' && !options.persistTo ? await mkdtemp(join(tmpdir(), 'wrangler-state-')) : undefined
  const persistTo = options.persistTo ?? ownState
  const { command, args, env: childEnv } = runtimeCommand(runtime, { root, host: '127.0.0.1', port, inspectorPort: await freePort(), persistTo, env, configs: options.configs })
  // Its own process group, so that stopping it also stops what it started (wrangler's workerd).
  const child = spawn(command, args, { cwd: root, env: { ...childEnv, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const stop = async () => {
    await new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done()
      child.once('exit', () => done())
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {
        done()
      }
    })
    if (ownState) await rm(ownState, { recursive: true, force: true })
  }
  const baseUrl = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${runtime} exited with ${child.exitCode}:\n${out}`)
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${runtime} did not answer /health within ${timeoutMs} ms:\n${out}`)
    }
    await new Promise((r) => setTimeout(r, 150))
  }
  return { baseUrl, output: () => out, stop }
}

/** Fails listing every case where Bun or workerd answered otherwise than Node (`seen`: runtime → case → answer). */
export function expectSameAnswers(seen: Record<'node' | 'bun' | 'workers', Record<string, string>>, atLeast: number) {
  const cases = Object.keys(seen.node)
  expect(cases.length).toBeGreaterThan(atLeast)
  for (const runtime of ['bun', 'workers'] as const) {
    const differences = cases.filter((c) => seen[runtime][c] !== seen.node[c]).map((c) => `${c}: node ${seen.node[c]} / ${runtime} ${seen[runtime][c]}`)
    expect(differences, runtime).toEqual([])
  }
}
