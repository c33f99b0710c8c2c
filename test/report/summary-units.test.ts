/**
 * summarize() and hasServerHello() (src/report/summary.ts) for mutation
 * testing. Expected values come from the rules as written (src/report/types.ts
 * Summary, summary.ts's doc, README "QUIC (HTTP/3)": QUIC handshakes are not in
 * tlsHandshakeMs), applied here by a plain reference over the same rows, with
 * distributions computed by a plain R-7 (numpy's default) over a sorted copy:
 * - byState counts every state (all seven keys, zeros included); midstream, tls count flags;
 * - tlsVersions / resumed / resumptionRate over TLS connections with a ServerHello (tls.version set);
 * - setupTotalMs, connectionTimeTotalMs (lifetimeMs), setup ms and round trips over connections
 *   whose setup.ms is known; setupShare = setup / time (a share: at most 1), null without time;
 * - tcpHandshakeMs over known tcp.handshakeMs; tlsHandshakeMs over known tls.handshakeMs of
 *   non-QUIC connections; quic, quicVersions (by versionName), quicZeroRtt, quicHandshakeMs.
 * Hand-built rows cover every branch; fixture records check the same rules on real captures.
 */
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/analyze.js';
import type { ConnRow, RowQuic, RowTls } from '../../src/report/rows.js';
import { hasServerHello, summarize } from '../../src/report/summary.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';

const round9 = (v: number): number => Math.round(v * 1e9) / 1e9;

function r7(x: readonly number[], p: number): number {
  const h = ((x.length - 1) * p) / 100;
  const lo = Math.floor(h);
  if (lo + 1 >= x.length) return x[lo]!;
  return x[lo]! + (h - lo) * (x[lo + 1]! - x[lo]!);
}

function dist(values: readonly number[]) {
  const x = [...values].sort((a, b) => a - b);
  if (x.length === 0) return { count: 0, min: null, p50: null, p90: null, p99: null, max: null, mean: null, total: 0 };
  let total = 0;
  for (const v of x) total += v;
  return { count: x.length, min: x[0]!, p50: round9(r7(x, 50)), p90: round9(r7(x, 90)), p99: round9(r7(x, 99)), max: x[x.length - 1]!, mean: total / x.length, total };
}

const STATES = ['complete', 'reset', 'refused', 'unanswered', 'open', 'half-closed', 'midstream'] as const;

/** The rules, applied plainly. */
function reference(rows: readonly ConnRow[]) {
  const byState: Record<string, number> = {};
  for (const s of STATES) byState[s] = rows.filter((c) => c.state === s).length;
  const shello = rows.filter((c) => c.tls !== null && c.tls.version !== null);
  const tlsVersions: Record<string, number> = {};
  for (const c of shello) tlsVersions[c.tls!.version!] = (tlsVersions[c.tls!.version!] ?? 0) + 1;
  const resumed = shello.filter((c) => c.tls!.resumed).length;
  const known = rows.filter((c) => c.setup.ms !== null);
  const setupTotalMs = known.reduce((a, c) => a + c.setup.ms!, 0);
  const connectionTimeTotalMs = known.reduce((a, c) => a + c.lifetimeMs, 0);
  const quic = rows.filter((c) => c.quic !== null);
  const quicVersions: Record<string, number> = {};
  for (const c of quic) quicVersions[c.quic!.versionName] = (quicVersions[c.quic!.versionName] ?? 0) + 1;
  return {
    connections: rows.length,
    byState,
    midstream: rows.filter((c) => c.midstream).length,
    tls: rows.filter((c) => c.tls !== null).length,
    tlsVersions,
    resumed,
    resumptionRate: shello.length > 0 ? resumed / shello.length : null,
    setupTotalMs,
    connectionTimeTotalMs,
    setupShare: connectionTimeTotalMs > 0 ? Math.min(1, setupTotalMs / connectionTimeTotalMs) : null,
    tcpHandshakeMs: dist(rows.filter((c) => c.tcp !== null && c.tcp.handshakeMs !== null).map((c) => c.tcp!.handshakeMs!)),
    tlsHandshakeMs: dist(rows.filter((c) => c.tls !== null && c.tls.handshakeMs !== null && c.quic === null).map((c) => c.tls!.handshakeMs!)),
    setupMs: dist(known.map((c) => c.setup.ms!)),
    roundTrips: dist(known.map((c) => c.setup.roundTrips ?? 0)),
    quic: quic.length,
    quicVersions,
    quicZeroRtt: quic.filter((c) => c.quic!.zeroRtt).length,
    quicHandshakeMs: dist(quic.filter((c) => c.quic!.handshakeMs !== null).map((c) => c.quic!.handshakeMs!)),
  };
}

interface Spec {
  state?: ConnRow['state'];
  midstream?: boolean;
  tcpHs?: number | null | 'none';
  tls?: Partial<RowTls> | null;
  quic?: Partial<RowQuic> | null;
  setupMs?: number | null;
  roundTrips?: number | null;
  lifetimeMs?: number;
}

let nextId = 0;
function row(s: Spec): ConnRow {
  const tls: RowTls | null =
    s.tls === null || s.tls === undefined
      ? null
      : ({ sni: null, version: 'TLS 1.3', alpn: null, resumed: false, earlyData: false, decrypted: false, handshakeMs: 5, certificateBytes: null, ...s.tls } as RowTls);
  const quic: RowQuic | null =
    s.quic === null || s.quic === undefined ? null : { versionName: 'v1', zeroRtt: false, retry: false, handshakeMs: 7, close: null, ...s.quic };
  return {
    id: nextId++,
    transport: quic ? 'quic' : 'tcp',
    client: { ip: '10.0.0.1', port: 40000 },
    server: { ip: '10.0.0.2', port: 443 },
    midstream: s.midstream ?? false,
    state: s.state ?? 'complete',
    resetBy: null,
    start: 0,
    end: 1,
    lifetimeMs: s.lifetimeMs ?? 100,
    setupShare: null,
    events: [],
    tcp: s.tcpHs === 'none' || quic ? null : { handshakeMs: s.tcpHs === undefined ? 1 : s.tcpHs, initialRttMs: null, synRetransmits: 0 },
    tls,
    quic,
    setup: { ms: s.setupMs === undefined ? 10 : s.setupMs, roundTrips: s.roundTrips === undefined ? 2 : s.roundTrips, bytes: 0, certificateBytes: null },
    firstDataMs: { client: null },
    teardown: { initiator: null, by: null, ms: null, idleBeforeSec: null },
    findings: [],
    requests: { length: 0 },
    requestsEstimated: false,
  } as ConnRow;
}

describe('summarize over hand-built rows', () => {
  test('no connections: zero counts, null rates and shares, empty distributions', () => {
    const s = summarize([]);
    expect(s).toEqual(reference([]));
    expect(s.byState).toEqual({ complete: 0, reset: 0, refused: 0, unanswered: 0, open: 0, 'half-closed': 0, midstream: 0 });
    expect(s.resumptionRate).toBeNull();
    expect(s.setupShare).toBeNull();
    expect(s.setupMs.count).toBe(0);
  });

  test('every branch at once, written out by hand', () => {
    const rows = [
      // plain TCP, complete: setup 3 ms, 1 round trip, life 30 ms
      row({ tls: null, setupMs: 3, roundTrips: 1, lifetimeMs: 30, tcpHs: 3 }),
      // TLS 1.3 full, complete: setup 12 ms, 2 round trips, life 120 ms, TLS handshake 9 ms
      row({ tls: { version: 'TLS 1.3', handshakeMs: 9 }, setupMs: 12, roundTrips: 2, lifetimeMs: 120, tcpHs: 3 }),
      // TLS 1.3 resumed, reset
      row({ state: 'reset', tls: { version: 'TLS 1.3', resumed: true, handshakeMs: 4 }, setupMs: 6, roundTrips: 1, lifetimeMs: 60, tcpHs: 2 }),
      // TLS 1.2 resumed, half-closed
      row({ state: 'half-closed', tls: { version: 'TLS 1.2', resumed: true, handshakeMs: 8 }, setupMs: 10, roundTrips: 1, lifetimeMs: 40, tcpHs: 2 }),
      // TLS without a ServerHello (resumed flag ignored), setup unknown, unanswered after the SYN-ACK
      row({ state: 'open', tls: { version: null, resumed: true, handshakeMs: null }, setupMs: null, roundTrips: null, lifetimeMs: 500, tcpHs: 1 }),
      // refused: no handshake
      row({ state: 'refused', tls: null, setupMs: null, roundTrips: null, lifetimeMs: 1, tcpHs: null }),
      // unanswered SYN
      row({ state: 'unanswered', tls: null, setupMs: null, roundTrips: null, lifetimeMs: 3000, tcpHs: null }),
      // mid-stream TLS: no TCP handshake, no setup
      row({ state: 'midstream', midstream: true, tcpHs: null, tls: { version: 'TLS 1.2', handshakeMs: null }, setupMs: null, roundTrips: null, lifetimeMs: 70 }),
      // QUIC v1 with 0-RTT, its TLS handshake not counted as TLS
      row({ quic: { versionName: 'v1', zeroRtt: true, handshakeMs: 15 }, tls: { version: 'TLS 1.3', handshakeMs: 14, resumed: true }, setupMs: 16, roundTrips: 1, lifetimeMs: 200 }),
      // QUIC v2, no handshake time, setup unknown
      row({ quic: { versionName: 'v2', handshakeMs: null }, tls: { version: null, handshakeMs: null }, setupMs: null, roundTrips: null, lifetimeMs: 90 }),
      // QUIC v1 with a handshake time
      row({ quic: { versionName: 'v1', handshakeMs: 25 }, tls: { version: 'TLS 1.3', handshakeMs: 20 }, setupMs: 26, roundTrips: 2, lifetimeMs: 400 }),
      // a known setup without a round-trip count (read as 0)
      row({ tls: null, setupMs: 2, roundTrips: null, lifetimeMs: 20, tcpHs: 2 }),
    ];
    const s = summarize(rows);
    expect(s.connections).toBe(12);
    expect(s.byState).toEqual({ complete: 6, reset: 1, refused: 1, unanswered: 1, open: 1, 'half-closed': 1, midstream: 1 });
    expect(s.midstream).toBe(1);
    expect(s.tls).toBe(8);
    expect(s.tlsVersions).toEqual({ 'TLS 1.3': 4, 'TLS 1.2': 2 });
    expect(s.resumed).toBe(3); // TLS 1.3, TLS 1.2, QUIC; not the one without a ServerHello
    expect(s.resumptionRate).toBe(3 / 6);
    expect(s.setupTotalMs).toBe(3 + 12 + 6 + 10 + 16 + 26 + 2);
    expect(s.connectionTimeTotalMs).toBe(30 + 120 + 60 + 40 + 200 + 400 + 20);
    expect(s.setupShare).toBe(75 / 870);
    expect(s.tcpHandshakeMs).toEqual(dist([3, 3, 2, 2, 1, 2]));
    expect(s.tlsHandshakeMs).toEqual(dist([9, 4, 8]));
    expect(s.setupMs).toEqual(dist([3, 12, 6, 10, 16, 26, 2]));
    expect(s.roundTrips).toEqual(dist([1, 2, 1, 1, 1, 2, 0]));
    expect(s.quic).toBe(3);
    expect(s.quicVersions).toEqual({ v1: 2, v2: 1 });
    expect(s.quicZeroRtt).toBe(1);
    expect(s.quicHandshakeMs).toEqual(dist([15, 25]));
    expect(s).toEqual(reference(rows));
  });

  test('setup share is capped at 1; zero connection time gives null', () => {
    expect(summarize([row({ setupMs: 50, lifetimeMs: 40 })]).setupShare).toBe(1);
    expect(summarize([row({ setupMs: 30, lifetimeMs: 40 })]).setupShare).toBe(0.75);
    expect(summarize([row({ setupMs: 0, lifetimeMs: 0 })]).setupShare).toBeNull();
    // time only from connections with a known setup
    expect(summarize([row({ setupMs: 1, lifetimeMs: 4 }), row({ setupMs: null, lifetimeMs: 1000 })]).setupShare).toBe(0.25);
  });

  test('TLS without any ServerHello: resumption rate null', () => {
    const s = summarize([row({ tls: { version: null, resumed: false } }), row({ tls: null })]);
    expect(s.tls).toBe(1);
    expect(s.resumptionRate).toBeNull();
    expect(s.tlsVersions).toEqual({});
  });

  test('only resumed, only full: rates 1 and 0', () => {
    expect(summarize([row({ tls: { resumed: true } }), row({ tls: { resumed: true } })]).resumptionRate).toBe(1);
    expect(summarize([row({ tls: { resumed: false } })]).resumptionRate).toBe(0);
  });

  test('hasServerHello: a TLS connection with a negotiated version', () => {
    expect(hasServerHello(row({ tls: { version: 'TLS 1.2' } }))).toBe(true);
    expect(hasServerHello(row({ tls: { version: null } }))).toBe(false);
    expect(hasServerHello(row({ tls: null }))).toBe(false);
  });
});

describe('summarize over fixture records', () => {
  const FIXTURES = [
    'demo-loopback-mix.pcapng',
    'lo-tls12-resume-ticket.pcap',
    'lo-tls13-psk-resume.pcap',
    'ndpi-tls12-midstream-no-syn.pcapng',
    'lo-tcp-refused.pcap',
    'lo-tcp-syn-unanswered.pcap',
    'quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap',
    'quic/ndpi-draft28-vn-draft27-h3.pcap',
  ];
  const records = new Map<string, ConnectionRecord[]>();
  beforeAll(async () => {
    for (const f of FIXTURES) records.set(f, (await analyzeFile(fileURLToPath(new URL(`../../fixtures/${f}`, import.meta.url)))).connections);
  });

  test.each(FIXTURES)('%s: as the rules give it', (f) => {
    const rows = records.get(f)! as readonly ConnRow[];
    expect(rows.length).toBeGreaterThan(0);
    expect(summarize(rows)).toEqual(reference(rows));
  });

  test('all fixtures together', () => {
    const rows = [...records.values()].flat() as readonly ConnRow[];
    const s = summarize(rows);
    expect(s).toEqual(reference(rows));
    // the set reaches every counter
    expect(s.quic).toBeGreaterThan(0);
    expect(s.resumed).toBeGreaterThan(0);
    expect(s.midstream).toBeGreaterThan(0);
    expect(s.byState.refused + s.byState.unanswered).toBeGreaterThan(0);
  });
});
