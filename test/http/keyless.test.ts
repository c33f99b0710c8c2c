/**
 * The key-less estimate on TLS, against the exact count: the key-log fixtures
 * read WITHOUT their keys (test/keylog/walker.ts with an empty key log gives
 * each side's records with their outer content type and length, stamped with
 * the frame that completed them), fed to TlsRecordBursts → estimateRequests,
 * and compared with tshark's request count WITH the keys (test/golden-keylog).
 * Raw TCP payload bursts (handshake included) are shown to overcount, which is
 * why the TLS stage must feed records, not segments.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BurstBuilder, RequestEstimator, TlsRecordBursts } from '../../src/http/index.js';
import { parseServerHello } from '../../src/tls/hello.js';
import { walkCapture } from '../keylog/walker.js';
import { cleartextConnections, estimate, frameTimes } from './feed.js';

const FIX = path.resolve(process.cwd(), 'fixtures/keylog');
const GOLD = path.resolve(process.cwd(), 'test/golden-keylog');

interface Gold {
  capture: string;
  streams: { stream: number; sides: { client: { http: unknown[]; http2Headers: { stream: number }[] } } }[];
}
const golds = readdirSync(GOLD)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(GOLD, f), 'utf8')) as Gold);

async function keyless(file: string): Promise<Map<number, number>> {
  const { streams } = await walkCapture(file, '');
  const times = frameTimes(file);
  const out = new Map<number, number>();
  for (const s of streams) {
    const sh = s.sides.server.handshake.filter((m) => m.type === 2).map((m) => parseServerHello(m.body, undefined));
    const last = sh[sh.length - 1];
    const tls13 = last !== undefined && typeof last !== 'string' && last.version === 0x0304;
    const est = new RequestEstimator();
    const b = new BurstBuilder(est);
    const feed = new TlsRecordBursts(b, tls13);
    const recs = (['client', 'server'] as const).flatMap((side) => s.sides[side].records.map((r) => ({ side, r })));
    recs.sort((x, y) => x.r.frame - y.r.frame);
    for (const { side, r } of recs) feed.record(side, r.type, r.plaintext.length, times.get(r.frame)!);
    b.flush();
    out.set(s.stream, est.result().count);
  }
  return out;
}

describe.each(golds.map((g) => [g.capture, g] as const))('%s', (_n, gold) => {
  test('key-less estimate vs tshark with keys', async () => {
    const est = await keyless(path.join(FIX, gold.capture));
    for (const s of gold.streams) {
      const h1 = s.sides.client.http.length;
      const h2 = s.sides.client.http2Headers.length;
      const got = est.get(s.stream);
      if (h2 > 0) {
        // HTTP/2: the connection preface and SETTINGS exchange is one more burst pair,
        // and concurrent streams would share bursts: one more than the requests here.
        expect(got).toBe(h2 + 1);
      } else if (h1 > 0) {
        expect({ stream: s.stream, est: got }).toEqual({ stream: s.stream, est: h1 });
      }
    }
  });
});

test('raw TCP payload bursts (handshake included) overcount: more than one estimated request for one request per connection', async () => {
  // pool-before-no-keepalive: 10 curl runs, one HTTPS request each (fixtures/README.md).
  const conns = await cleartextConnections(path.resolve(process.cwd(), 'fixtures/pool-before-no-keepalive.pcap'));
  expect(conns).toHaveLength(10);
  for (const c of conns) expect(estimate(c).count).toBeGreaterThan(1);
});
