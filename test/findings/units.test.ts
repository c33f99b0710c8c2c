/**
 * The findings stage's parts on real captures: thresholds are options, the
 * retry state is small and incremental, facts stay bounded, the vantage guess
 * follows the handshake legs tshark shows.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import {
  emptyFacts,
  findingOptions,
  FindingsEngine,
  FINDING_CODES,
  FINDINGS_CATALOG,
  DEFAULT_FINDING_OPTIONS,
  guessVantage,
  handshakeLegs,
  isCloseAlertPayload,
  MAX_TURNS,
  RetryTracker,
  type Finding,
  type FindingOptions,
} from '../../src/findings/index.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { tsharkFacts, tsharkOutput } from './tshark-facts.js';

const root = resolve(process.cwd());
const fx = (name: string): string => join(root, 'fixtures', name);
const golden = (name: string): string => join(root, 'test/golden', name, 'streams.json');

async function closeOrder(name: string): Promise<{ records: ConnectionRecord[]; end: number }> {
  const records: ConnectionRecord[] = [];
  const a = await analyzeFile(fx(name), { onConnection: (c) => records.push(c) });
  return { records, end: a.capture.end! };
}

async function run(name: string, options: Partial<FindingOptions> = {}): Promise<Finding[]> {
  const { records, end } = await closeOrder(name);
  const facts = tsharkFacts(fx(name), golden(name));
  const e = new FindingsEngine(options);
  return records.flatMap((r) => e.connection(r, facts.get(r.id) ?? emptyFacts(), end));
}

describe('catalog', () => {
  test('every code has a severity, a one-line explanation and a next step; no other codes', () => {
    expect(Object.keys(FINDINGS_CATALOG).sort()).toEqual([...FINDING_CODES].sort());
    for (const c of FINDING_CODES) {
      const e = FINDINGS_CATALOG[c];
      expect(['info', 'warn', 'error']).toContain(e.severity);
      expect(e.explanation.length).toBeGreaterThan(20);
      expect(e.explanation).not.toContain('\n');
      expect(e.nextStep.length).toBeGreaterThan(20);
    }
  });
});

describe('thresholds are options', () => {
  test('defaults as documented; bad values fall back to them', () => {
    expect(findingOptions()).toEqual(DEFAULT_FINDING_OPTIONS);
    expect(DEFAULT_FINDING_OPTIONS.slowFirstByteMs).toBe(200);
    expect(DEFAULT_FINDING_OPTIONS.responseTimeoutMs).toBe(500);
    const o = findingOptions({ slowFirstByteMs: 1000, responseTimeoutMs: -1, idleCloseMs: Number.NaN });
    expect(o.slowFirstByteMs).toBe(1000);
    expect(o.responseTimeoutMs).toBe(DEFAULT_FINDING_OPTIONS.responseTimeoutMs);
    expect(o.idleCloseMs).toBe(DEFAULT_FINDING_OPTIONS.idleCloseMs);
  });

  test('the 580 ms first byte is slow at 200 ms, not at 1 s', async () => {
    const name = 'findings/f-slow-first-byte-server-side.pcap';
    expect((await run(name)).map((f) => f.code)).toEqual(['slow-first-byte']);
    expect(await run(name, { slowFirstByteMs: 1000 })).toEqual([]);
  });

  test('the client that gave up after 1.5 s timed out at 0.5 s, not at 2 s', async () => {
    const name = 'findings/e-response-timeout.pcap';
    expect((await run(name)).map((f) => f.code)).toEqual(['response-timeout']);
    expect(await run(name, { responseTimeoutMs: 2000 })).toEqual([]);
  });

  test('nginx\'s 2 s keep-alive close is an idle close at 1 s, not at 3 s (the stale reuse stays)', async () => {
    const name = 'findings/i-nginx-idle-close-stale-reuse.pcap';
    expect((await run(name)).map((f) => f.code)).toEqual(['idle-close', 'stale-reuse']);
    expect((await run(name, { idleCloseMs: 3000 })).map((f) => f.code)).toEqual(['stale-reuse']);
  });
});

describe('retries: incremental, small state', () => {
  test('one remembered destination per failing series; a retry window shorter than the pauses sees no retries', async () => {
    const { records } = await closeOrder('findings/g-retry-backoff.pcap');
    const t = new RetryTracker();
    const found = records.flatMap((r) => t.observe(r, []));
    expect(found.map((f) => f.code)).toEqual(['retry', 'retry', 'retry', 'retry']);
    expect(t.size).toBe(1);
    const narrow = new RetryTracker(findingOptions({ retryWindowMs: 400 }));
    expect(records.flatMap((r) => narrow.observe(r, []))).toEqual([]);
  });

  test('intervals grow 0.5, 1, 2, 4 s: no retry-no-backoff; with growth required above 2.5x it is flagged', async () => {
    const { records } = await closeOrder('findings/g-retry-backoff.pcap');
    const t = new RetryTracker();
    expect(records.flatMap((r) => t.observe(r, [])).filter((f) => f.code === 'retry-no-backoff')).toEqual([]);
    const strict = new RetryTracker(findingOptions({ backoffGrowth: 2.5 }));
    expect(records.flatMap((r) => strict.observe(r, [])).some((f) => f.code === 'retry-no-backoff')).toBe(true);
  });

  test('the state is bounded by maxDestinations', async () => {
    const a = await closeOrder('findings/g-retry-backoff.pcap');
    const b = await closeOrder('findings/g-retry-no-backoff.pcap');
    const t = new RetryTracker(DEFAULT_FINDING_OPTIONS, { maxDestinations: 1, maxAttempts: 2 });
    for (const r of [...a.records, ...b.records]) {
      t.observe(r, []);
      expect(t.size).toBe(1);
      expect(t.attempts).toBeLessThanOrEqual(2);
    }
  });

  test('a short attempt list still numbers a long series right (attempt 5 after 4 forgotten ones)', async () => {
    const { records } = await closeOrder('findings/g-retry-backoff.pcap');
    const t = new RetryTracker(DEFAULT_FINDING_OPTIONS, { maxAttempts: 2 });
    const found = records.flatMap((r) => t.observe(r, []));
    expect(found.map((f) => f.detail.split(',')[0])).toEqual(['attempt 2', 'attempt 3', 'attempt 4', 'attempt 5']);
  });

  test('records closing out of order: the same retries, the early ones through onLate', async () => {
    for (const name of ['findings/g-retry-after-connect-timeout.pcap', 'findings/g-retry-no-backoff.pcap']) {
      const { records } = await closeOrder(name);
      const inOrder = new RetryTracker();
      const want = records.flatMap((r) => inOrder.observe(r, []).map((f) => `${r.id}:${f.code}:${f.frame}:${f.detail}`));
      // A late finding replaces the connection's finding with the same code and frame.
      const got = new Map<string, string>();
      const put = (id: number, fs: Finding[]): void => fs.forEach((f) => got.set(`${id}:${f.code}:${f.frame}`, f.detail));
      const reversed = new RetryTracker(DEFAULT_FINDING_OPTIONS, { onLate: put });
      for (const r of [...records].reverse()) put(r.id, reversed.observe(r, []));
      expect(want.length).toBeGreaterThan(0);
      expect([...got].map(([k, d]) => `${k}:${d}`).sort()).toEqual(want.sort());
    }
  });

  test('simultaneous failures to one destination are not retries of each other', async () => {
    // a-syn-backlog-full: two clients start together and both time out.
    const found = await run('findings/a-syn-backlog-full.pcap');
    expect(found.filter((f) => f.code === 'retry')).toEqual([]);
  });
});

describe('facts stay bounded', () => {
  const names = ['ndpi-sll-tls13-cloudflare.pcap', 'zeek-http-pipelined-keepalive.pcap', 'ndpi-pcapng-3if-anydesk-tls.pcapng', 'pool-after-keepalive.pcap'];
  test(`at most ${MAX_TURNS} turns kept, the rest summarised; at least one capture has more`, () => {
    let most = 0;
    for (const n of names) {
      const opts: Record<string, string[]> = JSON.parse(readFileSync(join(root, 'test/golden/options.json'), 'utf8'));
      for (const f of tsharkFacts(fx(n), golden(n), opts[n] ?? []).values()) {
        expect(f.turns.length).toBe(Math.min(f.turnCount, MAX_TURNS));
        expect(f.slowestLaterTurn !== null).toBe(f.turnCount > MAX_TURNS);
        most = Math.max(most, f.turnCount);
      }
    }
    expect(most).toBeGreaterThan(MAX_TURNS);
  });
});

describe('vantage point', () => {
  /** SYN -> SYN-ACK and SYN-ACK -> ACK from tshark's frame times (golden frames.tsv and streams.json). */
  function tsharkLegs(name: string): { a: number; b: number }[] {
    const times = new Map<number, number>();
    for (const line of readFileSync(join(root, 'test/golden', name, 'frames.tsv'), 'utf8').split('\n').slice(1)) {
      const c = line.split('\t');
      if (c[0]) times.set(Number(c[0]), Number(c[1]));
    }
    const streams: { frames: Record<string, number | null>; synCount: number }[] = JSON.parse(readFileSync(golden(name), 'utf8'));
    return streams
      .filter((s) => s.synCount === 1 && s.frames.synAck !== null && s.frames.handshakeAck !== null)
      .map((s) => ({
        a: (times.get(s.frames.synAck!)! - times.get(s.frames.firstSyn!)!) * 1000,
        b: (times.get(s.frames.handshakeAck!)! - times.get(s.frames.synAck!)!) * 1000,
      }));
  }

  test.each([
    // curl on the client host: SYN -> SYN-ACK is the round trip (~20 ms), the ACK follows at once.
    ['arkime-curl-tls13.pcap', 'client'],
    // The SYN-ACK leaves 1 ms after the SYN; the client's ACK comes 27 ms later: taken at the server.
    ['ndpi-vlan-tls12-many-ciphers.pcap', 'server'],
    // Loopback: both legs are microseconds of host turnaround; no way to tell.
    ['lo-tls13-full.pcap', 'unknown'],
  ])('%s: %s', async (name, point) => {
    const { records } = await closeOrder(name);
    const legs = records.map(handshakeLegs).filter((x) => x !== null);
    const ref = tsharkLegs(name);
    expect(legs.length).toBe(ref.length);
    legs.forEach((l, i) => {
      expect(Math.abs(l.synToSynAckMs - ref[i]!.a)).toBeLessThan(0.002);
      expect(Math.abs(l.synAckToAckMs - ref[i]!.b)).toBeLessThan(0.002);
    });
    expect(guessVantage(records).point).toBe(point);
  });
});

describe('closing alerts from payload bytes', () => {
  /** tcp.payload of the first frame matching a display filter, as tshark shows it. */
  function payload(name: string, filter: string): Buffer {
    const r = tsharkOutput(fx(name), ['-Y', filter, '-T', 'fields', '-e', 'tcp.payload']);
    return Buffer.from((r.stdout.split('\n')[0] ?? '').trim().replace(/:/g, ''), 'hex');
  }
  const CLIENT = 'ip.src==10.99.0.1';
  test.each([
    // nginx's TLS 1.3 encrypted close_notify (24 bytes) and the client's stale request
    ['findings/i-nginx-idle-close-stale-reuse.pcap', 'tls.record.length==19', true],
    ['findings/i-nginx-idle-close-stale-reuse.pcap', `${CLIENT} && tls.record.opaque_type==23 && tcp.len>24`, false],
    // TLS 1.2: the encrypted alert record (type 21) and application data
    ['findings/k-normal-closes.pcap', 'tls.record.content_type==21', true],
    ['findings/k-normal-closes.pcap', 'tls.record.content_type==23', false],
    // the plaintext unknown_ca alert; a plain HTTP request
    ['findings/j-tls-handshake-alerts.pcap', 'tls.alert_message.desc==48', true],
    ['findings/e-response-timeout.pcap', `${CLIENT} && tcp.len>0`, false],
  ])('%s, first frame with %s: %s', (name, filter, want) => {
    const p = payload(name, filter);
    expect(p.length).toBeGreaterThan(0);
    expect(isCloseAlertPayload(p)).toBe(want);
  });
});
