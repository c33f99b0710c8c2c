/**
 * Initial packet protection without any key from outside (RFC 9001 §5):
 * initial_secret = HKDF-Extract(salt, client's first Destination Connection ID),
 * client/server secrets by HKDF-Expand-Label ("client in" / "server in"), then
 * key, iv and header-protection key. Header protection is AES-128-ECB over a
 * 16-byte sample (§5.4.3), the payload AEAD_AES_128_GCM (§5.3). With a key
 * log, `packetKeys` derives the Handshake and 1-RTT keys from the TLS traffic
 * secrets (§5.1) for any TLS 1.3 suite (AES-GCM or ChaCha20-Poly1305). Everything
 * here is node:crypto; a failed tag check is a returned problem, never a throw.
 */
import { createCipheriv, createDecipheriv, createHmac, type Cipher } from 'node:crypto';
import { versionKeys } from './version.js';

export type QuicAead = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export interface DirectionKeys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
  /** Packet protection AEAD; absent: AEAD_AES_128_GCM (Initial packets). Header protection follows it (§5.4.3, §5.4.4). */
  aead?: QuicAead;
}

export interface InitialKeys {
  version: number;
  dcid: Buffer;
  client: DirectionKeys;
  server: DirectionKeys;
}

type Hash = 'sha256' | 'sha384';

function hmac(key: Buffer, data: Buffer, hash: Hash = 'sha256'): Buffer {
  return createHmac(hash, key).update(data).digest();
}

/** HKDF-Expand-Label of TLS 1.3 (RFC 8446 §7.1) with an empty context, SHA-256 unless said. */
export function hkdfExpandLabel(secret: Buffer, label: string, length: number, hash: Hash = 'sha256'): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.alloc(2 + 1 + full.length + 1);
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  full.copy(info, 3);
  info[3 + full.length] = 0;
  // HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i).
  const out = Buffer.alloc(length);
  let prev: Buffer = Buffer.alloc(0);
  let done = 0;
  for (let i = 1; done < length; i++) {
    prev = hmac(secret, Buffer.concat([prev, info, Buffer.from([i])]), hash);
    done += prev.copy(out, done);
  }
  return out;
}

/** Initial keys of both directions, or undefined for a version whose salt we do not know. */
export function initialKeys(version: number, dcid: Buffer): InitialKeys | undefined {
  const vk = versionKeys(version);
  if (vk === undefined) return undefined;
  const initialSecret = hmac(vk.salt, dcid); // HKDF-Extract(salt, IKM)
  const direction = (label: string): DirectionKeys => {
    const secret = hkdfExpandLabel(initialSecret, label, 32);
    return {
      key: hkdfExpandLabel(secret, vk.keyLabel, 16),
      iv: hkdfExpandLabel(secret, vk.ivLabel, 12),
      hp: hkdfExpandLabel(secret, vk.hpLabel, 16),
    };
  };
  return { version, dcid: Buffer.from(dcid), client: direction('client in'), server: direction('server in') };
}

/** TLS 1.3 cipher suites QUIC can use (RFC 9001 §5.3): AEAD, key length and HKDF hash. */
const QUIC_SUITES: Record<number, { aead: QuicAead; keyLength: number; hash: Hash }> = {
  0x1301: { aead: 'aes-128-gcm', keyLength: 16, hash: 'sha256' }, // TLS_AES_128_GCM_SHA256
  0x1302: { aead: 'aes-256-gcm', keyLength: 32, hash: 'sha384' }, // TLS_AES_256_GCM_SHA384
  0x1303: { aead: 'chacha20-poly1305', keyLength: 32, hash: 'sha256' }, // TLS_CHACHA20_POLY1305_SHA256
};

/**
 * Packet protection keys of one direction from a TLS traffic secret (a key
 * log's CLIENT_HANDSHAKE_TRAFFIC_SECRET etc.) and the negotiated cipher suite
 * (RFC 9001 §5.1): HKDF-Expand-Label "quic key" / "quic iv" / "quic hp"
 * ("quicv2 …" for v2, RFC 9369 §3.3.2). The header protection key is as long
 * as the packet key. Undefined for a suite or version we cannot use, or a
 * secret whose length is not the suite's hash length.
 */
export function packetKeys(version: number, cipherSuite: number, secret: Buffer): DirectionKeys | undefined {
  const suite = QUIC_SUITES[cipherSuite];
  const vk = versionKeys(version);
  if (suite === undefined || vk === undefined) return undefined;
  if (secret.length !== (suite.hash === 'sha384' ? 48 : 32)) return undefined;
  return {
    key: hkdfExpandLabel(secret, vk.keyLabel, suite.keyLength, suite.hash),
    iv: hkdfExpandLabel(secret, vk.ivLabel, 12, suite.hash),
    hp: hkdfExpandLabel(secret, vk.hpLabel, suite.keyLength, suite.hash),
    aead: suite.aead,
  };
}

/** The 5-byte header protection mask of a 16-byte sample (RFC 9001 §5.4.3 AES-ECB, §5.4.4 ChaCha20). */
function headerMask(keys: DirectionKeys, sample: Buffer): Buffer {
  if (keys.aead === 'chacha20-poly1305') {
    // counter = sample[0..4] little-endian, nonce = sample[4..16]: OpenSSL's 16-byte
    // ChaCha20 IV is exactly that layout; the mask is the keystream over 5 zero bytes.
    const c = createCipheriv('chacha20', keys.hp, sample);
    return c.update(Buffer.alloc(5));
  }
  let ecb = ECB.get(keys);
  if (ecb === undefined) {
    ecb = createCipheriv(keys.hp.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', keys.hp, null);
    ecb.setAutoPadding(false);
    ECB.set(keys, ecb);
  }
  // ECB keeps no state between blocks: one cipher per key serves every packet.
  return ecb.update(sample);
}

/** The AES-ECB header protection cipher of each key set, made once (a connection's 1-RTT packets all use it). */
const ECB = new WeakMap<DirectionKeys, Cipher>();

/** Packet number from its truncated encoding (RFC 9000 §A.3). */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const hwin = win / 2;
  // `truncated % win`, not `truncated & (win - 1)`: JavaScript's & works on 32-bit signed
  // integers, so a 4-byte packet number with its top bit set came out negative.
  const candidate = expected - (expected % win) + (truncated % win);
  if (candidate <= expected - hwin && candidate < 2 ** 62 - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

export interface Opened {
  /** Decrypted payload (frames). */
  payload: Buffer;
  packetNumber: number;
}

/**
 * Removes header protection and decrypts one long-header packet occupying
 * packet[0, end) whose packet number starts at `pnOffset`. `largest` is the
 * largest packet number seen so far in this space and direction (-1 if none).
 * Returns the payload or a short problem.
 */
export function openLongPacket(packet: Buffer, pnOffset: number, end: number, keys: DirectionKeys, largest: number): Opened | string {
  return openPacket(packet, pnOffset, end, keys, largest, true);
}

/**
 * The same for any packet: a short header (1-RTT) protects 5 bits of its first
 * byte, a long header 4 (RFC 9001 §5.4.1). A short header's packet number
 * starts after its Destination Connection ID (`pnOffset` = 1 + its length).
 */
export function openPacket(packet: Buffer, pnOffset: number, end: number, keys: DirectionKeys, largest: number, long: boolean): Opened | string {
  if (pnOffset + 4 + 16 > end) return 'packet too short for a header protection sample';
  const sample = packet.subarray(pnOffset + 4, pnOffset + 20);
  const mask = headerMask(keys, sample);
  const first = packet[0] ^ (mask[0] & (long ? 0x0f : 0x1f));
  const pnLength = (first & 0x03) + 1;
  const header = Buffer.from(packet.subarray(0, pnOffset + pnLength));
  header[0] = first;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    header[pnOffset + i] ^= mask[1 + i];
    truncated = truncated * 256 + header[pnOffset + i];
  }
  const packetNumber = decodePacketNumber(largest, truncated, pnLength * 8);
  const tagStart = end - 16;
  if (tagStart < pnOffset + pnLength) return 'packet too short for its AEAD tag';
  const nonce = Buffer.from(keys.iv);
  // The packet number, left-padded to the IV length, XORed into the IV (RFC 9001 §5.3).
  let pn = packetNumber;
  for (let i = nonce.length - 1; i >= nonce.length - 8 && pn > 0; i--) {
    nonce[i] ^= pn % 256;
    pn = Math.floor(pn / 256);
  }
  try {
    const d = aeadDecipher(keys.aead ?? 'aes-128-gcm', keys.key, nonce);
    d.setAAD(header);
    d.setAuthTag(packet.subarray(tagStart, end));
    const payload = Buffer.concat([d.update(packet.subarray(pnOffset + pnLength, tagStart)), d.final()]);
    return { payload, packetNumber };
  } catch {
    return keys.aead === undefined ? 'Initial packet failed to decrypt' : 'packet failed to decrypt';
  }
}

/** What openPacket uses of a GCM or ChaCha20-Poly1305 decipher. */
interface AeadDecipher {
  setAAD(aad: Buffer): unknown;
  setAuthTag(tag: Buffer): unknown;
  update(data: Buffer): Buffer;
  final(): Buffer;
}

/**
 * The packet's AEAD (RFC 9001 §5.3), one literal algorithm name per call. With the choice made
 * inside one expression, a rewritten condition (Stryker's mutants) left TypeScript the generic
 * Decipher, whose setAAD wants CCM's options, and every mutant of this file failed to compile
 * (issue 16). @types/node also declares ChaCha20-Poly1305's setAAD options as required; Node
 * needs them for CCM only (plaintextLength), hence the narrower interface.
 */
function aeadDecipher(aead: QuicAead, key: Buffer, nonce: Buffer): AeadDecipher {
  if (aead === 'chacha20-poly1305') return createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 }) as unknown as AeadDecipher;
  return createDecipheriv(aead, key, nonce);
}
