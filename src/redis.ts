// The package's second entry, `edge-auth-gateway/redis` (Node and Bun): the stores that let several
// instances share sessions' state and sign-in counts, as the service's own Node and Bun entries use
// them with REDIS_URL. Apart from the main entry, so that a Worker never bundles a Redis client.
export { redisStores } from './runtime/node/redis'
