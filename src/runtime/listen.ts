import { createApp, createDeps } from '../app'
import { ConfigError, parseConfig } from '../config'
import { fileDocsAssets } from './docs-assets'

/**
 * Node and Bun: configuration from the environment, checked once at start. Bad configuration
 * stops the process with one line naming the variable (never its value).
 */
export function appFromEnv(env: Record<string, string | undefined>) {
  try {
    const config = parseConfig(env)
    const port = Number(env.PORT ?? 8787)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT must be a port number')
    const hostname = env.HOST || '127.0.0.1'
    return { app: createApp(createDeps(config, { docsAsset: fileDocsAssets() })), port, hostname }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(`configuration error: ${err.message}`)
    process.exit(1)
  }
}
