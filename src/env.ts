import type { CognitoClient } from './cognito/client'
import type { Config } from './config'
import type { Context } from 'hono'
import type { Sha256 } from './encoding'
import type { Upstream } from './gateway/forward'
import type { AttemptCounter } from './stores/attempts'
import type { RevocationStore } from './stores/revocations'
import type { AccessTokens } from './tokens/access-token'
import type { Principal, TokenVerifier } from './tokens/principal'

/** One JSON log line; callers never put credentials in it. */
export type Logger = (line: Record<string, unknown>) => void

/** Everything the app needs from outside, injected so tests can pin time, faults and stores. */
export type Deps = {
  config: Config
  cognito: CognitoClient
  /** Issues the service's own access tokens (app mode). */
  tokens: AccessTokens
  /** Checks bearer tokens: the service's own, or Cognito's in cognito mode. */
  verifier: TokenVerifier
  revocations: RevocationStore
  /** Failed sign-in counters (brute-force protection), in the same kind of store. */
  attempts: AttemptCounter
  /** The client's address as this runtime knows it; undefined skips counting by address. */
  clientAddress?: (c: Context<AppEnv>) => string | undefined
  /** Where gateway requests go (UPSTREAM_URL, or a Workers service binding); none turns the gateway off. */
  upstream?: Upstream
  /** The scheme of the client's connection as this runtime knows it (Node and Bun: http); else the request URL's. */
  clientProtocol?: (c: Context<AppEnv>) => string
  /**
   * SHA-256 for the digests of account names (the store's keys); Web Crypto's when not given. The
   * Node entry brings node:crypto's: each `crypto.subtle` call costs Node a thread-pool round trip,
   * and a sign-in makes four such digests.
   */
  sha256?: Sha256
  /** Milliseconds since the epoch. */
  now: () => number
  log: Logger
  /** A file of swagger-ui-dist (Node, Bun); on Workers the platform serves them as static assets. */
  docsAsset?: (file: string) => Promise<{ bytes: Uint8Array; type: string } | undefined>
  /** Swagger UI's page (Node, Bun); on Workers it is a static asset too. */
  docsPage?: () => string
  /** The OpenAPI document as JSON text (Node, Bun); on Workers it is a static asset too. */
  openApi?: () => string
}

/** The Hono environment threaded through the app, middleware and routes. */
export type AppEnv = {
  Bindings: Record<string, unknown>
  Variables: { principal: Principal; token: string; requestId: string; headers: Record<string, string> }
}
