// A new signing key as a JWK, for `npm run keys` and npm start's local mode.
import { randomBytes } from 'node:crypto'

export async function generateSigningKey(alg: 'ES256' | 'EdDSA' = 'ES256') {
  const params = alg === 'ES256' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'Ed25519' }
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair
  // A kid that says when the key was made, for whoever rotates it.
  const kid = `${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`
  const { key_ops: _a, ext: _b, ...privateJwk } = await crypto.subtle.exportKey('jwk', pair.privateKey)
  const { key_ops: _c, ext: _d, ...publicJwk } = await crypto.subtle.exportKey('jwk', pair.publicKey)
  return { privateJwk: { ...privateJwk, kid, alg }, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } }
}
