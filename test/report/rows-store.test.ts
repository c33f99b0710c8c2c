/**
 * RowStore and RowView (src/report/rows.ts) read directly (issue 16, mutation
 * testing): every property a row keeps reads back as the record it was made
 * from says, on real captures (TCP, TLS with and without a key log, QUIC with
 * and without keys); late findings on a row give what applyLateFindings gives
 * on the record; the views' order, findTcp's index and map, and columnBytes.
 * Expected values come from the records (checked against tshark elsewhere) and
 * the rules the ConnRow comments state, never from a row.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { analyzeFile, applyLateFindings } from '../../src/analyze.js';
import { KeyLog } from '../../src/tls/keylog.js';
import { RowStore, type ConnRow } from '../../src/report/index.js';
import { ChunkedColumn } from '../../src/base/typed.js';
import type { ConnectionRecord, EventType, Finding, Side } from '../../src/timeline/types.js';
import { rec } from './records.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

/** A capture and, for decrypted ones, its key log. */
const CAPTURES: { pcap: string; keys?: string }[] = [
  { pcap: 'demo-loopback-mix.pcapng' },
  { pcap: 'lo-tcp-syn-retransmit-then-tls13.pcap' },
  { pcap: 'lo-tcp-refused.pcap' },
  { pcap: 'lo-tls12-resume-ticket.pcap' },
  { pcap: 'lo-tls-alert-version-mismatch.pcap' },
  { pcap: 'zeek-tls12-handshake-failure-alert.pcap' },
  { pcap: 'lo-tls12-client-cert.pcap' },
  { pcap: 'ndpi-tls12-midstream-no-syn.pcapng' },
  { pcap: 'lo-http-keepalive-3req.pcap' },
  { pcap: 'findings/i-nginx-idle-close-stale-reuse.pcap' },
  { pcap: 'findings/g-retry-backoff.pcap' },
  { pcap: 'findings/k-normal-closes.pcap' },
  { pcap: 'keylog/lo-tls13-early-data-keylog.pcap', keys: 'keylog/lo-tls13-early-data-keylog.keys.log' },
  { pcap: 'keylog/lo-tls13-mtls-keylog.pcap', keys: 'keylog/lo-tls13-mtls-keylog.keys.log' },
  { pcap: 'quic/quic-resume-0rtt.pcap', keys: 'quic/quic-resume-0rtt.keys' },
  { pcap: 'quic/quic-retry.pcap', keys: 'quic/quic-retry.keys' },
  { pcap: 'quic/quic-handshake-failed-twice.pcap' },
  { pcap: 'quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap' },
];

async function records(c: { pcap: string; keys?: string }): Promise<ConnectionRecord[]> {
  const keyLog = c.keys === undefined ? undefined : new KeyLog().add(readFileSync(fx(c.keys)), c.keys);
  return (await analyzeFile(fx(c.pcap), keyLog ? { keyLog } : {})).connections;
}

/** Every ConnRow property, as a plain object (what the report and the table can read of a row). */
function read(c: ConnRow): unknown {
  return {
    id: c.id,
    transport: c.transport,
    client: { ip: c.client.ip, port: c.client.port },
    server: { ip: c.server.ip, port: c.server.port },
    midstream: c.midstream,
    state: c.state,
    resetBy: c.resetBy,
    start: c.start,
    end: c.end,
    lifetimeMs: c.lifetimeMs,
    setupShare: c.setupShare,
    events: c.events.map((e) => ({ ...e })),
    tcp: c.tcp && { handshakeMs: c.tcp.handshakeMs, initialRttMs: c.tcp.initialRttMs, synRetransmits: c.tcp.synRetransmits },
    tls: c.tls && {
      sni: c.tls.sni,
      version: c.tls.version,
      alpn: c.tls.alpn,
      resumed: c.tls.resumed,
      earlyData: c.tls.earlyData,
      decrypted: c.tls.decrypted,
      handshakeMs: c.tls.handshakeMs,
      certificateBytes: c.tls.certificateBytes,
      clientBursts: c.tls.clientBursts,
      alerts: c.tls.alerts.map((a) => ({ ...a })),
    },
    quic: c.quic && {
      versionName: c.quic.versionName,
      zeroRtt: c.quic.zeroRtt,
      retry: c.quic.retry,
      handshakeMs: c.quic.handshakeMs,
      close: c.quic.close && { errorCode: c.quic.close.errorCode },
    },
    setup: { ms: c.setup.ms, roundTrips: c.setup.roundTrips, bytes: c.setup.bytes, certificateBytes: c.setup.certificateBytes },
    firstDataMs: { client: c.firstDataMs.client },
    teardown: { initiator: c.teardown.initiator, by: c.teardown.by, ms: c.teardown.ms, idleBeforeSec: c.teardown.idleBeforeSec },
    findings: c.findings.map((x) => ({ ...x })),
    requests: c.requests.length,
    requestsEstimated: c.requestsEstimated,
  };
}

/** The events a row keeps (ConnRow's comment in rows.ts), each once, in this order. */
const KEPT: { type: EventType; from?: Side }[] = [
  { type: 'SYN' },
  { type: 'SYN-ACK' },
  { type: 'ClientHello' },
  { type: 'ServerHello' },
  { type: 'CertificateRequest' },
  { type: 'Certificate', from: 'client' },
];

/**
 * What a row made from `r` must read: the record itself, except where rows.ts says a
 * row keeps less: the kept events; the first alert and, after a non-fatal one, the first
 * fatal one; findings' text only for idle-close; SYN retransmits capped at 255;
 * client bursts 0 when the record has none (a file saved by 0.1.0).
 */
function expected(r: ConnectionRecord): unknown {
  const e = read(r) as Record<string, unknown>;
  e.events = KEPT.filter((k) => r.events.some((x) => x.type === k.type && (k.from === undefined || x.from === k.from))).map((k) => ({ ...k }));
  if (r.tcp) e.tcp = { ...(e.tcp as object), synRetransmits: Math.min(255, r.tcp.synRetransmits) };
  if (r.tls) {
    const first = r.tls.alerts[0];
    const fatal = first !== undefined && first.level !== 2 ? r.tls.alerts.find((a) => a.level === 2) : undefined;
    const alerts = [first, fatal].filter((a) => a !== undefined).map((a) => (a.level === undefined ? { name: a.name } : { name: a.name, level: a.level }));
    e.tls = { ...(e.tls as object), clientBursts: r.tls.clientBursts ?? 0, alerts };
  }
  e.findings = r.findings.map((x) => {
    const k = { code: x.code, severity: x.severity, frame: x.frame, detail: x.code === 'idle-close' ? x.detail : '' };
    return x.costMs === undefined ? k : { ...k, costMs: x.costMs };
  });
  return e;
}

describe('a row reads back as its record', () => {
  test.each(CAPTURES.map((c) => [c.pcap, c] as const))('%s', async (_, c) => {
    const recs = await records(c);
    expect(recs.length).toBeGreaterThan(0);
    const store = new RowStore();
    const at = recs.map((r) => store.add(r));
    expect(at).toEqual(recs.map((_, i) => i));
    expect(store.length).toBe(recs.length);
    // The records come TCP first then QUIC, each by id: the views' order.
    const views = store.views();
    expect(views.map(read)).toEqual(recs.map(expected));
    for (const r of recs) if (r.transport === 'tcp') expect(store.findTcp(r.id)).toBe(recs.indexOf(r));
    // Strings and endpoints are stored once.
    expect(new Set(store.strings.list).size).toBe(store.strings.list.length);
    const endpoints = Array.from({ length: store.endpointCount }, (_, i) => store.endpointAt(i));
    expect(new Set(endpoints.map((e) => `${e.ip} ${e.port}`)).size).toBe(endpoints.length);
    expect(new Set(endpoints.map((e) => `${e.ip} ${e.port}`))).toEqual(new Set(recs.map((r) => `${r.server.ip} ${r.server.port}`)));
    expect(new Set(store.details.list).size).toBe(store.details.list.length);
    // The timeline computes setupShare by the rule a row computes it by: no row keeps its own.
    expect(store.setupShares.size).toBe(0);
  });

  test('the captures hold each flag and section both ways (the comparison above means something)', async () => {
    const recs = (await Promise.all(CAPTURES.map(records))).flat();
    const both = (what: string, p: (r: ConnectionRecord) => unknown) => {
      const seen = new Set(recs.map((r) => Boolean(p(r))));
      expect([what, [...seen].sort()]).toEqual([what, [false, true]]);
    };
    both('quic', (r) => r.transport === 'quic');
    both('tcp section', (r) => r.tcp);
    both('tls section', (r) => r.tls);
    both('quic section', (r) => r.quic);
    both('midstream', (r) => r.midstream);
    both('resetBy', (r) => r.resetBy);
    both('resumed', (r) => r.tls?.resumed);
    both('earlyData', (r) => r.tls?.earlyData);
    both('decrypted', (r) => r.tls?.decrypted);
    both('alerts', (r) => r.tls && r.tls.alerts.length > 0);
    both('zeroRtt', (r) => r.quic?.zeroRtt);
    both('retry', (r) => r.quic?.retry);
    both('quic close', (r) => r.quic?.close);
    both('requestsEstimated', (r) => r.requestsEstimated);
    both('requests', (r) => r.requests.length > 0);
    both('findings', (r) => r.findings.length > 0);
    both('costMs', (r) => r.findings.some((x) => x.costMs !== undefined));
    both('idle-close', (r) => r.findings.some((x) => x.code === 'idle-close'));
    both('other findings', (r) => r.findings.some((x) => x.code !== 'idle-close'));
    both('teardown', (r) => r.teardown.by);
    both('idleBeforeSec', (r) => r.teardown.idleBeforeSec !== null);
    both('firstDataMs', (r) => r.firstDataMs.client !== null);
    both('setup.ms', (r) => r.setup.ms !== null);
    for (const k of KEPT) both(`event ${k.type}${k.from ? ` from ${k.from}` : ''}`, (r) => r.events.some((x) => x.type === k.type && (k.from === undefined || x.from === k.from)));
    // A server's Certificate without the client's (a client Certificate is kept, a server's is not).
    expect(recs.some((r) => r.events.some((x) => x.type === 'Certificate' && x.from === 'server') && !r.events.some((x) => x.type === 'Certificate' && x.from === 'client'))).toBe(true);
  });

  test('empty lists are one shared frozen list: a row read many times allocates none', () => {
    const r = rec({ id: 0, start: 1, end: 2, findings: [] });
    expect(r.tls!.alerts).toEqual([]);
    const store = new RowStore();
    store.add(r);
    const v = store.views()[0]!;
    expect(v.findings).toBe(v.findings);
    expect(Object.isFrozen(v.findings)).toBe(true);
    expect(v.tls!.alerts).toBe(v.tls!.alerts);
    expect(Object.isFrozen(v.tls!.alerts)).toBe(true);
  });

  test('a record without a setupShare (a saved analysis written another way) reads back without one', () => {
    const store = new RowStore();
    const r = { ...rec({ id: 0, start: 1, end: 2, setupMs: 5 }), setupShare: undefined } as unknown as ConnectionRecord;
    store.add(r);
    expect(store.views()[0]!.setupShare).toBeUndefined();
  });
});

describe('late findings on a row', () => {
  test('give what applyLateFindings gives on the record: same code and frame replaced, else added, by frame', async () => {
    const recs = await records({ pcap: 'findings/g-retry-backoff.pcap' });
    const idle = (await records({ pcap: 'findings/i-nginx-idle-close-stale-reuse.pcap' })).find((r) => r.findings.some((x) => x.code === 'idle-close'))!;
    expect(idle).toBeDefined();
    const withFindings = [...recs.filter((r) => r.findings.length > 0), idle];
    expect(withFindings.length).toBeGreaterThan(1);
    const store = new RowStore();
    const at = withFindings.map((r) => store.add(r));
    withFindings.forEach((r, n) => {
      const copy: ConnectionRecord = { ...r, findings: r.findings.map((x) => ({ ...x })) };
      const first = r.findings[0]!;
      const last = r.findings[r.findings.length - 1]!;
      const late: Finding[] = [
        // The same code and frame as one it has: replaced (another severity, text and cost).
        { ...first, severity: first.severity === 'error' ? 'info' : 'error', detail: `late ${n}`, costMs: 1234.5 + n },
        // The same frame, another code: added.
        { code: first.code === 'retry' ? 'retry-no-backoff' : 'retry', severity: 'warn', frame: first.frame, detail: 'same frame' },
        // Before every finding it has, and after: sorted by frame.
        { code: 'idle-close', severity: 'info', frame: 0, detail: `idle ${n}` },
        { code: 'retry', severity: 'info', frame: last.frame + 10, detail: 'after', costMs: 7 },
        // The same frame as the last, another code, no cost.
        { code: last.code === 'zero-window' ? 'retry' : 'zero-window', severity: 'warn', frame: last.frame, detail: 'x' },
      ];
      applyLateFindings(copy, late.map((x) => ({ ...x })));
      store.applyLate(at[n]!, late);
      const views = store.views();
      const v = views.find((x) => x.index === at[n])!;
      expect(read(v)).toEqual(expected(copy));
      // Applied twice: the same findings (every late one now replaces its own).
      applyLateFindings(copy, late.map((x) => ({ ...x })));
      store.applyLate(at[n]!, late);
      expect(read(store.views().find((x) => x.index === at[n])!)).toEqual(expected(copy));
    });
    // The other rows are untouched.
    for (const r of recs.filter((x) => x.findings.length === 0)) {
      store.add(r);
      expect(read(store.views().find((x) => x.index === store.length - 1)!)).toEqual(expected(r));
    }
  });

  test('on a row with none: added, sorted by frame', () => {
    const store = new RowStore();
    const r = rec({ id: 0, start: 1, end: 2, findings: [] });
    store.add(r);
    const late: Finding[] = [
      { code: 'retry', severity: 'info', frame: 9, detail: 'b', costMs: 3 },
      { code: 'idle-close', severity: 'warn', frame: 4, detail: 'idle 12.0 s' },
    ];
    const copy = { ...r, findings: [] as Finding[] };
    applyLateFindings(copy, late.map((x) => ({ ...x })));
    store.applyLate(0, late);
    expect(read(store.views()[0]!)).toEqual(expected(copy));
    expect(copy.findings.map((x) => x.frame)).toEqual([4, 9]);
  });
});

describe('views', () => {
  test('TCP first then QUIC, each by id, whatever the order rows were added in', async () => {
    const recs = await records({ pcap: 'quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap' });
    const extra = [5, 0, 12, 3].map((id) => rec({ id: 100 + id, start: 1, end: 2 }));
    const all = [...recs, ...extra];
    expect(all.some((r) => r.transport === 'quic')).toBe(true);
    // A fixed shuffle: QUIC and TCP interleaved, ids out of order.
    const shuffled = all.map((r, i) => ({ r, k: (i * 7919) % 101 })).sort((a, b) => a.k - b.k).map((x) => x.r);
    const store = new RowStore();
    for (const r of shuffled) store.add(r);
    const want = [...all].sort((a, b) => (a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1));
    expect(store.views().map((v) => `${v.transport}${v.id}`)).toEqual(want.map((r) => `${r.transport}${r.id}`));
    expect(store.views().map(read)).toEqual(want.map(expected));
  });
});

describe('sections', () => {
  test('TLS only, QUIC with and without TLS, and neither, interleaved: each reads back its own', async () => {
    const recs = await records({ pcap: 'quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap' });
    const quic = recs.filter((r) => r.transport === 'quic' && r.quic !== null && r.tls !== null);
    const tls = recs.filter((r) => r.transport === 'tcp' && r.tls !== null);
    const neither = recs.filter((r) => r.tls === null && r.quic === null);
    expect([quic.length, tls.length, neither.length].every((n) => n > 0)).toBe(true);
    // A QUIC connection whose TLS was never read (no section of its own for TLS).
    const quicNoTls = quic.map((r) => ({ ...r, id: r.id + 1000, tls: null }));
    const all = [neither[0]!, quic[0]!, tls[0]!, quicNoTls[0]!, neither[neither.length - 1]!, tls[tls.length - 1]!, quicNoTls[quicNoTls.length - 1]!];
    const store = new RowStore();
    for (const r of all) store.add(r);
    const want = [...all].sort((a, b) => (a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1));
    expect(store.views().map(read)).toEqual(want.map(expected));
    // A section per row with TLS or QUIC, none for the others.
    expect(store.sLength).toBe(all.filter((r) => r.tls !== null || r.quic !== null).length);
  });
});

describe('server endpoints', () => {
  test('each address and port once, ports of one address apart, with other strings stored between', () => {
    const store = new RowStore();
    // [address, port, sni]: an address seen again on another port, addresses interleaved, a new SNI
    // string between addresses (their string ids are not consecutive).
    const seen: [string, number, string | null][] = [
      ['10.0.0.2', 443, null],
      ['10.0.0.3', 443, 'a.example'],
      ['10.0.0.2', 8443, null],
      ['10.0.0.4', 80, 'b.example'],
      ['10.0.0.2', 443, null],
      ['10.0.0.3', 8443, 'c.example'],
      ['10.0.0.2', 8443, null],
      ['10.0.0.3', 443, null],
      ['2001:db8::1', 443, 'd.example'],
      ['10.0.0.4', 80, null],
      ['10.0.0.2', 9000, null],
    ];
    const at = seen.map(([serverIp, port, sni], id) => store.add(rec({ id, start: 1, end: 2, serverIp, port, sni })));
    const views = store.views();
    at.forEach((i, k) => expect(views[i]!.server).toEqual({ ip: seen[k]![0], port: seen[k]![1] }));
    const distinct = new Set(seen.map(([ip, port]) => `${ip} ${port}`));
    expect(store.endpointCount).toBe(distinct.size);
    const endpoints = Array.from({ length: store.endpointCount }, (_, i) => store.endpointAt(i));
    expect(new Set(endpoints.map((e) => `${e.ip} ${e.port}`))).toEqual(distinct);
    // findEndpoint: each endpoint by its address and port; none for a port or address not seen.
    endpoints.forEach((e, i) => expect(store.findEndpoint(e.ip, e.port)).toBe(i));
    expect(store.findEndpoint('10.0.0.2', 80)).toBe(-1);
    expect(store.findEndpoint('a.example', 443)).toBe(-1);
    expect(store.findEndpoint('10.9.9.9', 443)).toBe(-1);
  });

  test('after doneAdding (the lookup map let go), endpoints are still found, and rows added later reuse the strings stored', () => {
    const store = new RowStore();
    store.add(rec({ id: 0, start: 1, end: 2, serverIp: '10.0.0.2', port: 443, sni: null }));
    store.add(rec({ id: 1, start: 1, end: 2, serverIp: '10.0.0.3', port: 443, sni: 'a.example' }));
    const strings = store.strings.list.length;
    store.doneAdding();
    expect(store.findEndpoint('10.0.0.3', 443)).toBe(1);
    store.doneAdding();
    const i = store.add(rec({ id: 2, start: 1, end: 2, serverIp: '10.0.0.3', port: 443, sni: 'a.example' }));
    expect(store.strings.list.length).toBe(strings);
    expect(store.endpointCount).toBe(2);
    expect(store.views()[i]!.tls!.sni).toBe('a.example');
    expect(store.views()[i]!.server).toEqual({ ip: '10.0.0.3', port: 443 });
  });
});

describe('findTcp', () => {
  const tcp = (id: number): ConnectionRecord => rec({ id, start: 1, end: 2 });
  const quic = (id: number): ConnectionRecord => ({ ...rec({ id, start: 1, end: 2 }), transport: 'quic', tcp: null });

  test('dense, sparse, negative and fractional ids are all found; a QUIC row never', () => {
    const store = new RowStore();
    const ids = [0, 1, 2, 7, -1, -5, 1.5, 2 ** 53, 4_000_000_000, Number.MAX_SAFE_INTEGER, 3];
    for (const id of ids) store.add(tcp(id));
    // QUIC rows with the ids of TCP rows, added after them, and one of their own.
    store.add(quic(0));
    store.add(quic(7));
    store.add(quic(1.5));
    store.add(quic(42));
    ids.forEach((id, i) => expect([id, store.findTcp(id)]).toEqual([id, i]));
    for (const id of [42, 4, 8, -2, 0.5, 2.5, 1e300, NaN, Infinity]) expect([id, store.findTcp(id)]).toEqual([id, -1]);
  });

  test('ids dense from 0 take the index (4 bytes each), QUIC and far ids none', () => {
    const columns = (s: RowStore): number =>
      Object.values(s).reduce((sum: number, c) => sum + (c instanceof ChunkedColumn ? c.byteLength : 0), 0);
    const quicOnly = new RowStore();
    for (let id = 0; id < 50; id++) quicOnly.add(quic(id));
    // columnBytes: every column (row and finding columns) and the id index, here empty.
    expect(columns(quicOnly)).toBeGreaterThan(0);
    expect(quicOnly.columnBytes).toBe(columns(quicOnly));
    const far = new RowStore();
    for (let id = 0; id < 50; id++) far.add(tcp(1e9 + id));
    expect(far.columnBytes).toBe(columns(far));
    // A few dense ids: each in the index (none in the map).
    const few = new RowStore();
    for (let id = 0; id < 100; id++) few.add(tcp(id));
    expect(few.columnBytes - columns(few)).toBeGreaterThanOrEqual(4 * 100);
    const dense = new RowStore();
    const n = 3000;
    for (let id = 0; id < n; id++) dense.add(tcp(id));
    const index = dense.columnBytes - columns(dense);
    expect(index % 4).toBe(0);
    expect(index).toBeGreaterThanOrEqual(4 * n);
    expect(index).toBeLessThanOrEqual(4 * 4 * n);
    for (let id = 0; id < n; id++) expect(dense.findTcp(id)).toBe(id);
  });

  test('with findings: columnBytes counts the finding columns too', () => {
    const columns = (s: RowStore): number =>
      Object.values(s).reduce((sum: number, c) => sum + (c instanceof ChunkedColumn ? c.byteLength : 0), 0);
    const store = new RowStore();
    for (let id = 0; id < 20; id++) {
      store.add({ ...rec({ id, start: 1, end: 2, findings: [{ code: 'retry', severity: 'info', frame: id + 1, detail: 'r', costMs: id }] }), transport: 'quic', tcp: null });
    }
    expect(store.fLength).toBe(20);
    expect(store.columnBytes).toBe(columns(store));
  });
});
