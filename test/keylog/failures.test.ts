/**
 * A wrong, partial or missing key never throws and never yields a guess: it is a
 * failure result (authentication) or a reason for not decrypting. Real captures
 * with altered key logs, and hand-built malformed records.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCipheriv, createHash } from 'node:crypto';
import { walkCapture } from './walker.js';
import { TlsDecryptor, AeadDirection, aeadSuite, trafficKeys, MAX_TLS13_CIPHERTEXT, MAX_TLS12_CIPHERTEXT, hkdfExpand, hkdfExpandLabel, nextTrafficSecret } from '../../src/tls/decrypt/index.js';

const FIX = path.resolve('fixtures/keylog');
const keys = (name: string): string => readFileSync(path.join(FIX, `${name}.keys.log`), 'latin1');
const gold = (name: string) => JSON.parse(readFileSync(path.resolve(`test/golden-keylog/${name}.pcap.json`), 'utf8'));

/** Flip the last hex digit of the secret on lines with this label. */
function alter(text: string, label: string): string {
  return text.replace(new RegExp(`^(${label} [0-9a-f]+ [0-9a-f]*)([0-9a-f])$`, 'm'), (_m, head: string, last: string) => head + (last === '0' ? '1' : '0'));
}

test('TLS 1.3: a wrong server handshake secret fails authentication on the server\'s first encrypted record', async () => {
  const name = 'lo-tls13-full-keylog';
  const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), alter(keys(name), 'SERVER_HANDSHAKE_TRAFFIC_SECRET'));
  const s = streams[0];
  const g = gold(name).streams[0];
  // The first encrypted server record carries EncryptedExtensions (type 8).
  const ee = g.sides.server.handshake.find((m: { type: number }) => m.type === 8);
  expect(s.sides.server.failures[0]).toMatchObject({ ok: false, reason: 'authentication', frame: ee.frame });
  // Nothing invented: the server's messages are only the plaintext ServerHello.
  expect(s.sides.server.handshake.map((m) => m.type)).toEqual([2]);
  // The client's keys were right: its Finished still decrypts, in tshark's frame.
  const fin = g.sides.client.handshake.find((m: { type: number }) => m.type === 20);
  expect(s.sides.client.handshake.find((m) => m.type === 20)?.frame).toBe(fin.frame);
});

test('TLS 1.2: a wrong master secret fails authentication on the Finished after ChangeCipherSpec', async () => {
  const name = 'lo-tls12-ecdhe-gcm-keylog';
  const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), alter(keys(name), 'CLIENT_RANDOM'));
  const s = streams[0];
  const g = gold(name).streams[0];
  for (const side of ['client', 'server'] as const) {
    const fin = g.sides[side].handshake.find((m: { type: number }) => m.type === 20);
    expect(s.sides[side].failures[0]).toMatchObject({ reason: 'authentication', frame: fin.frame });
    expect(s.sides[side].handshake.some((m) => m.type === 20)).toBe(false);
  }
});

test('a key log without the connection leaves it undecrypted (no-keys), the plaintext messages still walked', async () => {
  const name = 'lo-tls13-full-keylog';
  const other = keys('lo-tls12-ecdhe-gcm-keylog');
  const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), other);
  const s = streams[0];
  expect(s.notDecrypted).toBe('no-keys');
  expect(s.sides.client.handshake.map((m) => m.type)).toEqual([1]);
  expect(s.sides.server.handshake.map((m) => m.type)).toEqual([2]);
  expect(s.sides.server.failures).toEqual([]);
});

test('TLS 1.3 without the application secrets: handshake decrypted, then no-keys failures', async () => {
  const name = 'lo-tls13-full-keylog';
  const partial = keys(name).split('\n').filter((l) => !/^(CLIENT|SERVER)_TRAFFIC_SECRET_0 /.test(l)).join('\n');
  const { streams } = await walkCapture(path.join(FIX, `${name}.pcap`), partial);
  const s = streams[0];
  expect(s.sides.server.handshake.map((m) => m.type).slice(0, 5)).toEqual([2, 8, 11, 15, 20]);
  expect(s.sides.server.failures.length).toBeGreaterThan(0);
  expect(s.sides.server.failures.every((f) => f.reason === 'no-keys')).toBe(true);
});

describe('hand-built malformed records (TLS_AES_128_GCM_SHA256)', () => {
  const suite = aeadSuite(0x1301)!;
  const secret = Buffer.alloc(32, 7);
  const { key, iv } = trafficKeys('sha256', secret, 16);
  const seal = (inner: Buffer, seq: bigint): Buffer => {
    const nonce = Buffer.from(iv);
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(seq);
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= s[i];
    const aad = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
    const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
    c.setAAD(aad);
    return Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
  };

  test('a sealed record decrypts; padding is stripped and the inner type returned; sequence advances', () => {
    const d = new AeadDirection(suite, key, iv, true);
    const r = d.decrypt(23, 0x0303, seal(Buffer.from('hello\x17\0\0\0', 'latin1'), 0n));
    expect(r).toMatchObject({ ok: true, innerType: 23, seq: 0n });
    expect(r.ok && r.plaintext.toString()).toBe('hello');
    expect(d.seq).toBe(1n);
    // The same record again uses sequence 1: it no longer authenticates.
    expect(d.decrypt(23, 0x0303, seal(Buffer.from('hello\x17'), 0n))).toMatchObject({ ok: false, reason: 'authentication', seq: 1n });
    expect(d.seq).toBe(1n);
  });

  test('padding only: no content type', () => {
    const d = new AeadDirection(suite, key, iv, true);
    expect(d.decrypt(23, 0x0303, seal(Buffer.alloc(10), 0n))).toMatchObject({ ok: false, reason: 'no-content-type' });
  });

  test('shorter than a tag, longer than 2^14+256, a flipped bit, a wrong header', () => {
    const d = new AeadDirection(suite, key, iv, true);
    expect(d.decrypt(23, 0x0303, Buffer.alloc(15))).toMatchObject({ ok: false, reason: 'too-short' });
    expect(d.decrypt(23, 0x0303, Buffer.alloc(MAX_TLS13_CIPHERTEXT + 1))).toMatchObject({ ok: false, reason: 'too-long' });
    const rec = seal(Buffer.from('x\x17'), 0n);
    const flipped = Buffer.from(rec);
    flipped[0] ^= 1;
    expect(d.decrypt(23, 0x0303, flipped)).toMatchObject({ ok: false, reason: 'authentication' });
    expect(d.decrypt(22, 0x0303, rec)).toMatchObject({ ok: false, reason: 'authentication' });
    expect(d.decrypt(23, 0x0303, rec)).toMatchObject({ ok: true, innerType: 23 });
  });

  test('the size limits at their edges, and the failure messages whole (RFC 8446 5.2: 2^14 + 256; RFC 5246 6.2.3: 2^14 + 2048)', () => {
    expect(MAX_TLS13_CIPHERTEXT).toBe(2 ** 14 + 256);
    expect(MAX_TLS12_CIPHERTEXT).toBe(2 ** 14 + 2048);
    const d = new AeadDirection(suite, key, iv, true);
    // exactly the limit is allowed (it then fails to authenticate); one more is too long
    expect(d.decrypt(23, 0x0303, Buffer.alloc(MAX_TLS13_CIPHERTEXT))).toMatchObject({ ok: false, reason: 'authentication', message: 'record 0 did not authenticate (aes-128-gcm)' });
    expect(d.decrypt(23, 0x0303, Buffer.alloc(MAX_TLS13_CIPHERTEXT + 1))).toMatchObject({ reason: 'too-long', message: 'record body of 16641 bytes exceeds 16640' });
    // a tag alone (16 bytes, empty TLSInnerPlaintext) is long enough: it authenticates and has no content type
    expect(d.decrypt(23, 0x0303, seal(Buffer.alloc(0), 0n))).toMatchObject({ ok: false, reason: 'no-content-type', message: 'record 0 decrypted to padding only (no content type)' });
    expect(d.decrypt(23, 0x0303, Buffer.alloc(15))).toMatchObject({ reason: 'too-short', message: 'record body of 15 bytes is shorter than nonce and tag (16)' });
    // TLS 1.2 GCM: an 8-byte explicit nonce before the tag (RFC 5288 3)
    const d12 = new AeadDirection(aeadSuite(0xc02f)!, key, iv.subarray(0, 4), false);
    expect(d12.decrypt(23, 0x0303, Buffer.alloc(23))).toMatchObject({ reason: 'too-short', message: 'record body of 23 bytes is shorter than nonce and tag (24)' });
    expect(d12.decrypt(23, 0x0303, Buffer.alloc(MAX_TLS12_CIPHERTEXT))).toMatchObject({ reason: 'authentication' });
    expect(d12.decrypt(23, 0x0303, Buffer.alloc(MAX_TLS12_CIPHERTEXT + 1))).toMatchObject({ reason: 'too-long', message: 'record body of 18433 bytes exceeds 18432' });
  });

  test('a TLS 1.3 suite we do not decrypt (CCM) is reported, not attempted', () => {
    const d = TlsDecryptor.fromSecrets({ clientRandom: '00'.repeat(32), serverHandshakeTrafficSecret: secret, clientHandshakeTrafficSecret: secret });
    expect(d.serverHello({ version: 0x0304, cipherSuite: 0x1304, serverRandom: Buffer.alloc(32) })).toMatchObject({ reason: 'unsupported-suite' });
  });
});

describe('key derivation against published vectors (src/tls/decrypt/kdf.ts)', () => {
  test('HKDF-Expand over more than one block: RFC 5869 A.1 (SHA-256, L = 42)', () => {
    const prk = Buffer.from('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5', 'hex');
    const okm = hkdfExpand('sha256', prk, Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex'), 42);
    expect(okm.toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  test('HKDF-Expand-Label with a context: RFC 8448 3, Derive-Secret(early secret, "derived", "")', () => {
    const early = Buffer.from('33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a', 'hex');
    const emptyHash = createHash('sha256').update('').digest();
    expect(hkdfExpandLabel('sha256', early, 'derived', emptyHash, 32).toString('hex')).toBe('6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba');
  });

  test('a KeyUpdate secret is Hash.length long (RFC 8446 7.2): 32 bytes for SHA-256, 48 for SHA-384', () => {
    expect(nextTrafficSecret('sha256', Buffer.alloc(32, 1)).length).toBe(32);
    expect(nextTrafficSecret('sha384', Buffer.alloc(48, 1)).length).toBe(48);
  });
});
