/**
 * Parts of the connection record that test/timeline/golden.test.ts and
 * test/metrics/metrics.test.ts do not look at, against tshark's dissection of
 * the same fixtures (test/golden/<fixture>/frames.tsv, streams.json and
 * metrics.json, and record-facts.json, written from tshark only) or against the
 * rule the record documents: every SYN / SYN-ACK event and its retransmission
 * flag, the SYN retransmission offsets, who reset, the first-payload events
 * of plain TCP, the idle time before the teardown, the setup share, the
 * event details (alert level, certificate chain, SNI), the order of the
 * events inside one frame, the MSS, and the round-trip rule itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { roundTrips } from '../../src/timeline/build.js';
import type { ConnectionRecord, TimelineEvent } from '../../src/timeline/types.js';
import { goldenFixtures, type GoldenStream } from '../helpers/goldens.js';
import { expectedMetrics } from '../metrics/expected.js';

const root = resolve(process.cwd());
const goldenDir = join(root, 'test/golden');
const fixturesDir = join(root, 'fixtures');

/** Every fixture with tshark goldens (test/helpers/goldens.ts). */
const fixtures = goldenFixtures(goldenDir).sort();

interface Frame {
  frame: number;
  /** frame.time_epoch as seconds and nanoseconds (exact). */
  sec: number;
  nsec: number;
  srcIp: string;
  srcPort: number;
  flags: number;
  len: number;
  stream: number;
}


/** test/golden/<fixture>/frames.tsv: tshark's per-frame TCP fields (frames without tcp.stream left out). */
function frames(fixture: string): Frame[] {
  const [head, ...lines] = readFileSync(join(goldenDir, fixture, 'frames.tsv'), 'utf8').split('\n');
  const col = Object.fromEntries(head!.split('\t').map((h, i) => [h, i]));
  const out: Frame[] = [];
  for (const l of lines) {
    if (l === '') continue;
    const v = l.split('\t');
    if (v[col['tcp.stream']!] === '') continue;
    const [s, ns] = v[col['frame.time_epoch']!]!.split('.');
    out.push({
      frame: Number(v[col['frame.number']!]),
      sec: Number(s),
      nsec: Number((ns ?? '0').padEnd(9, '0')),
      srcIp: v[col['ip.src']!] || v[col['ipv6.src']!]!,
      srcPort: Number(v[col['tcp.srcport']!]),
      flags: Number(v[col['tcp.flags']!]),
      len: Number(v[col['tcp.len']!]),
      stream: Number(v[col['tcp.stream']!]),
    });
  }
  return out;
}

const msBetween = (a: Frame, b: Frame): number => (b.sec - a.sec) * 1000 + (b.nsec - a.nsec) / 1e6;
const golden = (fixture: string): GoldenStream[] => JSON.parse(readFileSync(join(goldenDir, fixture, 'streams.json'), 'utf8')) as GoldenStream[];

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;
const RST = 0x04;

/**
 * The fixture's TCP records, analysed anew by each test: a test that read another test's
 * records would not run the code it checks (mutation testing picks tests by what they run).
 */
async function tcpRecords(fixture: string): Promise<ConnectionRecord[]> {
  return (await analyzeFile(join(fixturesDir, fixture))).connections.filter((c) => c.transport === 'tcp');
}

const sideOf = (g: GoldenStream, f: Frame): 'client' | 'server' => (g.client !== null && f.srcIp === g.client.ip && f.srcPort === g.client.port ? 'client' : 'server');

/** Per-fixture checks, run by one test per fixture on one analysis. */
function frameChecks(fixture: string, recs: ConnectionRecord[]): void {
  const g = golden(fixture);
  const all = frames(fixture);
  const byStream = (s: number) => all.filter((f) => f.stream === s);

  // every SYN and SYN-ACK is an event, all but the first flagged as a retransmission; SYN offsets from the first SYN
  {
    const got: unknown[] = [];
    const want: unknown[] = [];
    for (const s of g) {
      const c = recs[s.stream]!;
      const fr = byStream(s.stream);
      for (const [type, bits] of [
        ['SYN', SYN],
        ['SYN-ACK', SYN | ACK],
      ] as const) {
        const expected = fr.filter((f) => (f.flags & (SYN | ACK)) === bits).map((f, i) => ({ frame: f.frame, retransmission: i > 0 }));
        want.push({ stream: s.stream, type, events: expected });
        got.push({ stream: s.stream, type, events: c.events.filter((e) => e.type === type).map((e) => ({ frame: e.frame, retransmission: e.retransmission === true })) });
      }
      const syns = fr.filter((f) => (f.flags & (SYN | ACK)) === SYN);
      want.push({ stream: s.stream, offsets: syns.slice(1).map((f) => Math.round(msBetween(syns[0]!, f) * 1000)) });
      got.push({ stream: s.stream, offsets: c.tcp!.synRetransmitOffsetsMs.map((x) => Math.round(x * 1000)) });
    }
    expect(got).toEqual(want);
  }

  // resetBy: the sender of the first RST (tshark)
  {
    expect(g.map((s) => ({ stream: s.stream, resetBy: recs[s.stream]!.resetBy }))).toEqual(g.map((s) => ({ stream: s.stream, resetBy: s.rstFrom })));
  }

  // plain TCP: one ApplicationData event per side at its first frame with payload, marked "first payload"
  {
    const plain = g.filter((s) => s.version === null && s.frames.clientHello === null && s.frames.serverHello === null && s.client !== null);
    const got: unknown[] = [];
    const want: unknown[] = [];
    for (const s of plain) {
      const c = recs[s.stream]!;
      if (c.tls !== null) continue; // TLS found mid-stream where tshark saw no hello: its records are the TLS stage's
      const fr = byStream(s.stream);
      for (const side of ['client', 'server'] as const) {
        const first = fr.find((f) => f.len > 0 && sideOf(s, f) === side);
        want.push({ stream: s.stream, side, first: first ? [{ frame: first.frame, detail: 'first payload' }] : [] });
        got.push({
          stream: s.stream,
          side,
          first: c.events.filter((e) => e.type === 'ApplicationData' && e.from === side).map((e) => ({ frame: e.frame, detail: e.detail })),
        });
      }
    }
    expect(got).toEqual(want);
  }

  // teardown.idleBeforeSec: from the last frame with payload to the first FIN or RST, in s to the ms
  // (not for the lossy captures: retransmitted payload is not new payload, and frames.tsv cannot tell)
  if (!fixture.startsWith('lossy/')) {
    const got: unknown[] = [];
    const want: unknown[] = [];
    for (const s of g) {
      const fr = byStream(s.stream);
      const end = fr.find((f) => (f.flags & (FIN | RST)) !== 0);
      const last = end ? fr.filter((f) => f.frame <= end.frame && f.len > 0 && (f.flags & SYN) === 0).pop() : undefined;
      want.push({ stream: s.stream, idle: end && last ? Math.round(msBetween(last, end)) / 1000 : null });
      got.push({ stream: s.stream, idle: recs[s.stream]!.teardown.idleBeforeSec });
    }
    expect(got).toEqual(want);
  }

  // setupShare: setup.ms over lifetimeMs from the tshark-derived metrics, at most 1
  if (existsSync(join(goldenDir, fixture, 'metrics.json'))) {
    for (const e of expectedMetrics(fixture)) {
      const c = recs.find((x) => x.id === e.stream)!;
      const want = e.setup.ms !== null && e.lifetimeMs > 0 ? Math.min(1, e.setup.ms / e.lifetimeMs) : null;
      if (want === null) expect({ stream: e.stream, share: c.setupShare }).toEqual({ stream: e.stream, share: null });
      else expect(Math.abs(c.setupShare! - want)).toBeLessThan(1e-6 + 0.0005 / e.lifetimeMs);
      // The Certificate event gives the chain length and size.
      const n = e.tls?.certificateCount ?? 0;
      if (n > 0) {
        const ev = c.events.find((x) => x.type === 'Certificate' && x.from === 'server');
        expect({ stream: e.stream, detail: ev?.detail }).toEqual({ stream: e.stream, detail: `${n} certificate${n === 1 ? '' : 's'}, ${e.tls!.certificateBytes} bytes` });
      }
    }
  }

  // the ClientHello event names the SNI
  for (const s of g) {
    if (s.sni === null || s.frames.clientHello === null) continue;
    const ev = recs[s.stream]!.events.find((e) => e.type === 'ClientHello' && !e.retransmission);
    expect({ stream: s.stream, detail: ev?.detail }).toEqual({ stream: s.stream, detail: `SNI ${s.sni}` });
  }

  // the ladder is in capture (frame) order; a FIN or RST in a frame that also carries an event of
  // payload comes after it (the FIN follows the data)
  for (const c of recs) {
    const frames = c.events.map((e) => e.frame);
    expect({ id: c.id, frames }).toEqual({ id: c.id, frames: [...frames].sort((x, y) => x - y) });
  }
  if (!fixture.startsWith('lossy/')) {
    for (const c of recs) {
      c.events.forEach((e, i) => {
        if (e.type !== 'FIN' && e.type !== 'RST') return;
        const later = c.events.slice(i + 1).filter((x) => x.frame === e.frame && x.type !== 'FIN' && x.type !== 'RST');
        expect({ id: c.id, frame: e.frame, after: later.map((x) => x.type) }).toEqual({ id: c.id, frame: e.frame, after: [] });
      });
    }
  }
}

test.each(fixtures)(
  '%s: SYN/SYN-ACK events and retransmission flags, SYN offsets, resetBy, first-payload events, idleBeforeSec, setupShare, certificate and SNI details, events in frame order, FIN after data, against tshark',
  async (fixture) => {
    frameChecks(fixture, await tcpRecords(fixture));
  },
);

/** tshark's alerts, multi-message frames and MSS options of a few fixtures (scripts/make-record-golden.mjs). */
const facts = JSON.parse(readFileSync(join(goldenDir, 'record-facts.json'), 'utf8')) as {
  alerts: Record<string, [frame: number, stream: number, level: number, desc: number][]>;
  handshakes: Record<string, [frame: number, stream: number, types: number[]][]>;
  mss: Record<string, [stream: number, synAck: boolean, mss: number][]>;
  http: Record<string, { requests: [frame: number, stream: number, method: string, first: number][]; responses: [frame: number, stream: number, status: number, first: number][] }>;
};

/** RFC 8446 §6 / RFC 5246 §7.2 alert description names. */
const ALERT_NAMES: Record<number, string> = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  40: 'handshake_failure',
  42: 'bad_certificate',
  46: 'certificate_unknown',
  48: 'unknown_ca',
  70: 'protocol_version',
  80: 'internal_error',
  90: 'user_canceled',
  116: 'certificate_required',
};

describe('event details, from tshark', () => {
  // Fixtures whose alerts tshark reads in clear (alerts after ChangeCipherSpec are encrypted: no level).
  const withAlerts = Object.keys(facts.alerts);

  test('an alert readable in clear says its level (fatal / warning) and its name', async () => {
    for (const fixture of withAlerts) {
      const rows = facts.alerts[fixture]!;
      expect({ fixture, alerts: rows.length > 0 }).toEqual({ fixture, alerts: true });
      const recs = await tcpRecords(fixture);
      for (const [frame, stream, level, desc] of rows) {
        const name = ALERT_NAMES[desc];
        if (name === undefined) throw new Error(`alert description ${desc} missing from ALERT_NAMES`);
        const ev = recs[Number(stream)]!.events.find((e) => e.type === 'Alert' && e.firstFrame <= Number(frame) && e.frame >= Number(frame));
        expect({ fixture, frame: Number(frame), detail: ev?.detail?.replace(/ ×[\d,]+$/, '') }).toEqual({
          fixture,
          frame: Number(frame),
          detail: `${level === 2 ? 'fatal' : 'warning'} ${name}`,
        });
      }
    }
  });

  test('a one-certificate chain is "1 certificate" (arkime-null-loopback-ssl3-4443.pcap)', async () => {
    const [e] = expectedMetrics('arkime-null-loopback-ssl3-4443.pcap');
    expect(e!.tls!.certificateCount).toBe(1);
    const recs = await tcpRecords('arkime-null-loopback-ssl3-4443.pcap');
    expect(recs[0]!.events.find((x) => x.type === 'Certificate')?.detail).toBe(`1 certificate, ${e!.tls!.certificateBytes} bytes`);
  });
});

/** Handshake message types (RFC 8446 §4, RFC 5246 §7.4) readable in clear, as our event names. */
const HS_NAMES: Record<number, string> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
};

describe('events inside one frame', () => {
  // Fixtures where tshark completes two or more handshake messages in one frame, both sides.
  const tlsFixtures = Object.keys(facts.handshakes);

  test('handshake messages completed in one frame are listed in the order tshark dissects them', async () => {
    for (const fixture of tlsFixtures) {
      let frames = 0;
      const recs = await tcpRecords(fixture);
      for (const [frame, stream, types] of facts.handshakes[fixture]!) {
        const want = types
          .map((t) => HS_NAMES[t])
          .filter((t): t is string => t !== undefined);
        if (want.length < 2) continue;
        const got = recs[Number(stream)]!.events.filter((e) => e.frame === Number(frame) && Object.values(HS_NAMES).includes(e.type)).map((e) =>
          e.type === 'HelloRetryRequest' ? 'ServerHello' : e.type,
        );
        expect({ fixture, frame: Number(frame), types: got }).toEqual({ fixture, frame: Number(frame), types: want });
        frames++;
      }
      expect({ fixture, frames: frames > 0 }).toEqual({ fixture, frames: true });
    }
  });
});

describe('MSS from the SYN and SYN-ACK options (tshark tcp.options.mss_val)', () => {
  test.each(Object.keys(facts.mss))('%s', async (fixture) => {
    const want = new Map<number, { client: number | undefined; server: number | undefined }>();
    for (const [stream, synAck, mss] of facts.mss[fixture]!) {
      const w = want.get(stream) ?? { client: undefined, server: undefined };
      w[synAck ? 'server' : 'client'] ??= mss;
      want.set(stream, w);
    }
    expect(want.size).toBeGreaterThan(0);
    const recs = await tcpRecords(fixture);
    for (const [stream, w] of want) {
      expect({ stream, mss: recs[stream]!.tcp!.mss }).toEqual({ stream, mss: w });
    }
  });
});

describe('roundTrips: server flights the client waited for before setup ended (README rule)', () => {
  const ev = (type: TimelineEvent['type'], from: 'client' | 'server', frame: number, extra: Partial<TimelineEvent> = {}): TimelineEvent => ({
    type,
    from,
    frame,
    firstFrame: frame,
    time: frame,
    bytes: 0,
    ...extra,
  });

  test('no setup end: null', () => {
    expect(roundTrips([ev('SYN', 'client', 1)], undefined)).toBeNull();
  });

  test('a retransmitted SYN between two SYN-ACKs does not make a second flight: the client waited once', () => {
    const events = [
      ev('SYN', 'client', 1),
      ev('SYN-ACK', 'server', 2),
      ev('SYN', 'client', 3, { retransmission: true }),
      ev('SYN-ACK', 'server', 4, { retransmission: true }),
      ev('ACK', 'client', 5),
    ];
    expect(roundTrips(events, 5)).toBe(1);
  });

  test("a FIN or RST is not something said during setup: a server's FIN between its flights does not split them", () => {
    const fin = [ev('SYN', 'client', 1), ev('SYN-ACK', 'server', 2), ev('FIN', 'client', 3), ev('ServerHello', 'server', 4)];
    expect(roundTrips(fin, 4)).toBe(1);
    const rst = [ev('SYN', 'client', 1), ev('SYN-ACK', 'server', 2), ev('RST', 'client', 3), ev('ServerHello', 'server', 4)];
    expect(roundTrips(rst, 4)).toBe(1);
  });

  test('events after the end frame do not count; plaintext turns up to it do, in frame order', () => {
    const events = [ev('SYN', 'client', 1), ev('SYN-ACK', 'server', 2), ev('ACK', 'client', 3), ev('ClientHello', 'client', 8), ev('ServerHello', 'server', 9)];
    const turns = [
      { side: 'server' as const, frame: 4 },
      { side: 'client' as const, frame: 5 },
      { side: 'server' as const, frame: 6 },
      { side: 'client' as const, frame: 7 },
    ];
    expect(roundTrips(events, 9, turns)).toBe(4);
    expect(roundTrips(events, 8, turns)).toBe(3);
    expect(roundTrips(events, 6, turns)).toBe(3);
  });
});

describe("cleartext HTTP/1 requests: tshark's http.request / http.response frames, times from frames.tsv", () => {
  test.each(Object.keys(facts.http))('%s', async (fixture) => {
    const { requests, responses } = facts.http[fixture]!;
    const time = new Map(frames(fixture).map((f) => [f.frame, f]));
    const t0 = time.get(requests[0]![0])!;
    const at = (frame: number): number => msBetween(t0, time.get(frame)!); // ms from a fixed frame: exact enough to compare
    const recs = await tcpRecords(fixture);
    const metrics = expectedMetrics(fixture);
    for (const stream of [...new Set(requests.map((r) => r[1]))]) {
      const c = recs[stream]!;
      const req = requests.filter((r) => r[1] === stream);
      const res = responses.filter((r) => r[1] === stream);
      expect({ stream, protocol: c.httpProtocol, estimated: c.requestsEstimated }).toEqual({ stream, protocol: 'http/1', estimated: false });
      expect(c.requests.map((r) => ({ method: r.method, requestFrame: r.requestFrame, requestEndFrame: r.requestEndFrame, status: r.status, responseFrame: r.responseFrame, responseEndFrame: r.responseEndFrame }))).toEqual(
        req.map((r, i) => ({ method: r[2], requestFrame: r[3], requestEndFrame: r[0], status: res[i]![2], responseFrame: res[i]![3], responseEndFrame: res[i]![0] })),
      );
      c.requests.forEach((r, i) => {
        const [reqEnd, , , reqFirst] = req[i]!;
        const [resEnd, , , resFirst] = res[i]!;
        // Times: epoch seconds of the frames; durations in ms, to 1 µs.
        expect(Math.abs((r.requestTime - t0.sec) * 1000 - t0.nsec / 1e6 - at(reqFirst))).toBeLessThan(0.001);
        expect(Math.abs((r.requestEndTime! - t0.sec) * 1000 - t0.nsec / 1e6 - at(reqEnd))).toBeLessThan(0.001);
        expect(Math.abs((r.responseEndTime! - t0.sec) * 1000 - t0.nsec / 1e6 - at(resEnd))).toBeLessThan(0.001);
        expect(Math.abs(r.ttfbMs! - (at(resFirst) - at(reqFirst)))).toBeLessThan(0.001);
        expect(Math.abs(r.transferMs! - (at(resEnd) - at(resFirst)))).toBeLessThan(0.001);
      });
      const setupMs = metrics.find((m) => m.stream === stream)!.setup.ms!;
      expect(Math.abs(c.setupMsPerRequest! - setupMs / req.length)).toBeLessThan(0.001);
    }
  });

  test("a multi-segment response (zeek-http-pipelined-keepalive.pcap) has a transfer time", () => {
    expect(facts.http['zeek-http-pipelined-keepalive.pcap']!.responses.some(([end, , , first]) => end !== first)).toBe(true);
  });
});

describe('TLS without keys: requests are estimated from the records', () => {
  test('lo-tls12-full.pcap (application data both ways, tshark): estimated, no HTTP protocol, setup shared by them', async () => {
    const [s] = golden('lo-tls12-full.pcap');
    expect(s!.frames.appDataClient).not.toBeNull();
    const c = (await tcpRecords('lo-tls12-full.pcap'))[0]!;
    expect(c.requests.length).toBeGreaterThan(0);
    expect({ estimated: c.requestsEstimated, protocol: c.httpProtocol, decrypted: c.tls!.decrypted }).toEqual({ estimated: true, protocol: null, decrypted: false });
    const setupMs = expectedMetrics('lo-tls12-full.pcap')[0]!.setup.ms!;
    expect(Math.abs(c.setupMsPerRequest! - setupMs / c.requests.length)).toBeLessThan(0.001);
  });

  test('lo-tls-alert-version-mismatch.pcap (no application data, tshark): no requests, not estimated, no per-request setup', async () => {
    const [s] = golden('lo-tls-alert-version-mismatch.pcap');
    expect(s!.frames.appDataClient).toBeNull();
    const c = (await tcpRecords('lo-tls-alert-version-mismatch.pcap'))[0]!;
    expect({ requests: c.requests, estimated: c.requestsEstimated, perRequest: c.setupMsPerRequest }).toEqual({ requests: [], estimated: false, perRequest: null });
  });
});
