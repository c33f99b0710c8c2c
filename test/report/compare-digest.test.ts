/**
 * compareDigest (src/report/compare.ts): the comparison computed one destination
 * at a time, keeping its top, equals the whole comparison (compareAnalyses(), the
 * digest keeping every destination, whose figures test/report/compare.test.ts
 * checks against hand-computed values) cut to the top, with the count, totals and
 * warnings over every destination; and `onRow` sees every row.
 * Pairs of real captures: destinations on both sides, on one side only, QUIC
 * beside TCP; and 200 copies against 150 (600 destinations on one side only).
 */
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/analyze.js';
import { compareAnalyses } from '../../src/report/index.js';
import { compareDigest } from '../../src/report/compare.js';
import type { Analysis, ComparisonRow } from '../../src/report/types.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** `times` copies of the connections, each copy to addresses of its own without SNI. */
function copies(a: Analysis, times: number): Analysis {
  const out: ConnectionRecord[] = [];
  for (let k = 0; k < times; k++) {
    for (const c of a.connections) out.push({ ...c, id: c.id + k * 1000, server: { ...c.server, ip: `10.${k >> 8}.${k & 255}.${c.server.port & 255}` }, tls: c.tls && { ...c.tls, sni: null } });
  }
  return { ...a, connections: out };
}

describe('compare digest against compareAnalyses', () => {
  test.each([
    ['pool-before-no-keepalive.pcap', 'pool-after-keepalive.pcap', 1, 1],
    ['demo-loopback-mix.pcapng', 'lo-tls12-resume-ticket.pcap', 1, 1],
    ['quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap', 'quic/quic-tcp-tls-same-name.pcap', 1, 1],
    ['demo-loopback-mix.pcapng', 'demo-loopback-mix.pcapng', 200, 150],
  ] as const)('%s -> %s (×%d, ×%d)', async (b, a, tb, ta) => {
    const before = tb === 1 ? await analyzeFile(fx(b)) : copies(await analyzeFile(fx(b)), tb);
    const after = ta === 1 ? await analyzeFile(fx(a)) : copies(await analyzeFile(fx(a)), ta);
    const whole = compareAnalyses(before, after);
    expect(whole.destinations.length).toBeGreaterThan(0);
    for (const top of [0, 1, 3, 50, Infinity]) {
      const seen: { r: ComparisonRow; weight: number }[] = [];
      const d = compareDigest(before, after, { top, onRow: (r, weight) => seen.push({ r, weight }) });
      expect(d.destinationCount).toBe(whole.destinations.length);
      const { destinationCount: _n, ...c } = d;
      expect(c).toStrictEqual({ ...whole, destinations: whole.destinations.slice(0, top) });
      // Every row once, with the weight the order is by: the larger setup total of the two sides.
      expect(seen.map((x) => x.r.key).sort()).toEqual(whole.destinations.map((r) => r.key).sort());
      for (const x of seen) expect(x.weight).toBe(Math.max(x.r.setupTotalMs.before ?? 0, x.r.setupTotalMs.after ?? 0));
    }
  });
});
