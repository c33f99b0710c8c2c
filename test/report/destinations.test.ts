/**
 * Per-destination aggregates (src/report/destinations.ts, DestinationTable):
 * on real captures whose connections to many destinations arrive interleaved,
 * every figure equals a plain reference computed here (group by key, sum,
 * count the open intervals at each instant by brute force), also when the
 * table's rows went to its temporary file and were merged back; and what the
 * table holds in memory does not grow with the connections.
 */
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { analyzeFile } from '../../src/analyze.js';
import { DestinationTable, RowStore, destinationKey, destinations, peakConcurrency, type ConnRow } from '../../src/report/index.js';
import { ipv4Number } from '../../src/report/destinations.js';
import { mulberry32 } from '../helpers/rng.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import type { DestinationStats } from '../../src/report/types.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** Open intervals at instant t, half-open [start, end), a zero-length one open at its instant. */
function openAt(cs: readonly ConnectionRecord[], t: number): number {
  return cs.filter((c) => (c.end > c.start ? c.start <= t && t < c.end : c.start === t)).length;
}

/** Idle gaps: between the end of everything open so far and the next start, by start, then id. */
function idleGaps(cs: readonly ConnectionRecord[]): number[] {
  const byStart = [...cs].sort((x, y) => x.start - y.start || x.id - y.id);
  const gaps: number[] = [];
  let maxEnd = -Infinity;
  for (const c of byStart) {
    if (maxEnd !== -Infinity && c.start >= maxEnd) gaps.push(c.start - maxEnd);
    maxEnd = Math.max(maxEnd, c.end);
  }
  return gaps;
}

describe('destinations against a plain reference', () => {
  test.each([
    // 13 destinations, connections interleaved (20 switches), 13 idle closes, 2 QUIC connections.
    'quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap',
    'demo-loopback-mix.pcapng',
    // Resumed TLS and QUIC connections to the same names (resumed and 0-RTT counts per transport).
    'quic/quic-tcp-tls-same-name.pcap',
    'lo-tls12-resume-ticket.pcap',
    // A resumed connection with 0-RTT over QUIC, and one with TLS early data over TCP.
    'quic/quic-resume-0rtt.pcap',
    'keylog/lo-tls13-early-data-keylog.pcap',
    // 1,000 copies, each to addresses of its own without SNI: 5,000+ destinations, more than a
    // chunk of the table's sums (4,096), and rows merged from many runs.
    'demo-loopback-mix.pcapng ×1000',
  ])('%s', async (name) => {
    const [file, times] = name.split(' ×');
    const a = await analyzeFile(fx(file!));
    const ipIndex = new Map<string, number>();
    const copy = (c: ConnectionRecord, k: number): ConnectionRecord => {
      if (!ipIndex.has(c.server.ip)) ipIndex.set(c.server.ip, ipIndex.size);
      const ip = `10.${k >> 8}.${k & 255}.${ipIndex.get(c.server.ip)!}`;
      return { ...c, id: c.id + k * 1000, server: { ...c.server, ip }, tls: c.tls && { ...c.tls, sni: null } };
    };
    const conns = times === undefined ? a.connections : Array.from({ length: Number(times) }, (_, k) => a.connections.map((c) => copy(c, k))).flat();
    const groups = new Map<string, ConnectionRecord[]>();
    for (const c of conns) {
      const k = c.tls?.sni ? `${c.tls.sni}:${c.server.port}` : `${c.server.ip.includes(':') ? `[${c.server.ip}]` : c.server.ip}:${c.server.port}`;
      expect(destinationKey(c)).toBe(k);
      const g = groups.get(k);
      if (g) g.push(c);
      else groups.set(k, [c]);
    }
    const ours = destinations(conns);
    expect(ours.map((d) => d.key).sort()).toEqual([...groups.keys()].sort());
    // The same figures when the table's rows went to its temporary file one per run (1,000 for
    // the copies) and were merged back.
    const spilled = new DestinationTable(undefined, { runRows: times === undefined ? 1 : 1000 });
    for (const c of conns) spilled.add(c);
    expect(spilled.spilledRuns).toBeGreaterThan(0);
    expect(spilled.result()).toStrictEqual(ours);
    // Sorted by total setup ms, largest first, then by key.
    for (let i = 1; i < ours.length; i++) {
      const [p, q] = [ours[i - 1]!, ours[i]!];
      expect(p.setupMs.total > q.setupMs.total || (p.setupMs.total === q.setupMs.total && p.key < q.key)).toBe(true);
    }
    // For the copies, every 97th destination and the last five: some in each chunk of sums.
    for (const d of times === undefined ? ours : ours.filter((_, i) => i % 97 === 0 || i >= ours.length - 5)) {
      const g = groups.get(d.key)!;
      const known = g.filter((c) => c.setup.ms !== null);
      expect(d.connections).toBe(g.length);
      expect(d.connectionIds).toEqual(g.filter((c) => c.transport === 'tcp').map((c) => c.id));
      expect(d.quicConnectionIds).toEqual(g.filter((c) => c.transport === 'quic').map((c) => c.id));
      expect(d.ip).toBe(g[0]!.server.ip);
      expect(d.port).toBe(g[0]!.server.port);
      expect(d.sni).toBe(g.find((c) => c.tls?.sni)?.tls?.sni ?? null);
      expect(d.setupMs.count).toBe(known.length);
      expect(d.setupMs.total).toBeCloseTo(known.reduce((s, c) => s + c.setup.ms!, 0), 9);
      expect(d.setupRoundTrips).toBe(known.reduce((s, c) => s + (c.setup.roundTrips ?? 0), 0));
      expect(d.handshakeBytes).toBe(known.reduce((s, c) => s + c.setup.bytes, 0));
      expect(d.peakConcurrency).toBe(Math.max(...g.map((c) => openAt(g, c.start))));
      expect(d.certificateBytes).toBe(known.reduce((s, c) => s + (c.setup.certificateBytes ?? 0), 0));
      const hello = g.filter((c) => c.tls !== null && c.tls.version !== null);
      expect(d.resumptionRate).toBe(hello.length > 0 ? hello.filter((c) => c.tls!.resumed).length / hello.length : null);
      const life = known.reduce((s, c) => s + c.lifetimeMs, 0);
      expect(d.setupShare).toBe(life > 0 ? Math.min(1, known.reduce((s, c) => s + c.setup.ms!, 0) / life) : null);
      const gaps = idleGaps(g);
      expect(d.idleGapsSec.count).toBe(gaps.length);
      expect(d.idleGapsSec.total).toBeCloseTo(gaps.reduce((s, x) => s + x, 0), 9);
      expect(d.observedIdleTimeouts).toEqual(
        g
          .filter((c) => c.teardown.initiator !== null && c.teardown.idleBeforeSec !== null && c.teardown.idleBeforeSec >= 1)
          .map((c) => ({ by: c.teardown.initiator, seconds: c.teardown.idleBeforeSec, connectionId: c.id })),
      );
      for (const t of ['tcp', 'quic'] as const) {
        const tg = g.filter((c) => c.transport === t);
        const ts = d.setupByTransport[t];
        if (tg.length === 0) expect(ts).toBeNull();
        else {
          const tk = tg.filter((c) => c.setup.ms !== null);
          expect(ts!.connections).toBe(tg.length);
          expect(ts!.setupMs.count).toBe(tk.length);
          expect(ts!.setupMs.total).toBeCloseTo(tk.reduce((s, c) => s + c.setup.ms!, 0), 9);
          expect(ts!.setupRoundTrips).toBe(tk.reduce((s, c) => s + (c.setup.roundTrips ?? 0), 0));
          expect(ts!.handshakeBytes).toBe(tk.reduce((s, c) => s + c.setup.bytes, 0));
          expect(ts!.resumed).toBe(tg.filter((c) => c.tls?.resumed).length);
          expect(ts!.zeroRtt).toBe(tg.filter((c) => (c.quic ? c.quic.zeroRtt : c.tls?.earlyData)).length);
        }
      }
    }
    // The interleaving is real: arrivals switch destination more often than there are destinations.
    if (times !== undefined) expect(ours.length).toBeGreaterThan(4096);
    if (name.includes('mercury')) {
      let switches = 0;
      for (let i = 1; i < a.connections.length; i++) if (destinationKey(a.connections[i]!) !== destinationKey(a.connections[i - 1]!)) switches++;
      expect(switches).toBeGreaterThan(ours.length);
      expect(ours.reduce((s, d) => s + d.observedIdleTimeouts.length, 0)).toBeGreaterThan(0);
      expect(ours.reduce((s, d) => s + d.quicConnectionIds.length, 0)).toBeGreaterThan(0);
    }
  });
});

describe('peak concurrency', () => {
  // Half-open intervals [start, end); a zero-length one is open at its instant only.
  test.each([
    [[{ start: 0, end: 0 }, { start: 1, end: 2 }], 1],
    [[{ start: 0, end: 0 }, { start: 0, end: 0 }, { start: 0, end: 0 }, { start: 5, end: 6 }], 3],
    [[{ start: 0, end: 10 }, { start: 2, end: 2 }, { start: 3, end: 3 }, { start: 4, end: 5 }], 2],
    [[{ start: 3, end: 4 }, { start: 0, end: 1 }, { start: 1, end: 2 }, { start: 0.5, end: 3.5 }], 2],
    [[{ start: 0, end: 1 }, { start: 0, end: 2 }, { start: 0, end: 3 }, { start: 1, end: 4 }], 3],
  ])('%j -> %i', (intervals, peak) => {
    expect(peakConcurrency(intervals)).toBe(peak);
    // The same through the table (SYN-only connections with these times, one destination).
    expect(Math.max(...intervals.map((x) => intervals.filter((y) => (y.end > y.start ? y.start <= x.start && x.start < y.end : y.start === x.start)).length))).toBe(peak);
  });
});

describe('passes', () => {
  test('a second pass, told which destinations to compute, gives those the figures of the first (rows in memory and merged from the file)', async () => {
    const a = await analyzeFile(fx('quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap'));
    for (const runRows of [65_536, 3]) {
      const t = new DestinationTable(undefined, { runRows });
      a.connections.forEach((c, i) => t.add(c, i));
      const first: { d: DestinationStats; refs: number[]; index: number }[] = [];
      t.eachDestination(Infinity, (d, _p, refs, index) => first.push({ d, refs: [...refs], index }), { again: true });
      expect(first.map((x) => x.index)).toEqual(first.map((_, i) => i));
      expect(first.length).toBeGreaterThan(4);
      const only = new Set([1, 3, first.length - 1]);
      const second: typeof first = [];
      t.eachDestination(Infinity, (d, _p, refs, index) => second.push({ d, refs: [...refs], index }), { only: (i) => only.has(i) });
      expect(second).toStrictEqual(first.filter((x) => only.has(x.index)));
    }
  });
});

describe('rows found by endpoint', () => {
  // A row without an SNI finds its destination by its server endpoint in the row store, the
  // others by key: the destinations are those of the records, also when an SNI is the text of
  // another connection's server address ('10.9.0.1', '[fd00::1]'), in any order of arrival.
  test('the same destinations as the records, SNIs equal to addresses included', async () => {
    const a = await analyzeFile(fx('demo-loopback-mix.pcapng'));
    const tls = a.connections.find((c) => c.tls?.sni)!;
    const v4 = '10.9.0.1';
    const v6 = 'fd00::1';
    const variants: ConnectionRecord[] = [];
    for (const [k, c] of a.connections.entries()) {
      const server = { ...c.server, ip: k % 2 ? v4 : v6 };
      variants.push({ ...c, id: 1000 + k, server, tls: c.tls && { ...c.tls, sni: null } });
    }
    // An SNI equal to each address (bracketed for IPv6, as its key writes it), on another server.
    variants.push({ ...tls, id: 2000, server: { ...tls.server, ip: '10.7.7.7', port: variants[1]!.server.port }, tls: { ...tls.tls!, sni: v4 } });
    variants.push({ ...tls, id: 2001, server: { ...tls.server, ip: '10.7.7.8', port: variants[0]!.server.port }, tls: { ...tls.tls!, sni: `[${v6}]` } });
    // Texts that are not the keys of those addresses: destinations of their own.
    variants.push({ ...tls, id: 2003, server: { ...tls.server, ip: '10.7.7.10', port: variants[1]!.server.port }, tls: { ...tls.tls!, sni: `[${v4}]` } });
    variants.push({ ...tls, id: 2004, server: { ...tls.server, ip: '10.7.7.11', port: variants[0]!.server.port }, tls: { ...tls.tls!, sni: v6 } });
    variants.push({ ...tls, id: 2002, server: { ...tls.server, ip: '10.7.7.9', port: 1 }, tls: { ...tls.tls!, sni: v4 } });
    const all = [...a.connections, ...variants];
    const rng = mulberry32(7);
    for (const order of [all, [...all].reverse(), [...all].sort(() => rng() - 0.5)]) {
      const store = new RowStore();
      for (const c of order) store.add(c);
      // Fed in `order`, not the views' (by id).
      const view = new Map(store.views().map((r) => [`${r.transport}${r.id}`, r]));
      const fromRecords = new DestinationTable();
      const fromRows = new DestinationTable();
      for (const c of order) {
        fromRecords.add(c);
        fromRows.add(view.get(`${c.transport}${c.id}`)!);
      }
      const want = fromRecords.result();
      expect(want.find((d) => d.key === `${v4}:${variants[1]!.server.port}`)!.connections).toBeGreaterThan(1);
      expect(want.find((d) => d.key === `[${v6}]:${variants[0]!.server.port}`)!.connections).toBeGreaterThan(1);
      expect(fromRows.result()).toStrictEqual(want);
    }
  });
});

describe('keys that are an IPv4 address and a port', () => {
  test('ipv4Number reads canonical dotted addresses only', () => {
    expect(ipv4Number('10.9.0.1')).toBe(((10 * 256 + 9) * 256 + 0) * 256 + 1);
    expect(ipv4Number('0.0.0.0')).toBe(0);
    expect(ipv4Number('255.255.255.255')).toBe(2 ** 32 - 1);
    for (const bad of ['010.9.0.1', '10.9.0', '10.9.0.1.', '.10.9.0.1', '10..0.1', '256.0.0.1', '10.9.0.1000', 'a.b.c.d', 'fd00::1', '', '1.2.3.4:5', '10.9.0.01']) {
      expect(ipv4Number(bad)).toBe(-1);
    }
  });

  test('records and the rows of two stores, mixed in one table in any order: the destinations of a plain grouping by key', async () => {
    const a = await analyzeFile(fx('demo-loopback-mix.pcapng'));
    const tls = a.connections.find((c) => c.tls?.sni)!;
    const plainTcp = a.connections.find((c) => !c.tls)!;
    const conns: ConnectionRecord[] = [];
    let id = 5000;
    const add = (ip: string, port: number, sni: string | null): void => {
      const base = sni ? tls : plainTcp;
      conns.push({ ...base, id: id++, server: { ip, port }, tls: base.tls && { ...base.tls, sni } });
    };
    // Addresses alone, then SNIs that are the same text (same key), SNIs that are not
    // ('010.9.0.1', another port), and IPv6 beside them; more than 1,024 addresses (the
    // index grows).
    for (let k = 0; k < 1500; k++) add(`10.${k >> 8}.${k & 255}.1`, 443, null);
    for (let k = 0; k < 1500; k += 7) add(`10.${k >> 8}.${k & 255}.1`, 443, null);
    add('10.7.7.7', 443, '10.0.5.1');
    add('10.7.7.7', 443, '10.0.6.1');
    add('10.7.7.7', 443, '010.0.5.1');
    add('10.7.7.7', 80, '10.0.5.1');
    add('10.7.7.7', 443, '10.200.0.1');
    add('10.200.0.1', 443, null);
    add('fd00::1', 443, null);
    add('10.7.7.7', 443, '[fd00::1]');
    add('10.7.7.7', 443, 'fd00::1');
    const plain = new Map<string, number>();
    for (const c of conns) plain.set(destinationKey(c), (plain.get(destinationKey(c)) ?? 0) + 1);
    const want = [...plain].sort(([x], [y]) => (x < y ? -1 : 1));
    const rng = mulberry32(11);
    for (let trial = 0; trial < 4; trial++) {
      const order = trial === 0 ? conns : trial === 1 ? [...conns].reverse() : [...conns].sort(() => rng() - 0.5);
      // Two row stores of the same connections: the table finds rows of the first by endpoint,
      // and those of the other store by key, as records.
      // (filled in opposite orders: an endpoint's index in one is another's in the other).
      const viewsOf = (fill: readonly ConnectionRecord[]): Map<number, ConnRow> => {
        const store = new RowStore();
        const at = fill.map((c) => store.add(c));
        const byIndex = new Map(store.views().map((v) => [v.index, v]));
        return new Map<number, ConnRow>(fill.map((c, k) => [c.id, byIndex.get(at[k]!)!]));
      };
      const [views, others] = [viewsOf(order), viewsOf([...order].reverse())];
      const t = new DestinationTable();
      // A third of the connections as rows of each store, the rest as records.
      order.forEach((c, k) => t.add(k % 3 === 1 ? views.get(c.id)! : k % 3 === 2 ? others.get(c.id)! : c));
      const got = t.result().map((d) => [d.key, d.connections] as [string, number]);
      expect(got.sort(([x], [y]) => (x < y ? -1 : 1))).toEqual(want);
    }
  });
});

describe('ids', () => {
  test('any uint32 id comes back as it went in (a saved analysis may hold ids past 2^31)', async () => {
    const syn = (await analyzeFile(fx('lo-tcp-syn-unanswered.pcap'))).connections[0]!;
    const t = new DestinationTable();
    for (const id of [0, 2 ** 31, 2 ** 32 - 1]) t.add({ ...syn, id });
    expect(t.result()[0]!.connectionIds).toEqual([0, 2 ** 31, 2 ** 32 - 1]);
  });
});

describe('memory', () => {
  test('a SYN flood to one destination: what the table holds does not grow with the connections (rows past a run go to its temporary file)', async () => {
    const syn = (await analyzeFile(fx('lo-tcp-syn-unanswered.pcap'))).connections[0]!;
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // One table, measured at 65,536 connections and again at 262,144, each after a full
    // collection: what it holds then is the same (the rows past a run are in its file). A
    // baseline taken before the table moved with what earlier tests left to collect.
    const t = new DestinationTable(undefined, { runRows: 16_384 });
    const fill = (from: number, to: number): void => {
      for (let i = from; i < to; i++) t.add({ ...syn, id: i, start: syn.start + i * 1e-5, end: syn.end + i * 1e-5 });
    };
    const held = (): number => {
      gc();
      return process.memoryUsage().heapUsed + t.columnBytes;
    };
    fill(0, 65_536);
    const small = held();
    fill(65_536, 4 * 65_536);
    const big = held();
    process.stdout.write(`destination table: ${big - small} bytes more held at 262,144 connections than at 65,536; typed arrays ${t.columnBytes}\n`);
    // The runs' rows (85 bytes each, three kinds of 16,384) in memory: ~1.4 MB, at any count.
    // In columns it was 33 bytes per connection: 6.5 MB more here.
    expect(t.columnBytes).toBeLessThan(2 << 20);
    expect(big - small).toBeLessThan(1 << 20); // heap noise after a full collection: up to ~0.2 MB either way
    expect(t.spilledRuns).toBeGreaterThan(0);
    const [d] = t.result();
    expect(d!.connections).toBe(4 * 65_536);
    expect(d!.connectionIds).toHaveLength(4 * 65_536);
    expect(d!.connectionIds[4 * 65_536 - 1]).toBe(4 * 65_536 - 1);
  });
});

describe('idle gaps and peak, whatever order the connections finish in', () => {
  // [start, end] per id. Ties at one start decide by id (a zero-length connection first
  // leaves a gap of 0 for the next, a longer one does not), so the order matters.
  const spans: [number, number][] = [[0, 0], [0, 2], [2, 2], [2, 2], [2, 3], [5, 5], [5, 7], [7, 7], [7, 8], [9, 9.5], [9, 9]];
  test.each([
    ['in order', spans.map((_, i) => i)],
    ['reversed', spans.map((_, i) => spans.length - 1 - i)],
    ['shuffled', [4, 0, 10, 2, 7, 1, 9, 3, 6, 8, 5]],
  ])('%s: the same figures as a plain reference, the ids in arrival order', async (_how, order) => {
    const syn = (await analyzeFile(fx('lo-tcp-syn-unanswered.pcap'))).connections[0]!;
    const cs = order.map((id) => ({ ...syn, id, start: 100 + spans[id]![0], end: 100 + spans[id]![1] }));
    const t = new DestinationTable();
    for (const c of cs) t.add(c);
    const [d] = t.result();
    const gaps = idleGaps(cs);
    expect(gaps.filter((g) => g === 0).length).toBeGreaterThan(0); // the ties are exercised
    expect(d!.idleGapsSec.count).toBe(gaps.length);
    expect(d!.idleGapsSec.total).toBeCloseTo(gaps.reduce((s, x) => s + x, 0), 9);
    expect(d!.peakConcurrency).toBe(Math.max(...cs.map((c) => openAt(cs, c.start))));
    expect(d!.connectionIds).toEqual(order);
    // Rows merged back from runs of 2, the ids handed out in pieces of 4.
    const spilled = new DestinationTable(undefined, { runRows: 2 });
    for (const c of cs) spilled.add(c);
    const seen: DestinationStats[] = [];
    spilled.eachDestination(3, (ds, pieces) => {
      seen.push(ds);
      expect(ds.connectionIds).toEqual([]);
      expect([...(pieces('connectionIds', 4) ?? [])]).toEqual([order.slice(0, 4), order.slice(4, 8), order.slice(8)]);
      expect(pieces('quicConnectionIds', 4)).toBeNull();
      expect({ ...ds, connectionIds: order }).toStrictEqual(d);
    });
    expect(seen).toHaveLength(1);
  });
});
