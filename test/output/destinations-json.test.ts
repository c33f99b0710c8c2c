/**
 * `pool --format json` streamed (src/output/destinations-json.ts): each destination's
 * JSON goes to a temporary file as it is simulated and the document is written
 * in the report's order. The bytes must be JSON.stringify(simulatePool(...), null, 2)'s,
 * on real captures, on 300 copies of one (1,200 destinations, many with equal
 * totals, so the order falls to the key), and with no destination at all.
 */
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { analyzeFile } from '../../src/analyze.js';
import { compareAnalyses, simulatePool } from '../../src/report/index.js';
import { compareDigest } from '../../src/report/compare.js';
import { destinationDigest } from '../../src/report/digest.js';
import { DocumentWriter } from '../../src/output/json.js';
import { DestinationsJsonWriter } from '../../src/output/destinations-json.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import type { PoolOptions } from '../../src/report/types.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

function copies(conns: readonly ConnectionRecord[], times: number): ConnectionRecord[] {
  const out: ConnectionRecord[] = [];
  for (let k = 0; k < times; k++) {
    for (const c of conns) out.push({ ...c, id: c.id + k * 1000, server: { ...c.server, ip: `10.${k >> 8}.${k & 255}.1` }, tls: c.tls && { ...c.tls, sni: null } });
  }
  return out;
}

/** The document `fill` makes (it adds the destinations to the writer and returns the rest of the report), as text. */
async function written(fill: (w: DestinationsJsonWriter) => object): Promise<string> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const w = new DestinationsJsonWriter();
  try {
    await w.writeTo(new DocumentWriter(out), fill(w));
  } finally {
    w.close();
  }
  return Buffer.concat(chunks).toString('utf8');
}

function streamed(conns: readonly ConnectionRecord[], poolOptions: Partial<PoolOptions>): Promise<string> {
  return written((w) => destinationDigest(conns, { top: 0, poolOptions, onPool: (p, s) => w.add(p, s.setupMs.total) }).pool);
}

describe('pool JSON written one destination at a time', () => {
  test.each([
    ['demo-loopback-mix.pcapng', 1, {}],
    ['quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap', 1, { idleTimeoutSec: 5, rttMs: 30 }],
    ['quic/quic-tcp-tls-same-name.pcap', 1, {}],
    // QUIC only: no destination simulated, an empty list.
    ['quic/quic-resume-0rtt.pcap', 1, {}],
    ['demo-loopback-mix.pcapng', 300, {}],
  ] as const)('%s ×%d %j', async (file, times, poolOptions) => {
    const a = await analyzeFile(fx(file));
    const conns = times === 1 ? a.connections : copies(a.connections, times);
    const want = JSON.stringify(simulatePool(conns, poolOptions), null, 2) + '\n';
    const got = await streamed(conns, poolOptions);
    expect(got.length).toBe(want.length);
    expect(got).toBe(want);
    if (times > 1) {
      // Equal totals among the copies: the key decides, as in simulatePool.
      const totals = JSON.parse(got).destinations.map((d: { setupMsSaved: number }) => d.setupMsSaved);
      expect(new Set(totals).size).toBeLessThan(totals.length);
    }
  });
});

describe('compare JSON written one destination at a time', () => {
  test.each([
    ['pool-before-no-keepalive.pcap', 'pool-after-keepalive.pcap'],
    ['demo-loopback-mix.pcapng', 'quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap'],
    ['quic/quic-resume-0rtt.pcap', 'lo-tcp-refused.pcap'],
  ])('%s -> %s', async (b, a) => {
    const before = await analyzeFile(fx(b));
    const after = await analyzeFile(fx(a));
    const want = JSON.stringify(compareAnalyses(before, after), null, 2) + '\n';
    const got = await written((w) => {
      const { destinationCount: _n, ...doc } = compareDigest(before, after, { top: 0, onRow: (r, weight) => w.add(r, weight) });
      return doc;
    });
    expect(got).toBe(want);
  });
});
