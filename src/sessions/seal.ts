import { base64url, fromBase64url } from '../encoding'

const encoder = new TextEncoder()
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Authenticated encryption of what the service hands out and later trusts (refresh tokens):
 * AES-256-GCM through WebCrypto, the same on Workers, Bun and Node, under a key derived from
 * JWT_SECRET with HKDF (RFC 5869) for one purpose only. A sealed value cannot be read, and any
 * change to it, one bit or a whole part, fails to open.
 */
export function createSealer(secret: string, purpose: string) {
  const key = crypto.subtle
    .importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey'])
    .then((base) =>
      crypto.subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(purpose) },
        base,
        { name: 'AES-GCM', length: 256 },
        // Stryker disable next-line BooleanLiteral: the key never leaves this closure, so whether it could be exported changes nothing
        false,
        ['encrypt', 'decrypt'],
      ),
    )

  return {
    /** The text sealed: base64url of a fresh random IV and the ciphertext with its tag. */
    async seal(text: string): Promise<string> {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
      const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await key, encoder.encode(text)))
      const out = new Uint8Array(IV_BYTES + sealed.length)
      out.set(iv)
      out.set(sealed, IV_BYTES)
      return base64url(out)
    },

    /** The text inside, or undefined for anything this sealer did not seal as it is. */
    async open(value: string): Promise<string | undefined> {
      const bytes = fromBase64url(value)
      // Stryker disable next-line ArithmeticOperator: without the length check a short value fails AES-GCM's decrypt, which is caught: the check only spares the work
      if (!bytes || bytes.length < IV_BYTES + TAG_BYTES || base64url(bytes) !== value) return undefined
      try {
        const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES) }, await key, bytes.slice(IV_BYTES))
        return new TextDecoder('utf-8', { fatal: true }).decode(plain)
      } catch {
        return undefined
      }
    },
  }
}
