/**
 * Key derivation for record decryption, with node:crypto's HMAC only.
 *
 * - HKDF-Expand (RFC 5869 §2.3) and HKDF-Expand-Label (RFC 8446 §7.1): the info is
 *   the HkdfLabel structure: uint16 length, opaque label<7..255> = "tls13 " + Label,
 *   opaque context<0..255>.
 * - The TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label + seed), the hash being the
 *   suite's PRF hash (SHA-256, or SHA-384 for the *_SHA384 suites).
 *
 * Output lengths here are our own constants (key and IV sizes), never taken from input.
 */
import { createHmac } from 'node:crypto';

export type HashName = 'sha256' | 'sha384';

export function hashLength(hash: HashName): number {
  return hash === 'sha256' ? 32 : 48;
}

/** HKDF-Expand(PRK, info, L): T(i) = HMAC(PRK, T(i-1) | info | i), concatenated, cut to L. */
export function hkdfExpand(hash: HashName, prk: Buffer, info: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  let produced = 0;
  let previous = Buffer.alloc(0);
  for (let i = 1; produced < length; i++) {
    previous = createHmac(hash, prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
    produced += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label(Secret, Label, Context, Length) of RFC 8446 §7.1. */
export function hkdfExpandLabel(hash: HashName, secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.alloc(2 + 1 + fullLabel.length + 1 + context.length);
  info.writeUInt16BE(length, 0);
  info[2] = fullLabel.length;
  fullLabel.copy(info, 3);
  info[3 + fullLabel.length] = context.length;
  context.copy(info, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}

/** Write key and IV of a TLS 1.3 traffic secret (RFC 8446 §7.3). */
export function trafficKeys(hash: HashName, secret: Buffer, keyLength: number): { key: Buffer; iv: Buffer } {
  const empty = Buffer.alloc(0);
  return {
    key: hkdfExpandLabel(hash, secret, 'key', empty, keyLength),
    iv: hkdfExpandLabel(hash, secret, 'iv', empty, 12),
  };
}

/** The next generation of a TLS 1.3 application traffic secret (KeyUpdate, RFC 8446 §7.2). */
export function nextTrafficSecret(hash: HashName, secret: Buffer): Buffer {
  return hkdfExpandLabel(hash, secret, 'traffic upd', Buffer.alloc(0), hashLength(hash));
}

/** TLS 1.2 PRF(secret, label, seed) = P_hash(secret, label + seed), `length` bytes. */
export function tls12Prf(hash: HashName, secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'ascii'), seed]);
  const out: Buffer[] = [];
  let produced = 0;
  let a = labelSeed; // A(0)
  while (produced < length) {
    a = createHmac(hash, secret).update(a).digest(); // A(i)
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.push(block);
    produced += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}
