// The package's entry: the service as a library, for a Hono app of one's own.
// - createApp(createDeps(parseConfig(env))): the whole service, to serve or to mount with app.route().
// - bearerAuth(deps): the same bearer check (sessions included, against the same stores) for
//   one's own routes.
// - AppType: hc<AppType>(url) from 'hono/client' is a typed client of every route.
export { createApp, createDeps, type AppType } from './app'
export { ConfigError, parseConfig, type Config } from './config'
export type { AppEnv, Deps } from './env'
export { bearerAuth } from './http/bearer'
export { memoryAttempts, type AttemptCounter } from './stores/attempts'
export { kvRevocations, type KVNamespaceLike } from './stores/kv'
export { memoryRevocations, StoreUnavailable, type RevocationStore } from './stores/revocations'
export type { Principal } from './tokens/principal'
