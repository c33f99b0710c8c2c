/**
 * Compact rows (src/report/rows.ts): every aggregate computed from rows equals
 * the one computed from whole records, on real captures (findings, pool,
 * QUIC, late retry findings); the text report with rows and a bounded top N
 * prints the same bytes; and a row stays within ROW_BYTES_MAX of heap.
 */
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { analyzeFile } from '../../src/analyze.js';
import {
  compareAnalyses,
  destinations,
  findingGroups,
  handshakeFailures,
  normalResets,
  poolingFindings,
  simulatePool,
  summarize,
  RowStore,
  ROW_BYTES_MAX,
  type ConnRow,
} from '../../src/report/index.js';
import { quicReuse } from '../../src/report/quic-pool.js';
import { formatTextReport } from '../../src/output/text.js';
import { connectionColumns, connectionOrder, connectionSearchText, filterConnections, sortConnections } from '../../src/view/model.js';
import { filterText } from '../../src/view/filter.js';
import { connectionMarks, isFailed, rowEmphasis } from '../../src/view/marks.js';
import { findingsCell, rowSeverity } from '../../src/view/findings.js';
import { SORT_KEYS, sortValue } from '../../src/view/values.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const CAPTURES = [
  'demo-loopback-mix.pcapng',
  'pool-waves-2x3-parallel.pcap',
  'pool-rate-200req-keepalive.pcap',
  'pool-sequential-5conns-1s.pcap',
  'zeek-tls12-handshake-failure-alert.pcap',
  'lo-tcp-syn-retransmit-then-tls13.pcap',
  'quic/quic-tcp-tls-same-name.pcap',
  'quic/quic-handshake-failed-twice.pcap',
  'quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap',
  ...readdirSync(fx('findings')).filter((n) => n.endsWith('.pcap')).map((n) => `findings/${n}`),
];

function aggregates(conns: readonly ConnRow[]): unknown {
  return {
    summary: summarize(conns),
    destinations: destinations(conns),
    groups: findingGroups(conns),
    failures: handshakeFailures(conns),
    normalResets: normalResets(conns),
    pooling: poolingFindings(conns),
    pool: simulatePool(conns),
    quic: quicReuse(conns),
  };
}

const order = connectionOrder('setup');
const topOrder = (a: ConnectionRecord, b: ConnectionRecord): number =>
  order(a, b) || (a.transport === b.transport ? 0 : a.transport === 'tcp' ? -1 : 1);

describe('rows give the aggregates of whole records', () => {
  test.each(CAPTURES)('%s', async (name) => {
    const whole = await analyzeFile(fx(name));
    const rows = await analyzeFile(fx(name), { rows: true, keepTop: { n: 2, compare: topOrder } });
    expect(rows.rows).toHaveLength(whole.connections.length);
    expect(rows.rows!.map((r) => `${r.transport}${r.id}`)).toEqual(whole.connections.map((r) => `${r.transport}${r.id}`));
    // Whole records kept: the top 2 only, the very records (late findings included).
    expect(rows.connections.length).toBe(Math.min(2, whole.connections.length));
    for (const c of rows.connections) expect(c).toEqual(whole.connections.find((w) => w.transport === c.transport && w.id === c.id));
    expect(aggregates(rows.rows!)).toEqual(aggregates(whole.connections));
    expect(compareAnalyses(rows, rows)).toEqual(compareAnalyses(whole, whole));
    // The text report: the same bytes from rows and a bounded top N as from every record.
    expect(formatTextReport(rows, { top: 2 })).toBe(formatTextReport(whole, { top: 2 }));
  });

  test('late retry findings reach the rows (a connection finalized after its retry)', async () => {
    const name = fx('findings/g-retry-after-connect-timeout.pcap');
    const whole = await analyzeFile(name);
    const rows = await analyzeFile(name, { rows: true });
    const retries = (cs: readonly ConnRow[]) => cs.flatMap((c) => c.findings.filter((f) => f.code.startsWith('retry')).map((f) => `${c.id}:${f.code}:${f.frame}`));
    expect(retries(whole.connections).length).toBeGreaterThan(0);
    expect(retries(rows.rows!)).toEqual(retries(whole.connections));
  });
});

/**
 * The terminal UI lists compact rows (every connection, issue 14) and reads a record back only
 * for the detail view: every cell, mark, colour, sort value and filter of the connections table
 * must read the same from a row as from the record it was made from.
 */
describe('the connections table reads the same from a row as from its record', () => {
  const TABLE_CAPTURES = [
    ...CAPTURES,
    'lo-tls12-client-cert.pcap', // mutual TLS: the client's Certificate
    'lo-tls13-client-cert.pcap', // TLS 1.3: CertificateRequest (encrypted: seen with the key log only) and the client's Certificate
    'zeek-tls12-client-certificate.pcap',
    'lo-tls-alert-version-mismatch.pcap',
    'lo-tls12-resume-ticket.pcap',
    'arkime-tls10-sessionid-resumption.pcap',
    'quic/quic-retry.pcap',
  ];
  const QUERIES = ['', 'tls1.2', 'version:1.3', 'sni:example', 'alpn:h2', 'mark:R', 'mark:M', 'mark:!', 'state:reset', 'setup>1', 'share>=10',
    'rtt>1', ':443', 'port:443', 'resumed', 'quic', 'finding:', 'finding:handshake', 'midstream', 'ip:127', 'alpn:http', 'http/1.1'];

  test.each(TABLE_CAPTURES)('%s', async (name) => {
    const whole = await analyzeFile(fx(name));
    const rows = (await analyzeFile(fx(name), { rows: true })).rows!;
    expect(rows).toHaveLength(whole.connections.length);
    const cols = connectionColumns(999, whole.connections);
    expect(connectionColumns(999, rows).map((c) => c.min)).toEqual(cols.map((c) => c.min));
    const p90 = summarize(whole.connections).setupMs.p90;
    whole.connections.forEach((rec, i) => {
      const row = rows[i]!;
      const read = (c: ConnRow) => ({
        cells: cols.map((col) => col.cell(c)),
        filter: filterText(c),
        search: connectionSearchText(c),
        marks: connectionMarks(c),
        emphasis: rowEmphasis(c, p90),
        severity: rowSeverity(c),
        findings: findingsCell(c),
        sort: SORT_KEYS.map((k) => sortValue(c, k)),
      });
      expect(read(row)).toEqual(read(rec));
    });
    for (const k of SORT_KEYS) {
      const ids = (cs: readonly ConnRow[]) => cs.map((c) => `${c.transport}${c.id}`);
      // The table's sort (values read once) against the comparator the text report keeps its top N by.
      expect(ids(sortConnections(rows, k))).toEqual(ids([...whole.connections].sort(connectionOrder(k))));
      expect(ids(sortConnections(whole.connections, k))).toEqual(ids([...whole.connections].sort(connectionOrder(k))));
    }
    for (const q of QUERIES) {
      expect(filterConnections(rows, q).map((c) => `${c.transport}${c.id}`)).toEqual(filterConnections(whole.connections, q).map((c) => `${c.transport}${c.id}`));
    }
  });

  test('setupShare: from setup.ms and lifetimeMs as the timeline computes it; a record that says otherwise keeps its own', () => {
    const store = new RowStore();
    const recs = [
      { ...syn0!, id: 0, setup: { ...syn0!.setup, ms: 5 }, lifetimeMs: 20, setupShare: 0.25 },
      { ...syn0!, id: 1, setup: { ...syn0!.setup, ms: 30 }, lifetimeMs: 20, setupShare: 1 }, // capped at 1
      { ...syn0!, id: 2, setup: { ...syn0!.setup, ms: null }, lifetimeMs: 20, setupShare: null },
      { ...syn0!, id: 3, setup: { ...syn0!.setup, ms: 5 }, lifetimeMs: 0, setupShare: null },
      { ...syn0!, id: 4, setup: { ...syn0!.setup, ms: 5 }, lifetimeMs: 20, setupShare: 0.5 }, // not the rule: kept
      { ...syn0!, id: 5, setup: { ...syn0!.setup, ms: 5 }, lifetimeMs: 20, setupShare: null }, // not the rule: kept
      { ...syn0!, id: 6, tcp: { ...syn0!.tcp!, synRetransmits: 300 } },
    ] as ConnectionRecord[];
    for (const r of recs) store.add(r);
    const views = store.views();
    expect(views.map((v) => v.setupShare)).toEqual(recs.map((r) => r.setupShare));
    expect(store.setupShares.size).toBe(2);
    expect(views[6]!.tcp!.synRetransmits).toBe(255); // capped: the table asks only whether there were any
    expect(connectionMarks(views[6]!)).toBe(connectionMarks(recs[6]!));
  });

  test('the row keeps the first alert and the first fatal one after a warning (the failed mark reads the level)', () => {
    const store = new RowStore();
    const base = { ...syn0!, tls: null };
    const tls = (alerts: { name: string; level?: number }[]) => ({
      sni: null, version: 'TLS 1.2', alpn: null, resumed: false, earlyData: false, decrypted: false, handshakeMs: null, certificateBytes: null,
      alerts,
    });
    const recs = [
      { ...base, id: 0, tls: tls([{ name: 'close_notify', level: 1 }, { name: 'bad_record_mac', level: 2 }, { name: 'decode_error', level: 2 }]) },
      { ...base, id: 1, tls: tls([{ name: 'handshake_failure', level: 2 }, { name: 'close_notify', level: 1 }]) },
      { ...base, id: 2, tls: tls([{ name: 'encrypted' }]) },
      { ...base, id: 3, tls: tls([]) },
    ] as unknown as ConnectionRecord[];
    for (const r of recs) store.add(r);
    const views = store.views();
    expect(views.map((v) => v.tls!.alerts)).toEqual([
      [{ name: 'close_notify', level: 1 }, { name: 'bad_record_mac', level: 2 }],
      [{ name: 'handshake_failure', level: 2 }],
      [{ name: 'encrypted' }],
      [],
    ]);
    expect(views.map((v) => isFailed(v))).toEqual(recs.map((r) => isFailed(r)));
  });
});

let syn0: ConnectionRecord | undefined;
beforeAll(async () => {
  syn0 = (await analyzeFile(fx('lo-tcp-syn-unanswered.pcap'))).connections[0];
});

describe('findTcp', () => {

  test('finds a TCP row by id in any arrival order, never a QUIC row of the same id; -1 for ids with no row', async () => {
    const a = await analyzeFile(fx('quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap'));
    const tcp = a.connections.filter((c) => c.transport === 'tcp');
    const quic = a.connections.filter((c) => c.transport === 'quic');
    expect(quic.length).toBeGreaterThan(0);
    // QUIC rows first, with ids that TCP rows also have; TCP rows last to first.
    const store = new RowStore();
    for (const c of quic) store.add(c);
    for (const c of [...tcp].reverse()) store.add(c);
    const views = store.views();
    for (const c of tcp) {
      const i = store.findTcp(c.id);
      expect(i).toBeGreaterThanOrEqual(quic.length);
      expect(store.id.get(i)).toBe(c.id);
    }
    for (const c of quic) if (!tcp.some((t) => t.id === c.id)) expect(store.findTcp(c.id)).toBe(-1);
    expect(store.findTcp(Math.max(...tcp.map((c) => c.id)) + 1)).toBe(-1);
    expect(store.findTcp(-1)).toBe(-1);
    expect(store.findTcp(1.5)).toBe(-1);
    expect(views).toHaveLength(a.connections.length);
  });

  test('an id far past the row count (as a saved analysis may hold) is found without an index sized by it', () => {
    const store = new RowStore();
    const rec = (id: number) => ({ ...syn0!, id });
    store.add(rec(0));
    store.add(rec(4_000_000_000));
    store.add(rec(1));
    expect(store.findTcp(4_000_000_000)).toBe(1);
    expect(store.findTcp(1)).toBe(2);
    expect(store.findTcp(0)).toBe(0);
    expect(store.findTcp(3_999_999_999)).toBe(-1);
    // The id index stayed small: a few KiB, not 16 GB.
    expect(store.columnBytes).toBeLessThan(1 << 20);
  });
});

describe('row size', () => {
  /** Bytes per connection of `n` rows made from `rec` (ids, times, costs varied) and their views, after a full GC. */
  function bytesPerRow(rec: ConnectionRecord, n: number): number {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // The JS heap (views, strings) measured; the typed-array columns counted exactly (freed ones lag in arrayBuffers).
    const used = (): number => process.memoryUsage().heapUsed;
    gc();
    const before = used();
    const store = new RowStore();
    for (let i = 0; i < n; i++) {
      const r = { ...rec, id: i, start: rec.start + i * 1e-5 + 1e-7, end: rec.end + i * 1e-5 + 1e-7, client: { ip: rec.client.ip, port: 1024 + (i % 60000) } };
      r.findings = rec.findings.map((f) => ({ ...f, frame: i + 1, costMs: (f.costMs ?? 0) + i * 1e-3 }));
      store.add(r);
    }
    const views = store.views();
    gc();
    const after = used();
    expect(views).toHaveLength(n);
    return (after - before + store.columnBytes) / n;
  }

  test('a SYN flood row and a TLS row with findings each take at most ROW_BYTES_MAX', async () => {
    const syn = (await analyzeFile(fx('lo-tcp-syn-unanswered.pcap'))).connections[0]!;
    const tls = (await analyzeFile(fx('lo-tcp-syn-retransmit-then-tls13.pcap'))).connections.find((c) => c.tls !== null && c.findings.length > 0)!;
    expect(tls).toBeDefined();
    const synRetry = { ...syn, findings: [{ code: 'retry' as const, severity: 'info' as const, frame: 2, detail: 'attempt 2, 0.0 ms after attempt 1 (connection 0)', costMs: 0.01 }] };
    // A whole number of column chunks (64 Ki rows each): a column's slack is at most one chunk past its
    // last row (~12 MiB for all the columns together), which at 200,000 rows would read as 31 % more per row.
    const n = 4 * 65_536;
    const sizes = { syn: bytesPerRow(synRetry, n), tls: bytesPerRow(tls, n) };
    // Printed for the README's figures.
    process.stdout.write(`row bytes: ${JSON.stringify(sizes)}\n`);
    expect(sizes.syn).toBeLessThanOrEqual(ROW_BYTES_MAX);
    expect(sizes.tls).toBeLessThanOrEqual(ROW_BYTES_MAX);
  });
});
