/**
 * Initial packet protection without any key from outside (RFC 9001 §5):
 * initial_secret = HKDF-Extract(salt, client's first Destination Connection ID),
 * client/server secrets by HKDF-Expand-Label ("client in" / "server in"), then
 * key, iv and header-protection key. Header protection is AES-128-ECB over a
 * 16-byte sample (§5.4.3), the payload AEAD_AES_128_GCM (§5.3). Everything
 * here is node:crypto; a failed tag check is a returned problem, never a throw.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { versionKeys } from './version.js';

export interface DirectionKeys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

export interface InitialKeys {
  version: number;
  dcid: Buffer;
  client: DirectionKeys;
  server: DirectionKeys;
}

function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** HKDF-Expand-Label of TLS 1.3 (RFC 8446 §7.1) with an empty context, SHA-256. */
export function hkdfExpandLabel(secret: Buffer, label: string, length: number): Buffer {
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
    prev = hmac(secret, Buffer.concat([prev, info, Buffer.from([i])]));
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

/** Packet number from its truncated encoding (RFC 9000 §A.3). */
export function decodePacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const win = 2 ** bits;
  const hwin = win / 2;
  const mask = win - 1;
  const candidate = expected - (expected % win) + (truncated & mask);
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
  if (pnOffset + 4 + 16 > end) return 'packet too short for a header protection sample';
  const sample = packet.subarray(pnOffset + 4, pnOffset + 20);
  const ecb = createCipheriv('aes-128-ecb', keys.hp, null);
  ecb.setAutoPadding(false);
  const mask = ecb.update(sample);
  const first = packet[0] ^ (mask[0] & 0x0f);
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
    const gcm = createDecipheriv('aes-128-gcm', keys.key, nonce);
    gcm.setAAD(header);
    gcm.setAuthTag(packet.subarray(tagStart, end));
    const payload = Buffer.concat([gcm.update(packet.subarray(pnOffset + pnLength, tagStart)), gcm.final()]);
    return { payload, packetNumber };
  } catch {
    return 'Initial packet failed to decrypt';
  }
}
