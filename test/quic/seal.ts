/**
 * A reference QUIC packet sealer for the tests, written from RFC 9001 §5.3 and
 * §5.4.1-5.4.3 (AEAD_AES_128_GCM, AES-ECB header protection) with node:crypto,
 * not from src/quic. protection-units.test.ts checks it against RFC 9001
 * Appendix A.3's protected packet byte for byte.
 */
import { createCipheriv } from 'node:crypto';

export interface Keys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

/** §5.3: the nonce is the IV XORed with the packet number left-padded with zeros to the IV's length. */
export function nonceOf(iv: Buffer, pn: bigint): Buffer {
  const n = Buffer.from(iv);
  let v = pn;
  for (let i = n.length - 1; i >= 0; i--) {
    n[i]! ^= Number(v & 0xffn);
    v >>= 8n;
  }
  return n;
}

/**
 * Protects `header` (ending with its pnLength-byte packet number, unprotected) and `payload`:
 * AEAD with the header as associated data, then header protection with the 16-byte sample
 * taken 4 bytes after the packet number's start (§5.4.2).
 */
export function seal(k: Keys, header: Buffer, pnOffset: number, pn: bigint, payload: Buffer, long: boolean): Buffer {
  const pnLength = (header[0]! & 0x03) + 1;
  if (header.length !== pnOffset + pnLength) throw new Error(`header of ${header.length} bytes, packet number ends at ${pnOffset + pnLength}`);
  const c = createCipheriv('aes-128-gcm', k.key, nonceOf(k.iv, pn));
  c.setAAD(header);
  const sealed = Buffer.concat([header, c.update(payload), c.final(), c.getAuthTag()]);
  const ecb = createCipheriv('aes-128-ecb', k.hp, null);
  ecb.setAutoPadding(false);
  const mask = ecb.update(sealed.subarray(pnOffset + 4, pnOffset + 20));
  sealed[0]! ^= mask[0]! & (long ? 0x0f : 0x1f);
  for (let i = 0; i < pnLength; i++) sealed[pnOffset + i]! ^= mask[1 + i]!;
  return sealed;
}

