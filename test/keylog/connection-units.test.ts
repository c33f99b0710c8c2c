/**
 * TlsDecryptor (src/tls/decrypt/connection.ts) driven record by record, on the paths
 * no recorded capture reaches: TLS 1.3 0-RTT (RFC 8448 section 4's published records),
 * early data rejected, the ServerHello versions and suites that are not decrypted,
 * key logs without a secret, ChangeCipherSpec and handshake messages that must not
 * switch keys. Records are either RFC 8448's or sealed here (./seal.ts, from RFC 8446
 * only); expectations come from RFC 8446 / 5246 / 5288 and the contract at the top
 * of connection.ts.
 */
import { TlsDecryptor, type DecryptResult } from '../../src/tls/decrypt/index.js';
import { MAX_SKIPPED_EARLY_BYTES } from '../../src/tls/decrypt/connection.js';
import type { TlsSecrets } from '../../src/tls/keylog.js';
import { hex, rec, Sealer, updatedSecret, writeKeys, type Rec } from './seal.js';

/** RFC 8448 section 4 (Resumed 0-RTT Handshake, TLS_AES_128_GCM_SHA256): the traffic secrets. */
const RFC = {
  clientRandom: '1bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d95',
  serverRandom: hex('3ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d'),
  early: hex('3f bb e6 a6 0d eb 66 c3 0a 32 79 5a ba 0e ff 7e aa 10 10 55 86 e7 be 5c 09 67 8d 63 b6 ca ab 62'),
  clientHs: hex('2f aa c0 8f 85 1d 35 fe a3 60 4f cb 4d e8 2d c6 2c 9b 16 4a 70 97 4d 04 62 e2 7f 1a b2 78 70 0f'),
  serverHs: hex('fe 92 7a e2 71 31 2e 8b f0 27 5b 58 1c 54 ee f0 20 45 0d c4 ec ff aa 05 a1 a3 5d 27 51 8e 78 03'),
  clientAp: hex('2a bb f2 b8 e3 81 d2 3d be be 1d d2 a7 d1 6a 8b f4 84 cb 49 50 d2 3f b7 fb 7f a8 54 70 62 d9 a1'),
  serverAp: hex('cc 21 f1 bf 8f eb 7d d5 fa 50 5b d9 c4 b4 68 a9 98 4d 55 4a 99 3d c4 9e 6d 28 55 98 fb 67 26 91'),
};

/** RFC 8448 section 4's protected records, in the order they are sent. */
const R = {
  /** {client} application_data (0-RTT), payload "ABCDEF". */
  early: rec(hex('17 03 03 00 17 ab 1d f4 20 e7 5c 45 7a 7c c5 d2 84 4f 76 d5 ae e4 b4 ed bf 04 9b e0')),
  /** {server} EncryptedExtensions (with early_data: 0-RTT accepted) and Finished in one record. */
  serverHs: rec(
    hex(`17 03 03 00 61 dc 48 23 7b 4b 87 9f 50 d0 d4 d2 62 ea 8b 47 16 eb 40 dd c1 eb 95 7e 11 12 6e 8a 71
         49 c2 d0 12 d3 7a 71 15 95 7e 64 ce 30 00 8b 9e 03 23 f2 c0 5a 9c 1c 77 b4 f3 78 49 a6 95 ab 25 50 60
         a3 3f ee 77 0c a9 5c b8 48 6b fd 08 43 b8 70 24 86 5c a3 5c c4 1c 4e 51 5c 64 dc b1 36 9f 98 63 5b c7 a5`),
  ),
  /** {client} EndOfEarlyData, under the early key (its second record). */
  endOfEarlyData: rec(hex('17 03 03 00 15 ac a6 fc 94 48 41 29 8d f9 95 93 72 5f 9b f9 75 44 29 b1 2f 09')),
  /** {client} Finished, under the client handshake key. */
  clientFinished: rec(
    hex(`17 03 03 00 35 00 f8 b4 67 d1 4c f2 2a 4b 3f 0b 6a e0 d8 e6 cc 8d 08 e0 db 35 15 ef 5c 2b df 19 22
         ea fb b7 00 09 96 47 16 d8 34 fb 70 c3 d2 a5 6c 5b 1f 5f 6b db a6 c3 33 cf`),
  ),
  /** {client} application_data, payload 00 01 … 31 (50 octets). */
  clientData: rec(
    hex(`17 03 03 00 43 b1 ce bc e2 42 aa 20 1b e9 ae 5e 1c b2 a9 aa 4b 33 d4 e8 66 af 1e db 06 89 19 23 77
         41 aa 03 1d 7a 74 d4 91 c9 9b 9d 4e 23 2b 74 20 6b c6 fb aa 04 fe 78 be 44 a9 b4 f5 43 20 a1 7e b7 69
         92 af ac 31 03`),
  ),
  /** {server} application_data, the same payload. */
  serverData: rec(
    hex(`17 03 03 00 43 27 5e 9f 20 ac ff 57 bc 00 06 57 d3 86 7d f0 39 cc cf 79 04 78 84 cf 75 77 17 46 f7
         40 b5 a8 3f 46 2a 09 54 c3 58 13 93 a2 03 a2 5a 7d d1 41 41 ef 1a 37 90 0c db 62 ff 62 de e1 ba 39 ab
         25 90 cb f1 94`),
  ),
  /** {client} and {server} alert records: close_notify (01 00). */
  clientAlert: rec(hex('17 03 03 00 13 0f ac ce 32 46 bd fc 63 69 83 8d 6a 82 ae 6d e5 d4 22 dc')),
  serverAlert: rec(hex('17 03 03 00 13 5b 18 af 44 4e 8e 1e ec 71 58 fb 62 d8 f2 57 7d 37 ba 5d')),
};

const DATA_50 = Buffer.from(Array.from({ length: 50 }, (_, i) => i));
const CLOSE_NOTIFY = Buffer.from([1, 0]);
const TLS13 = { version: 0x0304, cipherSuite: 0x1301, serverRandom: RFC.serverRandom };

/** The RFC 8448 section 4 key log, without the secrets named in `without`. */
function rfcSecrets(...without: Exclude<keyof TlsSecrets, 'clientRandom'>[]): TlsSecrets {
  const s: TlsSecrets = {
    clientRandom: RFC.clientRandom,
    clientEarlyTrafficSecret: RFC.early,
    clientHandshakeTrafficSecret: RFC.clientHs,
    serverHandshakeTrafficSecret: RFC.serverHs,
    clientTrafficSecret0: RFC.clientAp,
    serverTrafficSecret0: RFC.serverAp,
  };
  for (const k of without) delete s[k];
  return s;
}

const open = (d: TlsDecryptor, side: 'client' | 'server', r: Rec): DecryptResult => d.decrypt(side, r.type, r.version, r.body);

/** A successful result's inner type and plaintext (hex), or the failure as it is. */
function shown(r: DecryptResult): unknown {
  return r.ok ? { innerType: r.innerType, plaintext: r.plaintext.toString('hex'), seq: r.seq } : r;
}
const ok = (innerType: number, plaintext: Buffer, seq: bigint) => ({ innerType, plaintext: plaintext.toString('hex'), seq });

/** A finished message of `n` verify_data bytes (RFC 8446 4.4.4), content chosen by the test. */
const finished = (n = 32): Buffer => Buffer.concat([Buffer.from([20, 0, 0, n]), Buffer.alloc(n, 0xf1)]);

describe('RFC 8448 section 4: a resumed handshake with accepted 0-RTT data', () => {
  test('the published keys of the early and server handshake secrets (the test sealer derives the same)', () => {
    expect(writeKeys(0x1301, RFC.early)).toEqual({ key: hex('92 02 05 a5 b7 bf 21 15 e6 fc 5c 29 42 83 4f 54'), iv: hex('6d 47 5f 09 93 c8 e5 64 61 0d b2 b9') });
    expect(writeKeys(0x1301, RFC.serverHs)).toEqual({ key: hex('27 c6 bd c0 a3 dc ea 39 a4 73 26 d7 9b c9 e4 ee'), iv: hex('95 69 ec dd 4d 05 36 70 5e 9e f7 25') });
  });

  test('every record decrypts: the early record pins the suite, EndOfEarlyData moves the client to its handshake key, Finished to _0', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    // Before the ServerHello only the client's 0-RTT application_data records are encrypted.
    expect(d.phase('client')).toBe('early');
    expect(d.expectsEncrypted('client', 23)).toBe(true);
    expect(d.expectsEncrypted('client', 22)).toBe(false);
    expect(d.expectsEncrypted('server', 23)).toBe(false);
    expect(d.cipherSuite).toBeUndefined();
    expect(shown(open(d, 'client', R.early))).toEqual(ok(23, Buffer.from('ABCDEF'), 0n));
    expect(d.sequence('client')).toBe(1n);

    expect(d.serverHello(TLS13)).toBeNull();
    expect(d.cipherSuite?.code).toBe(0x1301);
    // The client stays on its early key (its next record is the second under it).
    expect(d.phase('client')).toBe('early');
    expect(d.sequence('client')).toBe(1n);
    expect(d.phase('server')).toBe('handshake');

    const ee = open(d, 'server', R.serverHs);
    expect(ee).toMatchObject({ ok: true, innerType: 22, seq: 0n });
    const flight = ee.ok ? ee.plaintext : Buffer.alloc(0);
    // EncryptedExtensions (8) carrying early_data (0x002a, empty): the server accepted 0-RTT (RFC 8446 4.2.10) …
    expect(flight[0]).toBe(8);
    const eeLength = flight.readUIntBE(1, 3);
    expect(flight.subarray(4, 4 + eeLength).includes(hex('00 2a 00 00'))).toBe(true);
    // … and its Finished (20) with 32 bytes of verify_data ends the record.
    expect(flight.subarray(4 + eeLength, 8 + eeLength)).toEqual(hex('14 00 00 20'));
    expect(flight.length).toBe(4 + eeLength + 36);
    d.handshakeMessage('server', 8);
    expect(d.phase('server')).toBe('handshake');
    d.handshakeMessage('server', 20);
    expect(d.phase('server')).toBe('application');
    expect(d.sequence('server')).toBe(0n);

    expect(shown(open(d, 'client', R.endOfEarlyData))).toEqual(ok(22, hex('05 00 00 00'), 1n));
    d.handshakeMessage('client', 5);
    // RFC 8446 4.5: the records after EndOfEarlyData are protected under the handshake traffic keys.
    expect(d.phase('client')).toBe('handshake');
    expect(d.sequence('client')).toBe(0n);
    const fin = open(d, 'client', R.clientFinished);
    expect(fin).toMatchObject({ ok: true, innerType: 22, seq: 0n });
    expect(fin.ok && fin.plaintext.subarray(0, 4)).toEqual(hex('14 00 00 20'));
    d.handshakeMessage('client', 20);
    expect(d.phase('client')).toBe('application');

    expect(shown(open(d, 'client', R.clientData))).toEqual(ok(23, DATA_50, 0n));
    expect(shown(open(d, 'server', R.serverData))).toEqual(ok(23, DATA_50, 0n));
    expect(shown(open(d, 'client', R.clientAlert))).toEqual(ok(21, CLOSE_NOTIFY, 1n));
    expect(shown(open(d, 'server', R.serverAlert))).toEqual(ok(21, CLOSE_NOTIFY, 1n));
    expect([d.keyUpdates('client'), d.keyUpdates('server')]).toEqual([0, 0]);
  });

  test('without CLIENT_HANDSHAKE_TRAFFIC_SECRET, the records after EndOfEarlyData have no key (named), not a failed guess', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets('clientHandshakeTrafficSecret'));
    expect(open(d, 'client', R.early).ok).toBe(true);
    expect(d.serverHello(TLS13)).toBeNull();
    expect(open(d, 'client', R.endOfEarlyData).ok).toBe(true);
    d.handshakeMessage('client', 5);
    expect(d.phase('client')).toBe('handshake');
    expect(open(d, 'client', R.clientFinished)).toEqual({ ok: false, reason: 'no-keys', message: "no CLIENT_HANDSHAKE_TRAFFIC_SECRET for the client's records", seq: 0n });
  });

  test('0-RTT records walked after the ServerHello: the early key is the negotiated suite\'s (AES-128-GCM here)', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(d.serverHello(TLS13)).toBeNull();
    expect(d.phase('client')).toBe('early');
    expect(shown(open(d, 'client', R.early))).toEqual(ok(23, Buffer.from('ABCDEF'), 0n));
    expect(shown(open(d, 'client', R.endOfEarlyData))).toEqual(ok(22, hex('05 00 00 00'), 1n));
  });

  test('0-RTT records walked after the ServerHello: with TLS_CHACHA20_POLY1305_SHA256 negotiated, the early key is ChaCha20\'s', () => {
    const early = Buffer.alloc(32, 0xe1);
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientEarlyTrafficSecret: early, clientHandshakeTrafficSecret: Buffer.alloc(32, 0xc1), serverHandshakeTrafficSecret: Buffer.alloc(32, 0x51) });
    expect(d.serverHello({ ...TLS13, cipherSuite: 0x1303 })).toBeNull();
    const c = new Sealer(0x1303, early);
    expect(shown(open(d, 'client', c.seal(Buffer.from('GET / HTTP/1.1\r\n'), 23)))).toEqual(ok(23, Buffer.from('GET / HTTP/1.1\r\n'), 0n));
    expect(d.phase('client')).toBe('early');
  });

  test('before the ServerHello a 32-byte early secret is tried with AES-128-GCM, then ChaCha20-Poly1305: the one that authenticates is kept', () => {
    const early = Buffer.alloc(32, 0xe3);
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientEarlyTrafficSecret: early });
    const c = new Sealer(0x1303, early);
    expect(shown(open(d, 'client', c.seal(Buffer.from('one'), 23)))).toEqual(ok(23, Buffer.from('one'), 0n));
    expect(shown(open(d, 'client', c.seal(Buffer.from('two'), 23)))).toEqual(ok(23, Buffer.from('two'), 1n));
    // Pinned: a record under the AES-128-GCM key of the same secret is no longer tried.
    expect(open(d, 'client', new Sealer(0x1301, early).seal(Buffer.from('aes'), 23))).toMatchObject({ ok: false, reason: 'authentication', message: 'record 2 did not authenticate (chacha20-poly1305)' });
  });

  test('a 48-byte early secret is TLS_AES_256_GCM_SHA384\'s (the only SHA-384 suite): its first early record decrypts before the ServerHello', () => {
    const early = Buffer.alloc(48, 0xe2);
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientEarlyTrafficSecret: early });
    const c = new Sealer(0x1302, early);
    expect(shown(open(d, 'client', c.seal(Buffer.from('early'), 23, 3)))).toEqual(ok(23, Buffer.from('early'), 0n));
    expect(shown(open(d, 'client', c.seal(Buffer.from('more'), 23)))).toEqual(ok(23, Buffer.from('more'), 1n));
  });

  test('a negotiated suite other than the early secret\'s: the client starts on its handshake key at the ServerHello', () => {
    // A 32-byte (SHA-256) early secret cannot be TLS_AES_256_GCM_SHA384's: no 0-RTT key is kept.
    const clientHs = Buffer.alloc(48, 0xc3);
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientEarlyTrafficSecret: RFC.early, clientHandshakeTrafficSecret: clientHs, serverHandshakeTrafficSecret: Buffer.alloc(48, 0x53) });
    expect(d.serverHello({ ...TLS13, cipherSuite: 0x1302 })).toBeNull();
    expect(d.phase('client')).toBe('handshake');
    expect(shown(open(d, 'client', new Sealer(0x1302, clientHs).seal(finished(48), 22)))).toEqual(ok(22, finished(48), 0n));
  });

  test('an early record no candidate key authenticates: the first candidate\'s failure (AES-128-GCM), nothing pinned', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    const damaged = { ...R.early, body: Buffer.from(R.early.body) };
    damaged.body[0] ^= 0x80;
    expect(open(d, 'client', damaged)).toEqual({ ok: false, reason: 'authentication', message: 'record 0 did not authenticate (aes-128-gcm)', seq: 0n });
    // Nothing was pinned and no sequence number moved: the intact record still decrypts as record 0.
    expect(shown(open(d, 'client', R.early))).toEqual(ok(23, Buffer.from('ABCDEF'), 0n));
  });
});

describe('early data rejected (RFC 8446 4.2.10): the client goes on under its handshake key without EndOfEarlyData', () => {
  test('its next record fails under the early key and authenticates under the handshake key; the client switches for good', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(open(d, 'client', R.early).ok).toBe(true);
    expect(d.serverHello(TLS13)).toBeNull();
    expect(open(d, 'server', R.serverHs).ok).toBe(true);
    d.handshakeMessage('server', 8);
    d.handshakeMessage('server', 20);
    // No EndOfEarlyData: the client's Finished is its first record under the handshake key.
    const fin = open(d, 'client', R.clientFinished);
    expect(fin).toMatchObject({ ok: true, innerType: 22, seq: 0n });
    expect(d.phase('client')).toBe('handshake');
    expect(d.sequence('client')).toBe(1n);
    d.handshakeMessage('client', 20);
    expect(d.phase('client')).toBe('application');
    expect(shown(open(d, 'client', R.clientData))).toEqual(ok(23, DATA_50, 0n));
  });

  test('a record that fails under both keys is a failure under the early key, which stays installed', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(open(d, 'client', R.early).ok).toBe(true);
    expect(d.serverHello(TLS13)).toBeNull();
    const damaged = { ...R.clientFinished, body: Buffer.from(R.clientFinished.body) };
    damaged.body[3] ^= 1;
    expect(open(d, 'client', damaged)).toEqual({ ok: false, reason: 'authentication', message: 'record 1 did not authenticate (aes-128-gcm)', seq: 1n });
    expect(d.phase('client')).toBe('early');
    expect(shown(open(d, 'client', R.endOfEarlyData))).toEqual(ok(22, hex('05 00 00 00'), 1n));
  });

  test('only the client falls back, and only from its early key: a server record that fails is a failure', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(d.serverHello(TLS13)).toBeNull();
    // The client's Finished given as the server's: no other key is tried for the server.
    expect(open(d, 'server', R.clientFinished)).toMatchObject({ ok: false, reason: 'authentication', seq: 0n });
    expect(d.phase('server')).toBe('handshake');
    expect(shown(open(d, 'server', R.serverHs))).toMatchObject({ innerType: 22, seq: 0n });
  });
});

describe('sequence numbers never rewind (RFC 8446 5.3)', () => {
  const clientHs = Buffer.alloc(32, 0xc4);
  const serverHs = Buffer.alloc(32, 0x54);
  const secrets = (): TlsSecrets => ({ clientRandom: RFC.clientRandom, clientHandshakeTrafficSecret: clientHs, serverHandshakeTrafficSecret: serverHs });

  test('the same handshake record twice: the second is record 1 and does not authenticate', () => {
    const d = TlsDecryptor.fromSecrets(secrets());
    expect(d.serverHello(TLS13)).toBeNull();
    expect(d.phase('client')).toBe('handshake');
    const c = new Sealer(0x1301, clientHs);
    const first = c.seal(finished(), 22);
    expect(open(d, 'client', first).ok).toBe(true);
    expect(open(d, 'client', first)).toEqual({ ok: false, reason: 'authentication', message: 'record 1 did not authenticate (aes-128-gcm)', seq: 1n });
    expect(shown(open(d, 'client', c.seal(Buffer.from('x'), 23)))).toEqual(ok(23, Buffer.from('x'), 1n));
  });

  test('a TLS 1.3 compatibility ChangeCipherSpec between two encrypted server records changes nothing (RFC 8446 5, D.4)', () => {
    const d = TlsDecryptor.fromSecrets(secrets());
    expect(d.serverHello(TLS13)).toBeNull();
    const s = new Sealer(0x1301, serverHs);
    expect(open(d, 'server', s.seal(hex('08 00 00 02 00 00'), 22)).ok).toBe(true);
    d.changeCipherSpec('server');
    expect(d.expectsEncrypted('server', 20)).toBe(false);
    expect(shown(open(d, 'server', s.seal(hex('0b 00 00 04 00 00 00 00'), 22)))).toEqual(ok(22, hex('0b 00 00 04 00 00 00 00'), 1n));
    expect(d.sequence('server')).toBe(2n);
  });
});

describe('before the ServerHello', () => {
  test('without an early secret no record is encrypted, and a client ChangeCipherSpec right after its ClientHello (D.4) changes that not', () => {
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientHandshakeTrafficSecret: RFC.clientHs, serverHandshakeTrafficSecret: RFC.serverHs });
    for (const t of [20, 21, 22, 23]) expect([t, d.expectsEncrypted('client', t), d.expectsEncrypted('server', t)]).toEqual([t, false, false]);
    d.changeCipherSpec('client');
    expect(d.expectsEncrypted('client', 23)).toBe(false);
    expect(d.sequence('client')).toBeUndefined();
  });

  test('handshake messages switch nothing before the ServerHello (not even EndOfEarlyData)', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(open(d, 'client', R.early).ok).toBe(true);
    d.handshakeMessage('client', 5);
    d.handshakeMessage('client', 20);
    expect(d.phase('client')).toBe('early');
    expect(shown(open(d, 'client', R.endOfEarlyData))).toEqual(ok(22, hex('05 00 00 00'), 1n));
  });
});

describe('key switches after the handshake (RFC 8446 4.6)', () => {
  const clientHs = Buffer.alloc(32, 0xc5);
  const serverHs = Buffer.alloc(32, 0x55);
  const clientAp = Buffer.alloc(32, 0xa5);
  const serverAp = Buffer.alloc(32, 0xb5);
  /** A TLS 1.3 connection (TLS_AES_128_GCM_SHA256) after both Finished messages. */
  function established(secrets: Partial<TlsSecrets> = {}): TlsDecryptor {
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientHandshakeTrafficSecret: clientHs, serverHandshakeTrafficSecret: serverHs, clientTrafficSecret0: clientAp, serverTrafficSecret0: serverAp, ...secrets });
    expect(d.serverHello(TLS13)).toBeNull();
    expect(open(d, 'server', new Sealer(0x1301, serverHs).seal(finished(), 22)).ok).toBe(true);
    d.handshakeMessage('server', 20);
    expect(open(d, 'client', new Sealer(0x1301, clientHs).seal(finished(), 22)).ok).toBe(true);
    d.handshakeMessage('client', 20);
    return d;
  }

  test('each side\'s Finished installs its own _0 secret', () => {
    const d = established();
    expect([d.phase('client'), d.phase('server')]).toEqual(['application', 'application']);
    expect(shown(open(d, 'client', new Sealer(0x1301, clientAp).seal(Buffer.from('GET /'), 23)))).toEqual(ok(23, Buffer.from('GET /'), 0n));
    expect(shown(open(d, 'server', new Sealer(0x1301, serverAp).seal(Buffer.from('HTTP/1.1 200'), 23)))).toEqual(ok(23, Buffer.from('HTTP/1.1 200'), 0n));
  });

  test('without the _0 secrets, each side\'s records name the secret that is missing', () => {
    const d = established({ clientTrafficSecret0: undefined, serverTrafficSecret0: undefined });
    const any = new Sealer(0x1301, clientAp).seal(Buffer.from('x'), 23);
    expect(open(d, 'client', any)).toEqual({ ok: false, reason: 'no-keys', message: "no CLIENT_TRAFFIC_SECRET_0 for the client's records", seq: 0n });
    expect(open(d, 'server', any)).toEqual({ ok: false, reason: 'no-keys', message: "no SERVER_TRAFFIC_SECRET_0 for the server's records", seq: 0n });
  });

  test('KeyUpdate (RFC 8446 7.2): each one moves the side to the next secret and is counted', () => {
    const d = established();
    const c0 = new Sealer(0x1301, clientAp);
    expect(open(d, 'client', c0.seal(Buffer.from('a'), 23)).ok).toBe(true);
    expect(shown(open(d, 'client', c0.seal(hex('18 00 00 01 00'), 22)))).toEqual(ok(22, hex('18 00 00 01 00'), 1n));
    d.handshakeMessage('client', 24);
    expect(d.keyUpdates('client')).toBe(1);
    expect(d.sequence('client')).toBe(0n);
    const secret1 = updatedSecret(0x1301, clientAp);
    const c1 = new Sealer(0x1301, secret1);
    expect(shown(open(d, 'client', c1.seal(Buffer.from('b'), 23)))).toEqual(ok(23, Buffer.from('b'), 0n));
    d.handshakeMessage('client', 24);
    expect(d.keyUpdates('client')).toBe(2);
    expect(shown(open(d, 'client', new Sealer(0x1301, updatedSecret(0x1301, secret1)).seal(Buffer.from('c'), 23)))).toEqual(ok(23, Buffer.from('c'), 0n));
    // The server's keys and count are its own.
    expect(d.keyUpdates('server')).toBe(0);
    expect(shown(open(d, 'server', new Sealer(0x1301, serverAp).seal(Buffer.from('d'), 23)))).toEqual(ok(23, Buffer.from('d'), 0n));
  });

  test('a Finished in the application phase (post-handshake authentication, RFC 8446 4.6.2) changes no key', () => {
    const d = established();
    const c = new Sealer(0x1301, clientAp);
    // The client answers a CertificateRequest with Certificate, CertificateVerify and Finished under its application key.
    expect(open(d, 'client', c.seal(Buffer.concat([hex('0b 00 00 04 00 00 00 00'), finished()]), 22)).ok).toBe(true);
    d.handshakeMessage('client', 11);
    d.handshakeMessage('client', 20);
    expect(d.phase('client')).toBe('application');
    expect(shown(open(d, 'client', c.seal(Buffer.from('after'), 23)))).toEqual(ok(23, Buffer.from('after'), 1n));
  });

  test('a KeyUpdate before Finished changes no key (RFC 8446 4.6.3: it is an unexpected_message there)', () => {
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientHandshakeTrafficSecret: clientHs, serverHandshakeTrafficSecret: serverHs, serverTrafficSecret0: serverAp });
    expect(d.serverHello(TLS13)).toBeNull();
    const s = new Sealer(0x1301, serverHs);
    expect(open(d, 'server', s.seal(hex('18 00 00 01 00'), 22)).ok).toBe(true);
    d.handshakeMessage('server', 24);
    expect([d.phase('server'), d.keyUpdates('server')]).toEqual(['handshake', 0]);
    expect(shown(open(d, 'server', s.seal(finished(), 22)))).toEqual(ok(22, finished(), 1n));
  });
});

describe('ServerHello: what is decrypted and why not (the reason\'s message whole)', () => {
  const hello = (version: number, cipherSuite: number, secrets: Partial<TlsSecrets> = {}) =>
    TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, masterSecret: Buffer.alloc(48, 0x4d), clientHandshakeTrafficSecret: RFC.clientHs, serverHandshakeTrafficSecret: RFC.serverHs, ...secrets }).serverHello({ version, cipherSuite, serverRandom: RFC.serverRandom });

  test('a TLS 1.3 draft version (0x7fxx) is TLS 1.3: its records have an inner content type', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(d.serverHello({ ...TLS13, version: 0x7f1c })).toBeNull();
    expect(d.expectsEncrypted('server', 23)).toBe(true);
    expect(d.expectsEncrypted('server', 22)).toBe(false);
    expect(shown(open(d, 'server', R.serverHs))).toMatchObject({ innerType: 22, seq: 0n });
  });

  test('TLS 1.3 with a suite that is not a TLS 1.3 AEAD suite', () => {
    const text = (hexCode: string) => `TLS 1.3 cipher suite ${hexCode} is not decrypted (only AES-GCM and ChaCha20-Poly1305)`;
    expect(hello(0x0304, 0x1304)).toEqual({ reason: 'unsupported-suite', message: text('0x1304') }); // TLS_AES_128_CCM_SHA256
    expect(hello(0x0304, 0xc02f)).toEqual({ reason: 'unsupported-suite', message: text('0xc02f') }); // a TLS 1.2 GCM suite
    expect(hello(0x0304, 0x00ff)).toEqual({ reason: 'unsupported-suite', message: text('0x00ff') });
  });

  test('versions outside TLS 1.0-1.3 are not decrypted', () => {
    expect(hello(0x0300, 0xc02f)).toEqual({ reason: 'unsupported-version', message: 'version 0x300 is not decrypted' }); // SSL 3.0
    expect(hello(0x0305, 0x1301)).toEqual({ reason: 'unsupported-version', message: 'version 0x305 is not decrypted' });
    expect(hello(0xfefd, 0xc02f)).toEqual({ reason: 'unsupported-version', message: 'version 0xfefd is not decrypted' }); // DTLS 1.2
  });

  test('TLS 1.0 and 1.1 are versions we know; their suites (CBC) are not decrypted', () => {
    const cbc = { reason: 'unsupported-suite', message: 'cipher suite 0x002f is not decrypted (CBC and other non-AEAD suites are not supported)' };
    expect(hello(0x0301, 0x002f)).toEqual(cbc); // TLS_RSA_WITH_AES_128_CBC_SHA
    expect(hello(0x0302, 0x002f)).toEqual(cbc);
    expect(hello(0x0303, 0x002f)).toEqual(cbc);
  });

  test('an AEAD suite on a version that cannot carry it is not decrypted, and the reason does not call it CBC', () => {
    // RFC 5288 4 and RFC 7905 2: the GCM and ChaCha20 suites are TLS 1.2 only; RFC 8446 B.4: the TLS 1.3 suites are TLS 1.3 only.
    const wrong = (code: string, tls: string, version: string) => ({ reason: 'unsupported-suite', message: `cipher suite ${code} is a TLS ${tls} suite, not valid in version ${version}: not decrypted` });
    expect(hello(0x0301, 0xc02f)).toEqual(wrong('0xc02f', '1.2', '0x301'));
    expect(hello(0x0302, 0xcca8)).toEqual(wrong('0xcca8', '1.2', '0x302'));
    expect(hello(0x0303, 0x1301)).toEqual(wrong('0x1301', '1.3', '0x303'));
    expect(hello(0x0301, 0x1302)).toEqual(wrong('0x1302', '1.3', '0x301'));
    expect(hello(0x0303, 0xc02f)).toBeNull();
    expect(hello(0x0303, 0xcca8)).toBeNull();
  });

  test('TLS 1.2 without a CLIENT_RANDOM line', () => {
    expect(hello(0x0303, 0xc02f, { masterSecret: undefined })).toEqual({ reason: 'missing-secrets', message: 'the key log has no CLIENT_RANDOM line (master secret) for this connection' });
  });

  test('TLS 1.3 without SERVER_HANDSHAKE_TRAFFIC_SECRET (a record given anyway names it)', () => {
    expect(hello(0x0304, 0x1301, { serverHandshakeTrafficSecret: undefined })).toEqual({ reason: 'missing-secrets', message: 'the key log has no SERVER_HANDSHAKE_TRAFFIC_SECRET for this connection' });
    const d = TlsDecryptor.fromSecrets(rfcSecrets('serverHandshakeTrafficSecret'));
    expect(d.serverHello(TLS13)).toMatchObject({ reason: 'missing-secrets' });
    expect(open(d, 'server', R.serverHs)).toEqual({ ok: false, reason: 'no-keys', message: "no SERVER_HANDSHAKE_TRAFFIC_SECRET for the server's records", seq: 0n });
  });

  test('TLS 1.3 without CLIENT_HANDSHAKE_TRAFFIC_SECRET: the server\'s records decrypt, the client\'s name the missing secret', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets('clientHandshakeTrafficSecret', 'clientEarlyTrafficSecret'));
    expect(d.serverHello(TLS13)).toBeNull();
    expect(open(d, 'server', R.serverHs)).toMatchObject({ ok: true, innerType: 22 });
    expect(open(d, 'client', R.clientFinished)).toEqual({ ok: false, reason: 'no-keys', message: "no CLIENT_HANDSHAKE_TRAFFIC_SECRET for the client's records", seq: 0n });
  });
});

describe('after a ServerHello with a reason, nothing is decrypted (connection.ts: "a reason why nothing will be decrypted")', () => {
  test('TLS 1.3 with an unsupported suite: the records have no key', () => {
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientHandshakeTrafficSecret: RFC.clientHs, serverHandshakeTrafficSecret: RFC.serverHs });
    expect(d.serverHello({ ...TLS13, cipherSuite: 0x1304 })).toMatchObject({ reason: 'unsupported-suite' });
    expect(d.cipherSuite).toBeUndefined();
    expect(open(d, 'server', R.serverHs)).toEqual({ ok: false, reason: 'no-keys', message: "no key for the server's records", seq: 0n });
    expect(open(d, 'client', R.clientFinished)).toEqual({ ok: false, reason: 'no-keys', message: "no key for the client's records", seq: 0n });
  });

  test('TLS 1.3 with an unsupported suite after a decrypted 0-RTT record: the early key is dropped too', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(open(d, 'client', R.early).ok).toBe(true);
    expect(d.serverHello({ ...TLS13, cipherSuite: 0x1304 })).toMatchObject({ reason: 'unsupported-suite' });
    expect(open(d, 'client', R.endOfEarlyData)).toEqual({ ok: false, reason: 'no-keys', message: "no key for the client's records", seq: 0n });
  });

  test('a TLS 1.2 answer to a client that offered 0-RTT, without a master secret: the client\'s records are plaintext again', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(d.serverHello({ version: 0x0303, cipherSuite: 0xc02f, serverRandom: RFC.serverRandom })).toMatchObject({ reason: 'missing-secrets' });
    // TLS 1.2: nothing is encrypted before the side's ChangeCipherSpec (RFC 5246 7.1).
    expect(d.expectsEncrypted('client', 22)).toBe(false);
    expect(d.expectsEncrypted('client', 23)).toBe(false);
  });

  test('the same after an early record was decrypted: no early key is left behind', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets());
    expect(open(d, 'client', R.early).ok).toBe(true);
    expect(d.serverHello({ version: 0x0300, cipherSuite: 0x002f, serverRandom: RFC.serverRandom })).toMatchObject({ reason: 'unsupported-version' });
    expect(d.expectsEncrypted('client', 22)).toBe(false);
    d.changeCipherSpec('client');
    expect(d.expectsEncrypted('client', 22)).toBe(true);
    expect(open(d, 'client', R.endOfEarlyData)).toEqual({ ok: false, reason: 'no-keys', message: "no key for the client's records", seq: 0n });
  });
});

describe('0-RTT without an early key (no CLIENT_EARLY_TRAFFIC_SECRET): skipped, as a server that cannot read it skips it (RFC 8446 4.2.10)', () => {
  const EARLY_SKIPPED = {
    ok: false,
    reason: 'early-data',
    message: 'a 0-RTT record with no early traffic key (no CLIENT_EARLY_TRAFFIC_SECRET in the key log, or one of another hash)',
    seq: 0n,
  };

  test('RFC 8448 section 4 walked with the early record and EndOfEarlyData after the ServerHello: both skipped, everything else decrypts', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets('clientEarlyTrafficSecret'));
    expect(d.serverHello({ ...TLS13, earlyDataOffered: true })).toBeNull();
    expect(d.phase('client')).toBe('handshake');
    expect(open(d, 'client', R.early)).toEqual(EARLY_SKIPPED);
    expect(open(d, 'server', R.serverHs).ok).toBe(true);
    d.handshakeMessage('server', 8);
    d.handshakeMessage('server', 20);
    expect(open(d, 'client', R.endOfEarlyData)).toEqual(EARLY_SKIPPED);
    // The skipped records did not move the handshake key's sequence: the Finished is its record 0.
    expect(open(d, 'client', R.clientFinished)).toMatchObject({ ok: true, innerType: 22, seq: 0n });
    d.handshakeMessage('client', 20);
    expect(shown(open(d, 'client', R.clientData))).toEqual(ok(23, DATA_50, 0n));
    expect(shown(open(d, 'server', R.serverData))).toEqual(ok(23, DATA_50, 0n));
  });

  test('once a client record authenticates under the handshake key, a record that does not is a failure again', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets('clientEarlyTrafficSecret'));
    expect(d.serverHello({ ...TLS13, earlyDataOffered: true })).toBeNull();
    expect(open(d, 'client', R.clientFinished)).toMatchObject({ ok: true, seq: 0n });
    expect(open(d, 'client', R.early)).toEqual({ ok: false, reason: 'authentication', message: 'record 1 did not authenticate (aes-128-gcm)', seq: 1n });
  });

  test('without early data offered in the ClientHello, a client record the handshake key does not open is a failure', () => {
    for (const offered of [false, undefined]) {
      const d = TlsDecryptor.fromSecrets(rfcSecrets('clientEarlyTrafficSecret'));
      expect(d.serverHello({ ...TLS13, earlyDataOffered: offered })).toBeNull();
      expect(open(d, 'client', R.early)).toEqual({ ok: false, reason: 'authentication', message: 'record 0 did not authenticate (aes-128-gcm)', seq: 0n });
    }
  });

  test('a server record is never skipped as early data', () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets('clientEarlyTrafficSecret'));
    expect(d.serverHello({ ...TLS13, earlyDataOffered: true })).toBeNull();
    expect(open(d, 'server', R.early)).toMatchObject({ ok: false, reason: 'authentication', seq: 0n });
  });

  test('an early secret of another hash than the negotiated suite\'s: its records are skipped the same way', () => {
    // A 32-byte early secret and TLS_AES_256_GCM_SHA384 negotiated: no early key is kept (see above).
    const clientHs = Buffer.alloc(48, 0xc3);
    const d = TlsDecryptor.fromSecrets({ clientRandom: RFC.clientRandom, clientEarlyTrafficSecret: RFC.early, clientHandshakeTrafficSecret: clientHs, serverHandshakeTrafficSecret: Buffer.alloc(48, 0x53) });
    expect(d.serverHello({ ...TLS13, cipherSuite: 0x1302, earlyDataOffered: true })).toBeNull();
    expect(open(d, 'client', R.early)).toEqual(EARLY_SKIPPED);
    expect(shown(open(d, 'client', new Sealer(0x1302, clientHs).seal(finished(48), 22)))).toEqual(ok(22, finished(48), 0n));
  });

  test(`at most MAX_SKIPPED_EARLY_BYTES (${MAX_SKIPPED_EARLY_BYTES}) of records are skipped; past that a failure is a failure`, () => {
    const d = TlsDecryptor.fromSecrets(rfcSecrets('clientEarlyTrafficSecret'));
    expect(d.serverHello({ ...TLS13, earlyDataOffered: true })).toBeNull();
    // Full-size records (2^14 bytes of data, type, tag) under a key the key log does not have.
    const other = new Sealer(0x1301, Buffer.alloc(32, 0x0e));
    const full = (): Rec => other.seal(Buffer.alloc(1 << 14, 0x61), 23);
    const size = full().body.length;
    let skipped = 0;
    let last: DecryptResult;
    for (;;) {
      last = open(d, 'client', full());
      if (last.ok || last.reason !== 'early-data') break;
      skipped += size;
    }
    // Every record that fits in the bound was skipped, and the first that does not is the failure it is.
    expect(skipped).toBe(Math.floor(MAX_SKIPPED_EARLY_BYTES / size) * size);
    expect(last).toMatchObject({ ok: false, reason: 'authentication', seq: 0n });
  });
});
