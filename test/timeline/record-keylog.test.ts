/**
 * The record's events for the key-log fixtures against tshark's dissection of
 * them (test/golden-keylog/, written by scripts/make-keylog-golden.mjs from
 * tshark only) and the event vocabulary of the output format
 * (src/output/handshake_lens.proto, enum EventType): 0-RTT records are marked
 * as early data, and handshake messages outside the vocabulary (KeyUpdate,
 * read from decrypted TLS 1.3 records) are no events.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { KeyLog } from '../../src/tls/keylog.js';

const FIX = path.resolve('fixtures/keylog');
const GOLD = path.resolve('test/golden-keylog');

interface GoldSide {
  handshake: { type: number; frame: number }[];
  records: { type: number; frame: number }[];
}
interface Gold {
  capture: string;
  keylog: string | null;
  streams: { stream: number; client: { ip: string; port: number }; server: { ip: string; port: number }; sides: { client: GoldSide; server: GoldSide } }[];
}
const gold = (capture: string): Gold => JSON.parse(readFileSync(path.join(GOLD, `${capture}.json`), 'utf8')) as Gold;

/** The .proto's EventType names (UPPER_SNAKE), as our names: SYN_ACK -> SYN-ACK, ZERO_RTT -> 0-RTT, CLIENT_HELLO -> ClientHello. */
function protoEventNames(): Set<string> {
  const proto = readFileSync(path.resolve('src/output/handshake_lens.proto'), 'utf8');
  const body = /enum EventType \{([^}]*)\}/.exec(proto)![1]!;
  const names = [...body.matchAll(/^\s*([A-Z_0-9]+)\s*=\s*\d+;/gm)].map((m) => m[1]!).filter((n) => n !== 'EVENT_UNSPECIFIED');
  const special: Record<string, string> = { SYN: 'SYN', SYN_ACK: 'SYN-ACK', ACK: 'ACK', FIN: 'FIN', RST: 'RST', ZERO_RTT: '0-RTT', ONE_RTT: '1-RTT' };
  return new Set(names.map((n) => special[n] ?? n.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join('')));
}

test('lo-tls13-key-update-keylog.pcap with its key log: the KeyUpdate messages tshark decrypts are no events; every event is of the .proto vocabulary', async () => {
  const g = gold('lo-tls13-key-update-keylog.pcap');
  // tshark (with the key log) reads a KeyUpdate (handshake type 24) each way.
  const keyUpdates = g.streams.flatMap((s) => [...s.sides.client.handshake, ...s.sides.server.handshake].filter((h) => h.type === 24));
  expect(keyUpdates.length).toBeGreaterThan(0);
  const keyLog = new KeyLog().add(readFileSync(path.join(FIX, g.keylog!)), g.keylog!);
  const a = await analyzeFile(path.join(FIX, g.capture), { keyLog });
  const vocabulary = protoEventNames();
  expect(vocabulary.has('ClientHello')).toBe(true);
  const c = a.connections[0]!;
  expect(c.tls?.decrypted).toBe(true);
  expect(c.events.map((e) => e.type).filter((t) => !vocabulary.has(t))).toEqual([]);
});

test.each(['lo-tls13-early-data-keylog.pcap', 'lo-tls13-early-data-chacha-keylog.pcap'])(
  '%s without keys: the client application-data records before the ServerHello (tshark) are one event marked 0-RTT early data',
  async (capture) => {
    const g = gold(capture);
    const a = await analyzeFile(path.join(FIX, capture));
    let early = 0;
    for (const s of g.streams) {
      const sh = s.sides.server.handshake.find((h) => h.type === 2)?.frame;
      const zeroRtt = s.sides.client.records.filter((r) => r.type === 23 && sh !== undefined && r.frame < sh);
      const c = a.connections.find((x) => x.client.port === s.client.port && x.server.port === s.server.port)!;
      const marked = c.events.filter((e) => e.detail?.startsWith('0-RTT early data')).map((e) => ({ from: e.from, firstFrame: e.firstFrame }));
      expect({ stream: s.stream, marked }).toEqual({ stream: s.stream, marked: zeroRtt.length > 0 ? [{ from: 'client', firstFrame: zeroRtt[0]!.frame }] : [] });
      early += zeroRtt.length;
    }
    expect(early).toBeGreaterThan(0);
  },
);
