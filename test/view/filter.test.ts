/**
 * The connections filter (view/filter.ts) on the demo capture, against
 * tshark's view of the same file (test/golden/demo-loopback-mix.pcapng:
 * streams.json for ports, versions and SNI, metrics.json for setup times).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { filterConnections } from '../../src/view/model.js';
import { DESTINATION_SORTS, markSorted, POOL_SORTS, roomForMarker, sortRows } from '../../src/view/tablesort.js';
import { layoutColumns } from '../../src/view/format.js';
import { connectionColumns, destinationRows } from '../../src/view/model.js';
import { destinations, simulatePool } from '../../src/report/index.js';
import { scaledWaterfall } from '../../src/view/detail.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';

const NAME = 'demo-loopback-mix.pcapng';
const golden = (f: string) => JSON.parse(readFileSync(path.resolve('test/golden', NAME, f), 'utf8'));
const streams = golden('streams.json') as { stream: number; server: { port: number }; client: { port: number }; version: number | null; sni: string | null }[];
const metrics = golden('metrics.json').streams as { stream: number; setup: { ms: number | null } }[];

let conns: ConnectionRecord[];
beforeAll(async () => {
  conns = (await analyzeFile(path.resolve('fixtures', NAME))).connections;
});
const ids = (q: string) => filterConnections(conns, q).map((c) => c.id).sort((a, b) => a - b);
const want = (f: (s: (typeof streams)[number]) => boolean) => streams.filter(f).map((s) => s.stream).sort((a, b) => a - b);

describe('filter: what the table shows', () => {
  test('TLS 1.2 written as the table shows it (TLS1.2), as spoken (TLS 1.2) or as a field', () => {
    const tls12 = want((s) => s.version === 0x0303);
    expect(tls12.length).toBeGreaterThan(0);
    for (const q of ['tls1.2', 'TLS1.2', 'TLS 1.2', 'version:1.2', 'version:tls1.2', 'ver:TLS1.2']) expect(ids(q)).toEqual(tls12);
    expect(ids('version:1.3')).toEqual(want((s) => s.version === 0x0304));
  });

  test(':443 and port:443 match port 443 only, not 4431 or 4433', () => {
    const p443 = want((s) => s.server.port === 443 || s.client.port === 443);
    expect(ids(':443')).toEqual(p443);
    expect(ids('port:443')).toEqual(p443);
    expect(ids(':4431')).toEqual(want((s) => s.server.port === 4431));
    expect(ids(':44')).toEqual([]);
  });

  test('numeric comparisons against the tshark-derived setup times', () => {
    expect(ids('setup>100')).toEqual(metrics.filter((m) => m.setup.ms !== null && m.setup.ms > 100).map((m) => m.stream));
    expect(ids('setup<=6')).toEqual(metrics.filter((m) => m.setup.ms !== null && m.setup.ms <= 6).map((m) => m.stream));
    expect(ids('id<3')).toEqual([0, 1, 2]);
  });

  test('fields combine with AND; state and sni fields; marks', () => {
    expect(ids('sni:hl.test :4433')).toEqual(want((s) => s.sni === 'hl.test' && s.server.port === 4433));
    expect(ids('state:refused')).toEqual(conns.filter((c) => c.state === 'refused').map((c) => c.id));
    expect(ids('mark:S')).toEqual(conns.filter((c) => c.tcp!.synRetransmits > 0).map((c) => c.id));
    expect(ids('')).toHaveLength(streams.length);
  });
});

describe('sorting the destinations and pool tables; the header marker', () => {
  test('each sort orders largest first; the marker sits in the sorted column, within its width', () => {
    const pool = simulatePool(conns);
    const rows = destinationRows(destinations(conns), pool.destinations);
    for (const s of DESTINATION_SORTS) {
      const v = sortRows(rows, s).map(s.value).filter((x): x is number => x !== null);
      for (let i = 1; i < v.length; i++) expect(v[i - 1]).toBeGreaterThanOrEqual(v[i]);
    }
    for (const s of POOL_SORTS) {
      const v = sortRows(pool.destinations, s).map(s.value).filter((x): x is number => x !== null);
      for (let i = 1; i < v.length; i++) expect(v[i - 1]).toBeGreaterThanOrEqual(v[i]);
    }
    const cols = markSorted(layoutColumns(roomForMarker(connectionColumns(20), 'setup'), 80), 'setup');
    const setup = cols.find((c) => c.key === 'setup')!;
    expect(setup.title).toBe('▼setup');
    expect(setup.title.length).toBeLessThanOrEqual(setup.width);
  });
});

describe('waterfall scale', () => {
  test('a 3 s SYN retry next to a 4 ms TLS handshake: log scale, every phase several cells', () => {
    const c = conns.find((x) => x.tcp!.synRetransmits > 0)!;
    const { phases, log } = scaledWaterfall(c, 50);
    expect(log).toBe(true);
    const tls = phases.find((p) => p.name === 'TLS handshake')!;
    expect(tls.barLength).toBeGreaterThan(3);
    expect(phases.map((p) => p.name)).toContain('client think time');
    for (const p of phases) expect(p.barOffset + p.barLength).toBeLessThanOrEqual(50);
  });

  test('phases of similar length: linear', () => {
    const c = conns.find((x) => x.id === 0)!;
    const durations = scaledWaterfall(c, 50).phases.map((p) => p.durationMs).filter((d) => d > 0);
    const ratio = Math.max(...durations) / Math.min(...durations);
    expect(scaledWaterfall(c, 50).log).toBe(ratio > 20);
  });
});
