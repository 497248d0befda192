import type { CognitoClient } from './cognito/client'
import type { Config } from './config'
import type { AccessClaims, AccessTokens } from './tokens/access-token'
import type { RevocationStore } from './tokens/revocations'

/** One JSON log line; callers never put credentials in it. */
export type Logger = (line: Record<string, unknown>) => void

/** Everything the app needs from outside, injected so tests can pin time, faults and stores. */
export type Deps = {
  config: Config
  cognito: CognitoClient
  tokens: AccessTokens
  revocations: RevocationStore
  /** Milliseconds since the epoch. */
  now: () => number
  log: Logger
  /** Serves a file of swagger-ui-dist (Node, Bun); on Workers the platform serves them as static assets. */
  docsAsset?: (file: string) => Promise<Response | undefined>
}

/** The Hono environment threaded through the app, middleware and routes. */
export type AppEnv = {
  Bindings: Record<string, unknown>
  Variables: { claims: AccessClaims }
}
