// base64url both ways: every token part the service reads or writes goes through these two.
import { describe, expect, it } from 'vitest'
import { base64url, fromBase64url } from '../src/encoding'

describe('base64url', () => {
  it('gives back every byte value, at every length modulo 3', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    for (const bytes of [all, all.slice(1), all.slice(2), new Uint8Array(0)]) {
      const text = base64url(bytes)
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/)
      expect(fromBase64url(text)).toEqual(bytes)
      expect(Buffer.from(text, 'base64url')).toEqual(Buffer.from(bytes))
    }
  })

  it('reads UTF-8 text and padding as other decoders do', () => {
    expect(new TextDecoder().decode(fromBase64url(base64url('{"name":"Zoë 🙂"}')))).toBe('{"name":"Zoë 🙂"}')
    expect(fromBase64url('YWI=')).toEqual(new TextEncoder().encode('ab'))
    expect(fromBase64url('YWI')).toEqual(new TextEncoder().encode('ab'))
  })

  it('refuses what is not base64url: other alphabets, stray characters, impossible lengths', () => {
    for (const text of ['YW+/', 'YW I', 'YW.I', 'A', 'AAAAA', 'YQ===', '=YWI', 'YWI=x']) expect(fromBase64url(text), text).toBeUndefined()
  })
})
