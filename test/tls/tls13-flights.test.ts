/**
 * TLS 1.3 client flights without the keys (issue 11 #6): the client's
 * [Certificate, CertificateVerify,] Finished records after the ServerHello are
 * one flight, its first application data the record after it.
 *
 * Truth: tshark 4.0 *with* the client's key log (test/golden-keylog/, written
 * by scripts/make-keylog-golden.mjs from the recordings in fixtures/keylog/):
 * the decrypted handshake types per frame and the inner content type of every
 * record. We read the same captures without keys.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TlsMessage } from '../../src/tls/types.js';
import { fixtureChunks, runChunks } from './streams.js';

interface KeylogGolden {
  streams: {
    stream: number;
    sides: Record<'client' | 'server', { handshake: { type: number; frame: number }[]; records: { frame: number; type: number }[] }>;
  }[];
}

const FIXTURES = [
  'lo-tls13-mtls-keylog.pcap',
  'lo-tls13-full-keylog.pcap',
  'lo-tls13-3suites-keylog.pcap',
  'lo-tls13-early-data-keylog.pcap',
  'lo-tls13-early-data-chacha-keylog.pcap',
  'lo-tls13-hrr-keylog.pcap',
  'lo-tls13-key-update-keylog.pcap',
  'ns-tls13-mtu1500-chain-keylog.pcap',
];

const firstFrom = (ms: TlsMessage[], type: string) =>
  ms.find((m) => m.type === type && m.from === 'client' && !m.earlyData)?.last.frame ?? null;

describe.each(FIXTURES)('%s', (fixture) => {
  const golden: KeylogGolden = JSON.parse(
    readFileSync(path.resolve(process.cwd(), 'test/golden-keylog', `${fixture}.json`), 'utf8'),
  );
  const chunks = fixtureChunks(path.join('keylog', fixture));

  test.each(golden.streams.map((s) => [s.stream, s] as const))('stream %i: client Finished and first application data as decrypted by tshark', (stream, g) => {
    const r = runChunks(stream, chunks.get(stream)!);
    const client = g.sides.client;
    const finished = client.handshake.filter((h) => h.type === 20).at(-1)!.frame;
    // The first record after the last handshake record of the client's flight. Without the keys an
    // encrypted alert (inner type 21) looks like data: where the 0-RTT data carried the request, the
    // record after the flight is the close_notify, and it is what we can see.
    const records = client.records;
    let lastHs = -1;
    for (let i = 0; i < records.length; i++) {
      if (records[i].type === 22 && records[i].frame <= finished) lastHs = i;
    }
    const appData = records.slice(lastHs + 1).find((x) => x.type === 23 || x.type === 21)?.frame ?? null;
    expect([firstFrom(r.messages, 'Finished'), firstFrom(r.messages, 'ApplicationData')]).toEqual([finished, appData]);
    expect(r.summary!.handshakeDone?.frame).toBe(finished);
  });
});

test('mutual TLS 1.3: the client Certificate and CertificateVerify records are encrypted handshake, not data', () => {
  const r = runChunks(0, fixtureChunks('keylog/lo-tls13-mtls-keylog.pcap').get(0)!); // fed until done
  // Frame 8 carries CCS, Certificate, CertificateVerify and Finished (tshark with the key log).
  expect(r.messages.filter((m) => m.from === 'client').map((m) => `${m.type}@${m.last.frame}`)).toEqual([
    'ClientHello@4',
    'ChangeCipherSpec@8',
    'EncryptedHandshake@8',
    'EncryptedHandshake@8',
    'Finished@8',
    'ApplicationData@10',
  ]);
});
