/**
 * src/quic/protection.ts at the edges its Stryker run left open (issue 16,
 * reports/mutation/quic-protection-survivors.md), each against a reference
 * that is not our code:
 * - HKDF-Expand-Label (RFC 8446 §7.1) for outputs longer than one hash block
 *   (RFC 5869 §2.3: T(2) = HMAC(PRK, T(1) | info | 0x02)) against OpenSSL's
 *   own HKDF in EXPAND_ONLY mode (`openssl kdf`), the HkdfLabel built here
 *   from the RFC's struct;
 * - RFC 9000 Appendix A.3's DecodePacketNumber pseudocode transcribed with
 *   BigInt (exact to 2^62), near the top of the packet number space (§12.3:
 *   0 to 2^62 - 1);
 * - packets sealed here with node:crypto from RFC 9001 §5.3 (nonce = IV XOR
 *   the packet number left-padded) and §5.4 (header protection), the sealer
 *   checked first against RFC 9001 Appendix A.3's protected packet, byte for
 *   byte: a packet whose number needs all 8 bytes of the nonce's low part
 *   (>= 2^56), and a packet whose protected payload is its AEAD tag alone.
 */
import { execFileSync } from 'node:child_process';
import { decodePacketNumber, hkdfExpandLabel, openLongPacket, openPacket, type DirectionKeys } from '../../src/quic/protection.js';
import { seal, type Keys } from './seal.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('HKDF-Expand-Label past one hash block (RFC 8446 §7.1, RFC 5869 §2.3) against openssl kdf', () => {
  /** RFC 8446 §7.1: struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } */
  const hkdfLabel = (label: string, length: number): Buffer => {
    const l = Buffer.from('tls13 ' + label, 'latin1');
    return Buffer.concat([Buffer.from([length >> 8, length & 0xff, l.length]), l, Buffer.from([0])]);
  };
  /** OpenSSL's HKDF-Expand (the PRK given as the key). */
  const openssl = (digest: string, prk: Buffer, info: Buffer, length: number): string =>
    execFileSync(
      'openssl',
      ['kdf', '-keylen', String(length), '-kdfopt', `digest:${digest}`, '-kdfopt', 'mode:EXPAND_ONLY', '-kdfopt', `hexkey:${prk.toString('hex')}`, '-kdfopt', `hexinfo:${info.toString('hex')}`, 'HKDF'],
      { encoding: 'utf8' },
    )
      .trim()
      .replace(/:/g, '')
      .toLowerCase();

  // RFC 9001 A.1's initial secret and A.5's ChaCha20 secret as PRKs; a SHA-384 secret of 48 bytes.
  const sha256Secret = hex('7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44');
  const a5Secret = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b');
  const sha384Secret = Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 37 + 11) & 0xff));

  test('the reference agrees with RFC 9001 A.1 on one block ("client in", 32 bytes)', () => {
    expect(openssl('SHA256', sha256Secret, hkdfLabel('client in', 32), 32)).toBe('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
  });

  test.each([
    ['SHA256', 'sha256', 'client in', 33, sha256Secret],
    ['SHA256', 'sha256', 'quic key', 64, sha256Secret],
    ['SHA256', 'sha256', 'quic ku', 100, a5Secret],
    ['SHA384', 'sha384', 'quic hp', 49, sha384Secret],
    ['SHA384', 'sha384', 'quic iv', 150, sha384Secret],
  ] as const)('%s (%s) label "%s" of %i bytes: every block T(1), T(2), ... as OpenSSL computes them', (digest, hash, label, length, secret) => {
    const ours = hkdfExpandLabel(secret, label, length, hash);
    expect(ours.toString('hex')).toBe(openssl(digest, secret, hkdfLabel(label, length), length));
  });
});

describe('DecodePacketNumber near 2^62 (RFC 9000 Appendix A.3, §12.3)', () => {
  /** The appendix's pseudocode, line by line, in exact integers. */
  const reference = (largest: bigint, truncated: bigint, bits: bigint): bigint => {
    const expected = largest + 1n;
    const win = 1n << bits;
    const hwin = win / 2n;
    const mask = win - 1n;
    const candidate = (expected & ~mask) | truncated;
    if (candidate <= expected - hwin && candidate < (1n << 62n) - win) return candidate + win;
    if (candidate > expected + hwin && candidate >= win) return candidate - win;
    return candidate;
  };

  // Every value here is a multiple of 512, exact in a double (below 2^62 a double's step is at most 512):
  // our largest + 1 rounds back to largest, which moves expected by one and no result of these cases.
  const cases: [string, number, number, number][] = [
    // Candidate (2^62 - 2^32) is at or below expected - hwin, but one window up would pass 2^62 - 1: kept.
    ['32 bits, candidate 2^62 - 2^32 (no room for a window up)', 2 ** 62 - 2 ** 32 + 2 ** 31 + 2 ** 20, 0, 32],
    ['16 bits, candidate 2^62 - 2^16', 2 ** 62 - 2 ** 16 + 40960, 0, 16],
    ['24 bits, candidate 2^62 - 2^24', 2 ** 62 - 2 ** 24 + 2 ** 23 + 2 ** 12, 0, 24],
    // One window lower there is room: + win.
    ['32 bits, candidate 2^62 - 2^33: one window up', 2 ** 62 - 2 ** 33 + 2 ** 31 + 2 ** 20, 0, 32],
    ['16 bits, candidate 2^62 - 2^17: one window up', 2 ** 62 - 2 ** 17 + 40960, 0, 16],
    // Close to expected: no correction.
    ['32 bits, the packet after largest', 2 ** 62 - 2 ** 32, 2048, 32],
  ];
  test.each(cases)('%s', (_name, largest, truncated, bits) => {
    const want = reference(BigInt(largest), BigInt(truncated), BigInt(bits));
    expect(want < 1n << 62n).toBe(true);
    expect(decodePacketNumber(largest, truncated, bits)).toBe(Number(want));
  });
});

// ---------------------------------------------------------------------------
// A reference sealer (test/quic/seal.ts), checked first against RFC 9001 A.3 below.

// RFC 9001 A.1: the Initial keys of DCID 0x8394c8f03e515708 (copied from the RFC).
const CLIENT: Keys = { key: hex('1f369613dd76d5467730efcbe3b1a22d'), iv: hex('fa044b2f42a3fd3b46fb255c'), hp: hex('9f50449e04a0e810283a1e9933adedd2') };
const SERVER: Keys = { key: hex('cf3a5331653c364c88f0f379b6067e37'), iv: hex('0ac1493ca1905853b0bba03e'), hp: hex('c206b8d9b9f0f37644430b490eeaa314') };
const keysOf = (k: Keys): DirectionKeys => ({ key: k.key, iv: k.iv, hp: k.hp });

describe('packets sealed by the reference (RFC 9001 §5.3, §5.4)', () => {
  test('the reference sealer reproduces RFC 9001 A.3 (the server Initial) byte for byte', () => {
    const header = hex('c1000000010008f067a5502a4262b50040750001');
    const payload = hex(`
      02000000000600405a020000560303ee fce7f7b37ba1d1632e96677825ddf739
      88cfc79825df566dc5430b9a045a1200 130100002e00330024001d00209d3c94
      0d89690b84d08a60993c144eca684d10 81287c834d5311bcf32bb9da1a002b00
      020304`);
    const protectedA3 = hex(`
      cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a
      5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3
      dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84
      022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4
      2158407dd074ee`);
    expect(seal(SERVER, header, 18, 1n, payload, true).toString('hex')).toBe(protectedA3.toString('hex'));
  });

  // §17.3.1 short header: 0b01000011 (fixed bit, 4-byte packet number), DCID 8 bytes, then the packet number.
  const dcid = hex('8394c8f03e515708');
  const shortHeader = (pn: bigint): Buffer => Buffer.concat([Buffer.from([0x43]), dcid, Buffer.from((pn & 0xffffffffn).toString(16).padStart(8, '0'), 'hex')]);
  const ping = hex('01' + '00'.repeat(20)); // PING then PADDING (§19.2, §19.1)

  test.each([
    // Largest 2^56: expected 2^56 + 1, the 4-byte truncated 0x00000010 decodes to 2^56 + 16. Its nonce has the
    // packet number's eighth byte (bit 56) set: the 8th-from-last IV byte is XORed too.
    ['2^56 + 16 (8 nonce bytes)', 2 ** 56, 2n ** 56n + 16n],
    ['2^62 - 2^32 + 1024 (8 nonce bytes)', 2 ** 62 - 2 ** 32, 2n ** 62n - 2n ** 32n + 1024n],
    ['2^48 + 5 (7 nonce bytes)', 2 ** 48 + 4, 2n ** 48n + 5n],
    ['0x2700bff4', 0x2700bff3, 0x2700bff4n],
  ] as const)('a 1-RTT packet numbered %s opens to its number and payload', (_name, largest, pn) => {
    const packet = seal(CLIENT, shortHeader(pn), 9, pn, ping, false);
    const opened = openPacket(packet, 9, packet.length, keysOf(CLIENT), largest, false);
    expect(opened).toEqual({ payload: ping, packetNumber: Number(pn) });
  });

  test('a long-header packet whose protected payload is only its 16-byte tag (4-byte packet number: 20 bytes after its offset, the least §5.4.2 allows) opens to an empty payload', () => {
    // Initial (§17.2.2): 0xc3 (long, fixed, type 0, 4-byte packet number), version 1, DCID 8394c8f03e515708,
    // SCID empty, token empty, Length 20 (4 + 16) as a 1-byte varint, packet number 7.
    const header = hex('c3 00000001 08 8394c8f03e515708 00 00 14 00000007');
    const packet = seal(CLIENT, header, 17, 7n, Buffer.alloc(0), true);
    expect(packet.length).toBe(17 + 20);
    // An Initial without frames is a protocol error (RFC 9000 §12.4) for the frame reader to say; the AEAD opens.
    expect(openLongPacket(packet, 17, packet.length, keysOf(CLIENT), 6)).toEqual({ payload: Buffer.alloc(0), packetNumber: 7 });
    // The same bytes under the other direction's keys fail the tag check (§5.3), still not a throw.
    expect(openLongPacket(packet, 17, packet.length, keysOf(SERVER), 6)).toBe('Initial packet failed to decrypt');
  });
});
