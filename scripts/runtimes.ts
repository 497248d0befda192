// How to run the service under each runtime: shared by `npm start`/`dev`/`start:bun` and the tests.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CONFIG_VARIABLES } from '../src/config'

/** `node --import <this>` runs TypeScript files, whatever the working directory. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

export type Runtime = 'node' | 'bun' | 'workers'


/** The command that serves the app on host:port under a runtime, with these settings. */
export function runtimeCommand(
  runtime: Runtime,
  options: { root: string; host: string; port: number; inspectorPort?: number; persistTo?: string; env: Record<string, string | undefined>; configs?: string[] },
): { command: string; args: string[]; env: Record<string, string | undefined> } {
  const bin = (name: string) => join(options.root, 'node_modules', '.bin', name)
  const env = { ...options.env, HOST: options.host, PORT: String(options.port) }
  switch (runtime) {
    case 'node':
      // One process (no wrapper), so that stopping its PID stops the server.
      return { command: process.execPath, args: ['--import', TSX_LOADER, join(options.root, 'src/runtime/node/node.ts')], env }
    case 'bun':
      // As on Node (src/runtime/node/node.ts): headers up to 32 KiB reach the app, which answers for itself.
      return { command: bin('bun'), args: ['--max-http-header-size=32768', 'run', join(options.root, 'src/runtime/bun/bun.ts')], env }
    case 'workers': {
      const vars = Object.entries(options.env)
        // The service's own settings (Workers sees no process.env).
        .filter(([k, v]) => CONFIG_VARIABLES.includes(k) && v)
        .flatMap(([k, v]) => ['--var', `${k}:${v}`])
      return {
        command: bin('wrangler'),
        args: [
          'dev', '--ip', options.host, '--port', String(options.port),
          '--inspector-port', String(options.inspectorPort ?? options.port + 1),
          '--show-interactive-dev-session=false', ...vars,
          // Several Workers in one dev session (the first config is the service), e.g. an upstream behind a service binding.
          ...(options.configs ?? []).flatMap((c) => ['-c', c]),
          // Where the local KV simulation keeps its data (default .wrangler/state).
          ...(options.persistTo ? ['--persist-to', options.persistTo] : []),
        ],
        // Fully offline: no metrics, no request.cf lookups.
        env: { ...env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
      }
    }
  }
}
