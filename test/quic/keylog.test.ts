/**
 * QUIC with a key log: our recordings (fixtures/quic/quic-*.pcap, each with
 * the NSS key log GnuTLS wrote beside it) through the real pipeline with
 * `keyLog`, compared with tshark 4.0's dissection of the same file with the
 * same key log (test/golden-quic/keys/<file>.json, scripts/make-quic-keys-golden.mjs):
 * per connection and side the frame of each handshake message read from the
 * decrypted Handshake packets (EncryptedExtensions, Certificate,
 * CertificateRequest, CertificateVerify, Finished), the server's HANDSHAKE_DONE,
 * the ALPN of EncryptedExtensions, the certificate lengths and the cipher suite
 * (quic-chacha20-aes256.pcap: ChaCha20-Poly1305 and AES-256-GCM/SHA-384).
 * With keys the handshake end is the datagram completing the client's Finished
 * (tshark's frame for handshake type 20 from the client), not inferred.
 *
 * quic-resume-0rtt.pcap's second connection sends 0-RTT packets and the server's
 * EncryptedExtensions accepts early data (tshark: extension 42): setup.roundTrips 0.
 *
 * NewSessionTicket (type 4) travels in 1-RTT CRYPTO frames, which we do not
 * read (only HANDSHAKE_DONE is looked for there): not compared.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { KeyLog } from '../../src/tls/keylog.js';
import type { ConnectionRecord, EventType } from '../../src/timeline/types.js';
import { QUIC_FIXTURES } from './run.js';

interface KeysGolden {
  connections: {
    number: number;
    client: { ip: string; port: number };
    firstFrame: number;
    handshake: { client: Record<string, number>; server: Record<string, number> };
    handshakeDone: number | null;
    alpn: string | null;
    certificateLengths: number[];
    cipher: number | null;
    decryptionFailed: { client: number[]; server: number[] };
    earlyDataAccepted: boolean | null;
  }[];
}

const GOLDEN = path.resolve(process.cwd(), 'test/golden-quic/keys');
const FILES = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();
/** Handshake-level message types and our event names. */
const LEVEL_TYPES: Record<string, EventType> = { '8': 'EncryptedExtensions', '11': 'Certificate', '13': 'CertificateRequest', '15': 'CertificateVerify', '20': 'Finished' };

function keyLogOf(pcap: string, text?: string): KeyLog {
  return new KeyLog().add(text ?? readFileSync(path.join(QUIC_FIXTURES, pcap.replace(/\.pcap$/, '.keys'))), 'test');
}

async function quicRecords(pcap: string, keyLog?: KeyLog): Promise<{ records: ConnectionRecord[]; warnings: string[] }> {
  const a = await analyzeFile(path.join(QUIC_FIXTURES, pcap), keyLog === undefined ? {} : { keyLog });
  return { records: a.connections.filter((c) => c.transport === 'quic'), warnings: a.capture.warnings };
}

/** First frame of each event type per side. */
function firstFrames(rec: ConnectionRecord, types: EventType[]): { client: Record<string, number>; server: Record<string, number> } {
  const out = { client: {} as Record<string, number>, server: {} as Record<string, number> };
  for (const e of rec.events) if (types.includes(e.type) && out[e.from][e.type] === undefined) out[e.from][e.type] = e.frame;
  return out;
}

test('a key-log golden for every recording with a key log', () => {
  const withKeys = readdirSync(QUIC_FIXTURES).filter((f) => f.startsWith('quic-') && f.endsWith('.keys'));
  expect(FILES).toEqual(withKeys.map((k) => k.replace(/\.keys$/, '.pcap')).sort());
});

describe.each(FILES)('%s with its key log, against tshark with the same key log', (file) => {
  const golden = JSON.parse(readFileSync(path.join(GOLDEN, `${file}.json`), 'utf8')) as KeysGolden;
  let records: ConnectionRecord[];
  let warnings: string[];
  beforeAll(async () => {
    ({ records, warnings } = await quicRecords(file, keyLogOf(file)));
  });

  test('every tshark connection decrypted, field by field', () => {
    expect(golden.connections.length).toBeGreaterThan(0);
    for (const g of golden.connections) {
      const rec = records.find((r) => r.client.port === g.client.port && r.firstFrame === g.firstFrame);
      expect(rec).toBeDefined();
      const r = rec!;
      const label = `${file} connection ${g.number}`;
      const expected = { client: {} as Record<string, number>, server: {} as Record<string, number> };
      for (const side of ['client', 'server'] as const) {
        for (const [t, frame] of Object.entries(g.handshake[side])) if (LEVEL_TYPES[t] !== undefined) expected[side][LEVEL_TYPES[t]] = frame;
      }
      expect([label, firstFrames(r, Object.values(LEVEL_TYPES))]).toEqual([label, expected]);
      expect([label, r.events.find((e) => e.type === 'HandshakeDone')?.frame ?? null]).toEqual([label, g.handshakeDone]);
      expect([label, r.events.find((e) => e.type === 'HandshakeDone')?.from]).toEqual([label, g.handshakeDone === null ? undefined : 'server']);
      const t = r.tls!;
      expect([label, t.cipherSuite, t.alpn, t.certificateCount, t.certificateBytes]).toEqual([
        label,
        g.cipher,
        g.alpn,
        g.certificateLengths.length,
        g.certificateLengths.reduce((a, b) => a + b, 0),
      ]);
      expect([label, t.decrypted, t.notDecrypted, t.handshakeEndInferred, r.quic!.handshakeInferred]).toEqual([label, true, null, false, false]);
      // The setup ends with the client's Finished, read: no event is labelled inferred.
      expect([label, r.setup.endFrame]).toEqual([label, g.handshake.client['20']]);
      expect(r.events.filter((e) => e.inferred === true)).toEqual([]);
      // 0-RTT data the server took (early_data in its EncryptedExtensions): no round trip before the
      // client's first data (quic-resume-0rtt.pcap connection 1); otherwise the one of the handshake.
      const zeroRtt = r.quic!.zeroRtt && g.earlyDataAccepted === true;
      expect([label, r.setup.roundTrips]).toEqual([label, (zeroRtt ? 0 : 1) + (r.quic!.retry ? 1 : 0) + (r.quic!.versionNegotiation ? 1 : 0)]);
      // Where tshark's own decryption with the same keys fails up to HANDSHAKE_DONE, ours does
      // too (and nowhere else; we open no packet after it): quic-resume-0rtt.pcap frame 16, the
      // resumed server's first 1-RTT packet (PN 0), coalesced after its Handshake packet, fails
      // the AEAD tag under SERVER_TRAFFIC_SECRET_0 for both of us, while its later 1-RTT packets
      // (PN 2 on) open; we read HANDSHAKE_DONE from those.
      const early = g.decryptionFailed.server.filter((f) => g.handshakeDone === null || f < g.handshakeDone);
      const failures = early.length > 0 ? ["1-RTT packet from the server failed to decrypt with the key log's secrets"] : [];
      expect([label, r.problems]).toEqual([label, failures]);
    }
    expect(warnings.filter((w) => w.startsWith('key log'))).toEqual([]);
  });
});

test('the same capture without keys: handshake end inferred, no Finished or HandshakeDone', async () => {
  const { records } = await quicRecords('quic-one-request.pcap');
  const r = records[0];
  expect(r.events.some((e) => e.type === 'Finished' || e.type === 'HandshakeDone' || e.type === 'EncryptedExtensions')).toBe(false);
  expect([r.tls!.decrypted, r.tls!.notDecrypted, r.tls!.handshakeEndInferred, r.tls!.alpn, r.tls!.certificateBytes]).toEqual([false, null, true, null, null]);
});

test('with keys, the exact end and the inferred one fall on the same datagram in our recordings (client Finished + 1-RTT coalesced)', async () => {
  const keyed = (await quicRecords('quic-one-request.pcap', keyLogOf('quic-one-request.pcap'))).records[0];
  const plain = (await quicRecords('quic-one-request.pcap')).records[0];
  expect({ ...keyed.setup, certificateBytes: 0 }).toEqual(plain.setup); // certificate bytes: known only with keys
  expect(keyed.quic!.handshakeMs).toBe(plain.quic!.handshakeMs);
});

test('wrong secrets: the Handshake packets fail to authenticate; the timeline stays inferred, one problem, counted in the key-log warning', async () => {
  const text = readFileSync(path.join(QUIC_FIXTURES, 'quic-one-request.keys'), 'utf8');
  // Flip the last hex digit of every secret: the same client random, other keys.
  const broken = text.replace(/([0-9a-f])(\r?\n|$)/g, (_m, d: string, nl: string) => ((parseInt(d, 16) ^ 1).toString(16) + nl));
  const { records, warnings } = await quicRecords('quic-one-request.pcap', keyLogOf('quic-one-request.pcap', broken));
  const r = records[0];
  expect([r.tls!.decrypted, r.tls!.notDecrypted, r.tls!.handshakeEndInferred]).toEqual([false, 'failed', true]);
  expect(r.problems).toContain("Handshake packet from the server failed to decrypt with the key log's secrets");
  expect(r.events.some((e) => e.type === 'Finished')).toBe(false);
  expect(warnings.some((w) => /key log: 0 of 1 TLS connection decrypted; 1 failed to decrypt/.test(w))).toBe(true);
});

test("a key log without this connection's random: not decrypted, 'no-secrets', said in the warning", async () => {
  const other = readFileSync(path.join(QUIC_FIXTURES, 'quic-retry.keys'));
  const { records, warnings } = await quicRecords('quic-one-request.pcap', keyLogOf('quic-one-request.pcap', other.toString('utf8')));
  expect(records[0].tls!.notDecrypted).toBe('no-secrets');
  expect(warnings.some((w) => /key log: 0 of 1 TLS connection decrypted; 1 had no secrets/.test(w))).toBe(true);
});

test('0-RTT: quic-resume-0rtt.pcap connection 1 sends its request in 0-RTT and the server takes it: 0 round trips before the data, with keys and without', async () => {
  const g = (JSON.parse(readFileSync(path.join(GOLDEN, 'quic-resume-0rtt.pcap.json'), 'utf8')) as KeysGolden).connections;
  expect(g.map((c) => c.earlyDataAccepted)).toEqual([false, true]);
  for (const keyLog of [keyLogOf('quic-resume-0rtt.pcap'), undefined]) {
    const { records } = await quicRecords('quic-resume-0rtt.pcap', keyLog);
    expect(records.map((r) => [r.quic!.zeroRtt, r.setup.roundTrips, r.firstDataMs.client === 0])).toEqual([
      [false, 1, false],
      [true, 0, true],
    ]);
  }
});

test('a damaged Handshake packet with the right keys: the tag fails, one problem, the rest of the connection still read and the end inferred', async () => {
  const buf = Buffer.from(readFileSync(path.join(QUIC_FIXTURES, 'quic-one-request.pcap')));
  expect(buf.readUInt32LE(20)).toBe(1); // Ethernet
  const frame2 = 24 + 16 + buf.readUInt32LE(24 + 8); // record of frame 2
  // tshark: frame 2's UDP payload is Initial (166 bytes, the ServerHello) then Handshake (765 bytes, EE..Finished).
  const payload = frame2 + 16 + 14 + 20 + 8;
  expect(buf[payload + 166] & 0xb0).toBe(0xa0); // long header, Handshake (v1 type 2)
  buf[payload + 166 + 400] ^= 0x01; // inside its encrypted payload
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-quic-keys-'));
  try {
    const file = path.join(dir, 'damaged.pcap');
    writeFileSync(file, buf);
    const a = await analyzeFile(file, { keyLog: keyLogOf('quic-one-request.pcap') });
    const r = a.connections.find((c) => c.transport === 'quic')!;
    expect(r.problems).toContain("Handshake packet from the server failed to decrypt with the key log's secrets");
    // The ServerHello (Initial) is still read; the server's encrypted flight is lost, so no Finished from it
    // and the handshake is not complete with keys: the end falls back to the inferred one (frame 4).
    expect(r.events.some((e) => e.type === 'ServerHello')).toBe(true);
    expect(r.events.some((e) => e.type === 'Finished' && e.from === 'server')).toBe(false);
    expect([r.tls!.decrypted, r.tls!.notDecrypted, r.tls!.handshakeEndInferred, r.setup.endFrame]).toEqual([false, 'failed', true, 4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
