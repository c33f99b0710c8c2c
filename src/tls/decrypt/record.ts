/**
 * AEAD record protection, one direction of one connection.
 *
 * TLS 1.3 (RFC 8446 §5.2, §5.3): nonce = write_iv XOR (64-bit sequence number,
 * left-padded with zeros to 12 bytes); additional data = the record header as
 * sent (outer type, legacy version, length of the body); the plaintext is
 * TLSInnerPlaintext: content, then the real content type, then zero padding.
 *
 * TLS 1.2 AES-GCM (RFC 5288 §3): nonce = 4-byte implicit salt from the key block
 * followed by the 8-byte explicit nonce that starts the record body; additional
 * data (RFC 5246 §6.2.3.3) = seq_num(8) + type(1) + version(2) + plaintext length(2).
 * TLS 1.2 ChaCha20-Poly1305 (RFC 7905 §2): nonce as in TLS 1.3 (12-byte IV XOR
 * padded sequence number), no explicit nonce; additional data as for GCM.
 *
 * Nothing here throws on record input: a record that does not authenticate is a
 * failure result. The sequence number advances only when a record decrypts.
 */
import { createDecipheriv } from 'node:crypto';
import { AEAD_TAG_LENGTH, type AeadSuite } from './suites.js';

/** Why a record was not decrypted. */
export type DecryptFailureReason =
  /** The AEAD tag did not verify: wrong key, wrong sequence number, or damaged record. Never guessed around. */
  | 'authentication'
  /** Body shorter than explicit nonce + tag. */
  | 'too-short'
  /** Body longer than the protocol allows (TLS 1.3: 2^14 + 256; TLS 1.2: 2^14 + 2048). */
  | 'too-long'
  /** TLS 1.3 plaintext made only of zeros: no inner content type. */
  | 'no-content-type'
  /** The key log lacks the secret this record needs (e.g. no CLIENT_TRAFFIC_SECRET_0). */
  | 'no-keys'
  /**
   * TLS 1.3: a client record after the ServerHello that its handshake key does not
   * authenticate, before one that it does, when the ClientHello offered early data and
   * no early key is known (no CLIENT_EARLY_TRAFFIC_SECRET): 0-RTT data, skipped as a
   * server that cannot read early data skips it (RFC 8446 4.2.10), not a failure.
   */
  | 'early-data';

export type DecryptResult =
  | { ok: true; plaintext: Buffer; innerType: number; seq: bigint }
  | { ok: false; reason: DecryptFailureReason; message: string; seq: bigint };

export const MAX_TLS13_CIPHERTEXT = (1 << 14) + 256;
export const MAX_TLS12_CIPHERTEXT = (1 << 14) + 2048;

export class AeadDirection {
  /** Sequence number of the next record under this key. */
  seq = 0n;

  constructor(
    readonly suite: AeadSuite,
    private readonly key: Buffer,
    /** TLS 1.3 / ChaCha20: the 12-byte IV; TLS 1.2 GCM: the 4-byte salt. */
    private readonly iv: Buffer,
    /** Record protection of TLS 1.3 (inner content type) or TLS 1.2. */
    readonly tls13: boolean,
  ) {}

  private paddedSeqNonce(): Buffer {
    const nonce = Buffer.from(this.iv);
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(this.seq);
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= s[i];
    return nonce;
  }

  /**
   * Decrypt one record body (the bytes after the 5-byte record header).
   * `outerType` and `version` are the header's fields, as on the wire.
   */
  decrypt(outerType: number, version: number, body: Buffer): DecryptResult {
    const seq = this.seq;
    const fail = (reason: DecryptFailureReason, message: string): DecryptResult => ({ ok: false, reason, message, seq });
    const max = this.tls13 ? MAX_TLS13_CIPHERTEXT : MAX_TLS12_CIPHERTEXT;
    if (body.length > max) return fail('too-long', `record body of ${body.length} bytes exceeds ${max}`);
    const explicit = this.tls13 ? 0 : this.suite.explicitNonceLength;
    if (body.length < explicit + AEAD_TAG_LENGTH) {
      return fail('too-short', `record body of ${body.length} bytes is shorter than nonce and tag (${explicit + AEAD_TAG_LENGTH})`);
    }
    const nonce = explicit > 0 ? Buffer.concat([this.iv, body.subarray(0, explicit)]) : this.paddedSeqNonce();
    const ciphertext = body.subarray(explicit, body.length - AEAD_TAG_LENGTH);
    const tag = body.subarray(body.length - AEAD_TAG_LENGTH);
    let aad: Buffer;
    if (this.tls13) {
      aad = Buffer.alloc(5);
      aad[0] = outerType;
      aad.writeUInt16BE(version & 0xffff, 1);
      aad.writeUInt16BE(body.length, 3);
    } else {
      aad = Buffer.alloc(13);
      aad.writeBigUInt64BE(seq, 0);
      aad[8] = outerType;
      aad.writeUInt16BE(version & 0xffff, 9);
      aad.writeUInt16BE(ciphertext.length, 11);
    }
    let plain: Buffer;
    try {
      // The option object's shape differs per mode in node's typings; both take authTagLength.
      const d = createDecipheriv(this.suite.aead as 'aes-128-gcm', this.key, nonce, { authTagLength: AEAD_TAG_LENGTH });
      d.setAAD(aad, { plaintextLength: ciphertext.length });
      d.setAuthTag(tag);
      const head = d.update(ciphertext);
      const tail = d.final();
      plain = tail.length === 0 ? head : Buffer.concat([head, tail]);
    } catch {
      return fail('authentication', `record ${seq} did not authenticate (${this.suite.aead})`);
    }
    this.seq++;
    if (!this.tls13) return { ok: true, plaintext: plain, innerType: outerType, seq };
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--;
    if (end === 0) {
      return { ok: false, reason: 'no-content-type', message: `record ${seq} decrypted to padding only (no content type)`, seq };
    }
    return { ok: true, plaintext: plain.subarray(0, end - 1), innerType: plain[end - 1], seq };
  }
}
