import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { createPool, freePort, startEmulator } from '../../scripts/emulator'

declare module 'vitest' {
  export interface ProvidedContext {
    cognito: { endpoint: string; userPoolId: string; clientId: string; dir: string }
  }
}

/** Starts the real Cognito emulator once for all test files, with a fresh pool shaped like the real one. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'cognito-local-'))
  const emulator = await startEmulator({ dir, port: await freePort() })
  const pool = await createPool(emulator.endpoint, 'test')
  project.provide('cognito', { endpoint: emulator.endpoint, ...pool, dir })
  return async () => {
    await emulator.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
