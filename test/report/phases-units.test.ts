/**
 * connectionPhases() (src/report/phases.ts) for mutation testing. Expected
 * phases are written out by hand from the rules in its doc comment (0 = first
 * SYN; TCP handshake 0 → tcp.handshakeMs; client think time from the TCP
 * handshake's end to the ClientHello, only when there is a gap; TLS handshake
 * from the ClientHello for tls.handshakeMs; QUIC one handshake 0 → setup.ms;
 * waiting for first data setup end → the server's first data (the client's
 * when the server sent none); data → the teardown's start (or the last
 * packet); teardown lifetime − teardown.ms → lifetime; phases that did not
 * happen left out). Times are in 1/1024 s steps, exact in binary. Then the
 * same rules over the records of real captures, and against tshark's
 * figures (test/golden/<capture>/metrics.json: setup.ms, tls.handshakeMs,
 * firstDataMs, lifetimeMs, teardown.ms) for captures whose records agree with them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/analyze.js';
import { connectionPhases, type Phase, type PhaseName } from '../../src/report/phases.js';
import type { ConnectionRecord, EventType } from '../../src/timeline/types.js';
import { rec } from './records.js';

const T0 = 1_700_000_000; // epoch seconds of the first SYN
const MS = 1000 / 1024; // one step of 1/1024 s in ms: exact in binary

interface Spec {
  tcpHs?: number | null; // in steps
  midstream?: boolean;
  tls?: boolean;
  tlsHs?: number | null;
  hello?: number[]; // ClientHello event offsets, in steps
  quic?: boolean;
  setup?: number | null;
  firstClient?: number | null;
  firstServer?: number | null;
  life: number;
  teardown?: number | null;
}

function record(s: Spec): ConnectionRecord {
  const c = rec({ start: T0, end: T0 + s.life / 1024, setupMs: s.setup === undefined || s.setup === null ? null : s.setup * MS, tls: s.tls ?? true, midstream: s.midstream });
  c.lifetimeMs = s.life * MS;
  if (c.tcp) c.tcp.handshakeMs = s.tcpHs === undefined ? (s.midstream ? null : 1 * MS) : s.tcpHs === null ? null : s.tcpHs * MS;
  if (c.tls) c.tls.handshakeMs = s.tlsHs === undefined ? null : s.tlsHs === null ? null : s.tlsHs * MS;
  for (const h of s.hello ?? []) c.events.push({ type: 'ClientHello' as EventType, from: 'client', frame: 4, firstFrame: 4, time: T0 + h / 1024, bytes: 500 });
  // an event of another type later than the ClientHello: only ClientHello events count
  c.events.push({ type: 'ServerHello' as EventType, from: 'server', frame: 5, firstFrame: 5, time: T0 + 900 / 1024, bytes: 100 });
  c.events.unshift({ type: 'SYN-ACK' as EventType, from: 'server', frame: 2, firstFrame: 2, time: T0 + 0.5 / 1024, bytes: 0 });
  c.firstDataMs = { client: s.firstClient == null ? null : s.firstClient * MS, server: s.firstServer == null ? null : s.firstServer * MS };
  c.teardown = { initiator: s.teardown == null ? null : 'client', by: s.teardown == null ? null : 'FIN', ms: s.teardown == null ? null : s.teardown * MS, idleBeforeSec: null };
  if (s.quic) {
    c.transport = 'quic';
    c.tcp = null;
    c.quic = { versionName: 'v1', handshakeMs: c.setup.ms } as unknown as ConnectionRecord['quic'];
  }
  return c;
}

/** [name, start, end] in steps. */
type P = [PhaseName, number, number];
const phases = (ps: P[]): Phase[] => ps.map(([name, a, b]) => ({ name, startMs: a * MS, endMs: b * MS, durationMs: b * MS - a * MS }));

describe('connectionPhases, hand-built', () => {
  test.each<[string, Spec, P[]]>([
    [
      'TLS with every phase',
      { tcpHs: 4, hello: [6], tlsHs: 10, setup: 16, firstClient: 17, firstServer: 20, life: 100, teardown: 8 },
      [['TCP handshake', 0, 4], ['client think time', 4, 6], ['TLS handshake', 6, 16], ['waiting for first data', 16, 20], ['data', 20, 92], ['teardown', 92, 100]],
    ],
    [
      'ClientHello right at the end of the TCP handshake: no think time',
      { tcpHs: 4, hello: [4], tlsHs: 10, setup: 14, firstServer: 20, life: 30 },
      [['TCP handshake', 0, 4], ['TLS handshake', 4, 14], ['waiting for first data', 14, 20], ['data', 20, 30]],
    ],
    [
      'ClientHello before the handshake-completing ACK: no think time',
      { tcpHs: 4, hello: [3], tlsHs: 10, setup: 13, life: 30 },
      [['TCP handshake', 0, 4], ['TLS handshake', 3, 13]],
    ],
    [
      'two ClientHellos (HelloRetryRequest): the first one counts',
      { tcpHs: 2, hello: [5, 40], tlsHs: 50, setup: 55, firstServer: 60, life: 64, teardown: 2 },
      [['TCP handshake', 0, 2], ['client think time', 2, 5], ['TLS handshake', 5, 55], ['waiting for first data', 55, 60], ['data', 60, 62], ['teardown', 62, 64]],
    ],
    [
      'no ClientHello event: TLS from the end of the TCP handshake',
      { tcpHs: 3, tlsHs: 9, setup: 12, firstClient: 12, life: 20 },
      [['TCP handshake', 0, 3], ['TLS handshake', 3, 12], ['waiting for first data', 12, 12], ['data', 12, 20]],
    ],
    [
      'no ClientHello event and no TCP handshake time: TLS from 0',
      { tcpHs: null, tlsHs: 9, setup: 9, life: 20, teardown: 20 },
      [['TLS handshake', 0, 9], ['teardown', 0, 20]],
    ],
    [
      'TLS handshake time unknown: think time only',
      { tcpHs: 2, hello: [7], tlsHs: null, setup: 30, life: 40 },
      [['TCP handshake', 0, 2], ['client think time', 2, 7]],
    ],
    [
      'TLS with setup unknown: neither think time nor TLS phase',
      { tcpHs: 2, hello: [7], tlsHs: 12, setup: null, firstServer: 30, life: 40 },
      [['TCP handshake', 0, 2], ['data', 30, 40]],
    ],
    [
      'mid-stream: no TCP phase, no think time, no setup',
      { midstream: true, hello: [7], tlsHs: null, setup: null, firstClient: 3, life: 40, teardown: 10 },
      [['data', 3, 30], ['teardown', 30, 40]],
    ],
    [
      'mid-stream with a setup (no SYN seen): TLS phase but no think time',
      { midstream: true, tcpHs: 5, hello: [7], tlsHs: 4, setup: 11, life: 40 },
      [['TLS handshake', 7, 11]],
    ],
    [
      'plain TCP',
      { tls: false, tcpHs: 2, setup: 2, firstClient: 5, firstServer: 9, life: 50, teardown: 1 },
      [['TCP handshake', 0, 2], ['waiting for first data', 2, 9], ['data', 9, 49], ['teardown', 49, 50]],
    ],
    [
      'plain TCP, only the client sent data',
      { tls: false, tcpHs: 2, setup: 2, firstClient: 5, life: 50 },
      [['TCP handshake', 0, 2], ['waiting for first data', 2, 5], ['data', 5, 50]],
    ],
    [
      'data before the setup ended (early data): no waiting phase',
      { tcpHs: 2, hello: [2], tlsHs: 8, setup: 10, firstClient: 7, life: 30 },
      [['TCP handshake', 0, 2], ['TLS handshake', 2, 10], ['data', 7, 30]],
    ],
    [
      'teardown begins before the first data: no data phase',
      { tls: false, tcpHs: 2, setup: 2, firstServer: 20, life: 30, teardown: 15 },
      [['TCP handshake', 0, 2], ['waiting for first data', 2, 20], ['teardown', 15, 30]],
    ],
    [
      'teardown begins with the first data: a data phase of 0',
      { tls: false, tcpHs: 2, setup: 2, firstServer: 20, life: 30, teardown: 10 },
      [['TCP handshake', 0, 2], ['waiting for first data', 2, 20], ['data', 20, 20], ['teardown', 20, 30]],
    ],
    [
      'no data at all',
      { tls: false, tcpHs: 2, setup: 2, life: 9, teardown: 3 },
      [['TCP handshake', 0, 2], ['teardown', 6, 9]],
    ],
    [
      'QUIC: one handshake phase (first Initial → confirmed), no TLS phase',
      { quic: true, hello: [1], tlsHs: 12, setup: 14, firstClient: 15, firstServer: 16, life: 60 },
      [['QUIC handshake', 0, 14], ['waiting for first data', 14, 16], ['data', 16, 60]],
    ],
    [
      'QUIC without a confirmed handshake: no handshake phase',
      { quic: true, hello: [1], tlsHs: 12, setup: null, life: 60, teardown: 0 },
      [['teardown', 60, 60]],
    ],
  ])('%s', (_name, spec, want) => {
    expect(connectionPhases(record(spec))).toEqual(phases(want));
  });

  test('a negative lifetime (clock step) counts as 0', () => {
    const c = record({ tls: false, tcpHs: null, setup: null, firstClient: 0, life: 5, teardown: 0 });
    c.lifetimeMs = -3;
    expect(connectionPhases(c)).toEqual([
      { name: 'data', startMs: 0, endMs: 0, durationMs: 0 },
      { name: 'teardown', startMs: 0, endMs: 0, durationMs: 0 },
    ]);
  });
});

/** The doc comment's rules over any record (reference for the captures). */
function reference(c: ConnectionRecord): Phase[] {
  const out: Phase[] = [];
  const add = (name: PhaseName, a: number, b: number) => out.push({ name, startMs: a, endMs: b, durationMs: b - a });
  const life = c.lifetimeMs < 0 ? 0 : c.lifetimeMs;
  const tcpHs = c.tcp === null || c.midstream ? null : c.tcp.handshakeMs;
  if (tcpHs !== null) add('TCP handshake', 0, tcpHs);
  const setup = c.setup.ms;
  if (c.quic !== null) {
    if (setup !== null) add('QUIC handshake', 0, setup);
  } else if (c.tls !== null && setup !== null) {
    const ch = c.events.filter((e) => e.type === 'ClientHello')[0];
    const hello = ch !== undefined ? (ch.time - c.start) * 1000 : c.tcp !== null && c.tcp.handshakeMs !== null ? c.tcp.handshakeMs : 0;
    if (tcpHs !== null && hello > tcpHs) add('client think time', tcpHs, hello);
    if (c.tls.handshakeMs !== null) add('TLS handshake', hello, hello + c.tls.handshakeMs);
  }
  const first = c.firstDataMs.server !== null ? c.firstDataMs.server : c.firstDataMs.client;
  const tdStart = c.teardown.ms === null ? null : life - c.teardown.ms;
  if (setup !== null && first !== null && !(first < setup)) add('waiting for first data', setup, first);
  if (first !== null) {
    const end = tdStart === null ? life : tdStart;
    if (!(end < first)) add('data', first, end);
  }
  if (tdStart !== null) add('teardown', tdStart, life);
  return out;
}

const FIXTURES = [
  'demo-loopback-mix.pcapng',
  'lo-tls13-full.pcap',
  'lo-tls12-full.pcap',
  'lo-tcp-syn-retransmit-then-tls13.pcap',
  'lo-http-keepalive-3req.pcap',
  'ndpi-tls12-midstream-no-syn.pcapng',
  'zeek-smtp-starttls.pcap',
  'quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap',
];
const fixture = (f: string) => fileURLToPath(new URL(`../../fixtures/${f}`, import.meta.url));

describe('connectionPhases over capture records', () => {
  const records = new Map<string, ConnectionRecord[]>();
  beforeAll(async () => {
    for (const f of FIXTURES) records.set(f, (await analyzeFile(fixture(f))).connections);
  });

  test.each(FIXTURES)('%s: every connection as the rules give it', (f) => {
    const cs = records.get(f)!;
    expect(cs.length).toBeGreaterThan(0);
    for (const c of cs) expect(connectionPhases(c)).toEqual(reference(c));
  });

  // tshark's figures for the TCP captures whose metrics our records match (no KNOWN_DIFFERENCES).
  test.each(['lo-tls13-full.pcap', 'lo-tls12-full.pcap', 'lo-http-keepalive-3req.pcap', 'lo-tcp-syn-retransmit-then-tls13.pcap'])(
    '%s: the phase boundaries after the TCP handshake as tshark\'s figures give them',
    (f) => {
      const golden = JSON.parse(readFileSync(new URL(`../golden/${f}/metrics.json`, import.meta.url), 'utf8')) as {
        streams: {
          stream: number;
          tls?: { handshakeMs: number | null } | null;
          setup: { ms: number | null };
          firstDataMs: { client: number | null; server: number | null };
          lifetimeMs: number;
          teardown: { ms: number | null };
        }[];
      };
      const cs = records.get(f)!;
      expect(cs.length).toBe(golden.streams.length);
      for (const g of golden.streams) {
        const c = cs.find((x) => x.id === g.stream)!;
        const got = new Map(connectionPhases(c).map((p) => [p.name, p]));
        const near = (a: number | undefined, b: number) => expect(Math.abs(a! - b)).toBeLessThanOrEqual(0.0015); // µs rounding
        const setup = g.setup.ms!;
        if (g.tls && g.tls.handshakeMs !== null) {
          near(got.get('TLS handshake')?.startMs, setup - g.tls.handshakeMs);
          near(got.get('TLS handshake')?.endMs, setup);
        }
        const first = g.firstDataMs.server ?? g.firstDataMs.client;
        const tdStart = g.teardown.ms === null ? null : g.lifetimeMs - g.teardown.ms;
        if (first !== null && first >= setup) {
          near(got.get('waiting for first data')?.startMs, setup);
          near(got.get('waiting for first data')?.endMs, first);
        }
        if (first !== null) {
          near(got.get('data')?.startMs, first);
          near(got.get('data')?.endMs, tdStart ?? g.lifetimeMs);
        }
        if (tdStart !== null) {
          near(got.get('teardown')?.startMs, tdStart);
          near(got.get('teardown')?.endMs, g.lifetimeMs);
        }
      }
    },
  );
});
