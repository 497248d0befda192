import { Hono } from '../http/hono'
import type { AppEnv, Deps } from '../env'
import type * as s from '../responses'
import type { Body } from '../responses'
import { reply, setHeader } from '../http/respond'

/** How long downstream services may keep the JWKS: a rotation waits at least this long (README). */
const JWKS_MAX_AGE_SECONDS = 300
const METADATA_PATH = '/.well-known/oauth-authorization-server'

/**
 * What other services need to trust this one's tokens without its secret: the public keys
 * (JWKS, RFC 7517) and the authorization server metadata (RFC 8414).
 */
export function discoveryRoutes(deps: Deps) {
  const keys = deps.config.jwt.keys.map((k) => k.publicJwk)
  const { issuer } = deps.config.jwt
  // RFC 8414 §2: endpoints are absolute URLs; from the issuer when it is one (as §2 asks), else
  // from the request. The routes are where this one is mounted: under SERVICE_PREFIX, or in an app
  // of one's own (`.route('/auth', createApp(deps))`), which only the request's path tells;
  // named after the issuer unless it names that path already.
  const issuerUrl = /^https?:\/\//.test(issuer) ? issuer.replace(/\/+$/, '') : undefined
  return new Hono<AppEnv>()
    .get('/.well-known/jwks.json', (c) => {
      setHeader(c, 'Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
      return reply(c, { keys })
    })
    .get(METADATA_PATH, (c) => {
      // The path the client came by, less this route's own: a mount's parameters filled in.
      const mount = c.req.path.slice(0, c.req.path.lastIndexOf(METADATA_PATH))
      const base = issuerUrl ? (issuerUrl.endsWith(mount) ? issuerUrl : issuerUrl + mount) : new URL(c.req.url).origin + mount
      // An answer made from the request's Host (or, on Node, its absolute-form target) is no one
      // else's: a cache in front that keys on another Host must not hand it on (an attacker's
      // review: a token endpoint of their choosing, then everyone's passwords).
      setHeader(c, 'Cache-Control', issuerUrl ? `public, max-age=${JWKS_MAX_AGE_SECONDS}` : 'no-store')
      return reply<Body<typeof s.ServerMetadata>>(c, {
        issuer,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/.well-known/jwks.json`,
        revocation_endpoint: `${base}/revoke`,
        grant_types_supported: ['password', 'refresh_token'],
        response_types_supported: [],
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
      })
    })
}
