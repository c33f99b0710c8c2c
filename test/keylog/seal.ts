/**
 * Test helpers for TLS 1.3 record protection, written from RFC 8446 alone (no code
 * of src/tls/decrypt): HKDF-Expand-Label with an empty context (7.1), the traffic
 * key and IV (7.3), the per-record nonce (5.3) and the record's additional data and
 * TLSInnerPlaintext (5.2). The key derivation is checked against RFC 8448's
 * published keys in connection-units.test.ts.
 */
import { createCipheriv, createHmac } from 'node:crypto';

/** A hex string with spaces and line breaks (as RFC 8448 prints octets). */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RFC 8446 B.4: the TLS 1.3 AEAD suites we seal with. */
export const TLS13_SUITES = {
  0x1301: { cipher: 'aes-128-gcm', keyLength: 16, hash: 'sha256' },
  0x1302: { cipher: 'aes-256-gcm', keyLength: 32, hash: 'sha384' },
  0x1303: { cipher: 'chacha20-poly1305', keyLength: 32, hash: 'sha256' },
} as const;
export type Tls13Code = keyof typeof TLS13_SUITES;

/** HKDF-Expand-Label(secret, label, "", length): HKDF-Expand (RFC 5869 2.3) over the HkdfLabel of RFC 8446 7.1. */
export function expandLabel(hash: 'sha256' | 'sha384', secret: Buffer, label: string, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([Buffer.from([length >> 8, length & 0xff, full.length]), full, Buffer.from([0])]);
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    t = createHmac(hash, secret).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, length);
}

/** [sender]_write_key and [sender]_write_iv of a traffic secret (RFC 8446 7.3). */
export function writeKeys(code: Tls13Code, secret: Buffer): { key: Buffer; iv: Buffer } {
  const s = TLS13_SUITES[code];
  return { key: expandLabel(s.hash, secret, 'key', s.keyLength), iv: expandLabel(s.hash, secret, 'iv', 12) };
}

/** The next application traffic secret after a KeyUpdate (RFC 8446 7.2): Hash.length bytes of "traffic upd". */
export function updatedSecret(code: Tls13Code, secret: Buffer): Buffer {
  const hash = TLS13_SUITES[code].hash;
  return expandLabel(hash, secret, 'traffic upd', hash === 'sha256' ? 32 : 48);
}

/** A TLS 1.3 record as the decryptor gets it: outer type, legacy version, body after the 5-byte header. */
export interface Rec {
  type: number;
  version: number;
  body: Buffer;
}

/** A whole record (header included) split into header fields and body. */
export function rec(bytes: Buffer): Rec {
  if (bytes.readUInt16BE(3) !== bytes.length - 5) throw new Error('record length does not match its header');
  return { type: bytes[0], version: bytes.readUInt16BE(1), body: bytes.subarray(5) };
}

/** One sender's records under one traffic secret, sequence numbers from 0 (RFC 8446 5.3). */
export class Sealer {
  seq = 0n;
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    readonly code: Tls13Code,
    secret: Buffer,
  ) {
    ({ key: this.key, iv: this.iv } = writeKeys(code, secret));
  }

  /** The next record: TLSInnerPlaintext = content, type, `padding` zeros; outer type 23, legacy version 0x0303. */
  seal(content: Buffer, innerType: number, padding = 0): Rec {
    const inner = Buffer.concat([content, Buffer.from([innerType]), Buffer.alloc(padding)]);
    const nonce = Buffer.from(this.iv);
    const seq = Buffer.alloc(8);
    seq.writeBigUInt64BE(this.seq++);
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= seq[i];
    const length = inner.length + 16;
    const aad = Buffer.from([23, 0x03, 0x03, length >> 8, length & 0xff]);
    const c = createCipheriv(TLS13_SUITES[this.code].cipher as 'aes-128-gcm', this.key, nonce, { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: inner.length });
    const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
    return { type: 23, version: 0x0303, body };
  }
}
