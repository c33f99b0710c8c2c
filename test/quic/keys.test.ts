/**
 * Initial keys against the published test vectors (expected values from the
 * specifications, not from our output): RFC 9001 Appendix A.1 (v1), RFC 9369
 * Appendix A.1 (v2) and draft-ietf-quic-tls-29 Appendix A (client key and IV),
 * all for the Destination Connection ID 0x8394c8f03e515708. The draft-27/28
 * salt is checked by ndpi-draft28-vn-draft27-h3.pcap in golden.test.ts
 * (its ClientHello only decrypts with it).
 */
import { initialKeys, decodePacketNumber, openPacket, packetKeys } from '../../src/quic/protection.js';
import { QUIC_V1, QUIC_V2 } from '../../src/quic/version.js';

const DCID = Buffer.from('8394c8f03e515708', 'hex');
const hex = (k: { key: Buffer; iv: Buffer; hp: Buffer }) => ({ key: k.key.toString('hex'), iv: k.iv.toString('hex'), hp: k.hp.toString('hex') });

test('RFC 9001 A.1: v1 client and server Initial keys', () => {
  const k = initialKeys(QUIC_V1, DCID)!;
  expect(hex(k.client)).toEqual({ key: '1f369613dd76d5467730efcbe3b1a22d', iv: 'fa044b2f42a3fd3b46fb255c', hp: '9f50449e04a0e810283a1e9933adedd2' });
  expect(hex(k.server)).toEqual({ key: 'cf3a5331653c364c88f0f379b6067e37', iv: '0ac1493ca1905853b0bba03e', hp: 'c206b8d9b9f0f37644430b490eeaa314' });
});

test('RFC 9369 A.1: v2 client and server Initial keys', () => {
  const k = initialKeys(QUIC_V2, DCID)!;
  expect(hex(k.client)).toEqual({ key: '8b1a0bc121284290a29e0971b5cd045d', iv: '91f73e2351d8fa91660e909f', hp: '45b95e15235d6f45a6b19cbcb0294ba9' });
  expect(hex(k.server)).toEqual({ key: '82db637861d55e1d011f19ea71d5d2a7', iv: 'dd13c276499c0249d3310652', hp: 'edf6d05c83121201b436e16877593c3a' });
});

test('draft-ietf-quic-tls-29 A: draft-29 client key and IV (the draft-29 salt)', () => {
  const k = initialKeys(0xff00001d, DCID)!;
  expect([k.client.key.toString('hex'), k.client.iv.toString('hex')]).toEqual(['175257a31eb09dea9366d8bb79ad80ba', '6b26114b9cba2b63a9e8dd4f']);
});

test('versions without known Initial keys: none derived', () => {
  expect(initialKeys(0xff000016, DCID)).toBeUndefined(); // draft-22
  expect(initialKeys(0x00000002, DCID)).toBeUndefined();
});

test('RFC 9000 A.3: packet number decoding example', () => {
  // Largest 0xa82f30ea, truncated 0x9b32 in 16 bits -> 0xa82f9b32.
  expect(decodePacketNumber(0xa82f30ea, 0x9b32, 16)).toBe(0xa82f9b32);
});

test('RFC 9001 A.5: ChaCha20-Poly1305 short header packet (key derivation, ChaCha20 header protection, AEAD)', () => {
  const secret = Buffer.from('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b', 'hex');
  const k = packetKeys(QUIC_V1, 0x1303, secret)!;
  expect(hex(k)).toEqual({
    key: 'c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8',
    iv: 'e0459b3474bdd0e44a41c144',
    hp: '25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4',
  });
  // Packet number 654360564 (0x2700bff4), 3-byte encoding; the payload is one PING frame.
  const packet = Buffer.from('4cfe4189655e5cd55c41f69080575d7999c25a5bfb', 'hex');
  const opened = openPacket(packet, 1, packet.length, k, 654360563, false);
  expect(opened).toEqual({ payload: Buffer.from('01', 'hex'), packetNumber: 654360564 });
});

test('packetKeys: suites QUIC cannot use, and secrets of the wrong length, give no keys', () => {
  expect(packetKeys(QUIC_V1, 0x1304, Buffer.alloc(32))).toBeUndefined(); // TLS_AES_128_CCM_SHA256
  expect(packetKeys(QUIC_V1, 0x1302, Buffer.alloc(32))).toBeUndefined(); // SHA-384 needs 48 bytes
  expect(packetKeys(0x00000002, 0x1301, Buffer.alloc(32))).toBeUndefined();
});
