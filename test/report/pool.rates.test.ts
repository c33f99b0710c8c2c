/**
 * Rates, not totals: the same workload (sequential GETs over TLS 1.3, curl ->
 * nginx on loopback; scripts/record-fixtures.sh scenario `pool_rate`) recorded
 * as 5 and as 200 requests, each with one connection per request and with
 * keep-alive, must give the same verdict and the same per-request figures.
 * And --rtt projections checked against values computed here by hand from the
 * tshark-derived goldens (test/golden/<fixture>/metrics.json, streams.json).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { simulatePool } from '../../src/report/index.js';
import { expectedMetrics } from '../metrics/expected.js';
import { tsharkText } from '../helpers/tshark.js';

const fixture = (f: string) => path.resolve(process.cwd(), 'fixtures', f);
const SHORT = 'pool-rate-5req-conn-per-request.pcap';
const LONG = 'pool-rate-200req-conn-per-request.pcap';
const SHORT_KA = 'pool-rate-5req-keepalive.pcap';
const LONG_KA = 'pool-rate-200req-keepalive.pcap';

/**
 * Requests per tcp.stream from tshark's records: walking the records under
 * encryption (opaque type 23) in order, the client's first one is its Finished
 * (TLS 1.3, no client certificate), 19-byte ones are alerts (close_notify);
 * after the Finished, every run of client records following a server record
 * (or the first) is a request.
 */
function tsharkRequests(file: string): Map<number, number> {
  const out = tsharkText(
    ['-r', fixture(file), '-Y', 'tls', '-T', 'fields', '-e', 'tcp.stream', '-e', 'tcp.dstport', '-e', 'tls.record.opaque_type', '-e', 'tls.record.length', '-E', 'occurrence=a'],
  );
  const st = new Map<number, { finished: boolean; last: 'c' | 's' | null; n: number }>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [s, dport, types, lens] = line.split('\t');
    const id = Number(s);
    const side = dport === '4434' ? 'c' : 's';
    let x = st.get(id);
    if (!x) st.set(id, (x = { finished: false, last: null, n: 0 }));
    // Records of other types in the same frame carry no opaque type: the lengths list also holds them,
    // so take the last len(types) lengths (encrypted records follow the cleartext ones in a frame).
    const ts = types ? types.split(',') : [];
    const ls = lens.split(',').slice(-ts.length);
    ts.forEach((t, i) => {
      if (t !== '23') return;
      if (side === 'c' && !x!.finished) {
        x!.finished = true;
        return;
      }
      if (!x!.finished || Number(ls[i]) === 19) return;
      if (side === 'c' && x!.last !== 'c') x!.n++;
      x!.last = side;
    });
  }
  return new Map([...st].map(([k, v]) => [k, v.n]));
}

async function pool(file: string, rttMs?: number) {
  const a = await analyzeFile(fixture(file));
  return { a, r: simulatePool(a.connections, rttMs !== undefined ? { rttMs } : {}) };
}

const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0);

describe('requests per connection, estimated from client data bursts', () => {
  test.each([SHORT, LONG, SHORT_KA, LONG_KA])('%s: the count tshark shows per stream', async (file) => {
    const want = tsharkRequests(file);
    const { a, r } = await pool(file);
    for (const c of a.connections) expect(c.tls?.clientBursts).toBe(want.get(c.id));
    expect(r.total.rates.requests).toBe(sum([...want.values()]));
    expect(r.total.rates.requestsEstimated).toBe(true);
  });

  test('the recordings hold 5 and 200 requests', async () => {
    expect(sum([...tsharkRequests(SHORT).values()])).toBe(5);
    expect(sum([...tsharkRequests(LONG_KA).values()])).toBe(200);
  });
});

describe('a short sample reads like a long one', () => {
  test('one connection per request: same verdict, same per-request and per-handshake figures at 5 and 200 requests', async () => {
    const s = (await pool(SHORT)).r.total;
    const l = (await pool(LONG)).r.total;
    expect(s.verdict).toBe('pool');
    expect(l.verdict).toBe(s.verdict);
    // Setup paid per request today: one full TLS 1.3 handshake (2 round trips) per request in both.
    expect(s.rates.perRequest!.roundTrips).toBe(2);
    expect(l.rates.perRequest!.roundTrips).toBe(2);
    expect(s.rates.requestsPerConnection).toBe(1);
    expect(l.rates.requestsPerConnection).toBe(1);
    // What each avoided handshake costs: the same round trips and (to a few bytes: port numbers,
    // ticket sizes) the same bytes.
    expect(s.rates.perHandshake!.roundTrips).toBe(2);
    expect(l.rates.perHandshake!.roundTrips).toBe(2);
    expect(Math.abs(s.rates.perHandshake!.bytes - l.rates.perHandshake!.bytes)).toBeLessThan(0.02 * l.rates.perHandshake!.bytes);
    // A pool avoids all but the first: (n-1)/n handshakes per request.
    expect(s.rates.perRequest!.handshakesAvoided).toBeCloseTo(4 / 5, 9);
    expect(l.rates.perRequest!.handshakesAvoided).toBeCloseTo(199 / 200, 9);
    // The reason speaks in per-request terms in both.
    for (const t of [s, l]) expect(t.reason).toMatch(/Per request \(\d+ requests, estimated from client data bursts\): setup costs [\d.]+ ms and 2 round trips today/);
  });

  test('keep-alive: one connection whatever the sample length, nothing to pool, same per-request round trips', async () => {
    const s = (await pool(SHORT_KA)).r.total;
    const l = (await pool(LONG_KA)).r.total;
    expect(s.verdict).toBe('will-not-help');
    expect(l.verdict).toBe('will-not-help');
    expect(s.rates.perRequest!.roundTrips).toBeCloseTo(2 / 5, 9);
    expect(l.rates.perRequest!.roundTrips).toBeCloseTo(2 / 200, 9);
  });

  test('the old total threshold is gone: a 5-request sample saving little in total still gets pool', async () => {
    // Scale the short sample's setups down to microseconds (what a LAN would show): totals far
    // under any ms threshold, rates unchanged in round trips and share.
    const { a } = await pool(SHORT);
    const tiny = a.connections.map((c) => ({ ...c, setup: { ...c.setup, ms: c.setup.ms! / 100 }, lifetimeMs: c.lifetimeMs / 100 }));
    const r = simulatePool(tiny);
    expect(r.total.setupMsSaved).toBeLessThan(1);
    expect(r.total.verdict).toBe('pool');
  });
});

describe('--rtt: setup projected as round trips x RTT + processing time, against hand-computed values', () => {
  test.each([SHORT, LONG])('%s at 30 ms and at the capture RTT', async (file) => {
    const m = expectedMetrics(file);
    const streams = JSON.parse(readFileSync(path.resolve('test/golden', file, 'streams.json'), 'utf8')) as { stream: number; initialRtt: number }[];
    const rttOf = new Map(streams.map((s) => [s.stream, s.initialRtt * 1000]));
    const rtts = [...rttOf.values()].sort((x, y) => x - y);
    const median = rtts.length % 2 ? rtts[(rtts.length - 1) / 2] : (rtts[rtts.length / 2 - 1] + rtts[rtts.length / 2]) / 2;
    const proc = (w: (typeof m)[number]) => Math.max(0, w.setup.ms! - w.setup.roundTrips! * rttOf.get(w.stream)!);
    const at = (R: number, w: (typeof m)[number]) => w.setup.roundTrips! * R + proc(w);
    const requests = sum([...tsharkRequests(file).values()]);
    // Connections are sequential: the pool avoids every one but the first (stream 0, first by time).
    const later = m.filter((w) => w.stream !== 0);

    const { r } = await pool(file, 30);
    const p = r.total.projections;
    expect(p.map((x) => x.source)).toEqual(['option', 'capture']);
    expect(p[0].rttMs).toBe(30);
    expect(p[0].setupMsPerConnection!).toBeCloseTo(sum(m.map((w) => at(30, w))) / m.length, 2);
    expect(p[0].savedMsPerRequest!).toBeCloseTo(sum(later.map((w) => at(30, w))) / requests, 2);
    expect(p[0].newConnectionsPerRequest!).toBeCloseTo(later.length / requests, 9);
    expect(p[1].rttMs).toBeCloseTo(median, 3);
    // At the capture's own RTT the projection gives back the measured setup.
    expect(p[1].setupMsPerConnection!).toBeCloseTo(sum(m.map((w) => w.setup.ms!)) / m.length, 1);
    // The verdict at 30 ms RTT: about 60 ms saved per request, far over 1 ms.
    expect(r.total.verdict).toBe('pool');
    expect(r.total.reason).toContain(`At 30.0 ms RTT:`);

    // Without --rtt: the capture's RTT next to 1, 20 and 100 ms.
    const d = (await pool(file)).r.total.projections;
    expect(d.map((x) => [x.source, x.source === 'capture' ? 'c' : x.rttMs])).toEqual([
      ['capture', 'c'],
      ['reference', 1],
      ['reference', 20],
      ['reference', 100],
    ]);
    expect(d[3].savedMsPerRequest!).toBeCloseTo(sum(later.map((w) => at(100, w))) / requests, 2);
  });

  test('a minimum saving per request at the given RTT can turn the verdict', async () => {
    const { a } = await pool(SHORT);
    expect(simulatePool(a.connections, { rttMs: 30, minSavedMs: 1000 }).total.verdict).toBe('will-not-help');
    expect(simulatePool(a.connections, { rttMs: 30, minSavedMs: 1000 }).total.reason).toMatch(/1000 ms per request at 30\.0 ms RTT|1,000 ms per request at 30\.0 ms RTT/);
  });
});
