// `npm run keys` (ES256) or `npm run keys -- eddsa`: a new private signing key for JWT_KEYS, and
// its public part. Put the private JWK into JWT_KEYS (a secret); the public part is what
// /.well-known/jwks.json will publish.
import { generateSigningKey } from './signing-key'

const { privateJwk, publicJwk } = await generateSigningKey(process.argv[2] === 'eddsa' ? 'EdDSA' : 'ES256')
console.log(`# private (JWT_KEYS='[<this>]', or put it first in the array to rotate to it):\n${JSON.stringify(privateJwk)}`)
console.log(`# public (published at /.well-known/jwks.json):\n${JSON.stringify(publicJwk)}`)
