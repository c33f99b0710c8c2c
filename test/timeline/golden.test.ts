/**
 * Every fixture's connections, frame for frame, against tshark's dissection of
 * the same file (test/golden/<fixture>/streams.json, written by
 * `npm run golden` from tshark only).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeFile, type AnalysisResult } from '../../src/analyze.js';
import { goldenFixtures, type GoldenStream } from '../helpers/goldens.js';
import type { ConnectionRecord, EventType } from '../../src/timeline/types.js';

const root = resolve(process.cwd());
const goldenDir = join(root, 'test/golden');


/**
 * Where we deliberately differ from tshark, per fixture and field, and why.
 * Every entry must still be true: a fixed divergence fails the test until it is removed here.
 */
const DIVERGENCES: Record<string, Record<string, string>> = {};

/** Every fixture with tshark goldens (test/helpers/goldens.ts). */
const fixtures = goldenFixtures(goldenDir);

function firstEvent(c: ConnectionRecord, type: EventType, from?: 'client' | 'server'): number | null {
  const e = c.events.find((x) => x.type === type && (from === undefined || x.from === from) && !x.retransmission);
  return e ? e.frame : null;
}

/** Our values for the golden's fields. */
function ours(c: ConnectionRecord): Record<string, unknown> {
  const rst = c.events.find((e) => e.type === 'RST');
  return {
    client: c.client,
    server: c.server,
    'frames.firstSyn': firstEvent(c, 'SYN'),
    'frames.synAck': firstEvent(c, 'SYN-ACK'),
    'frames.handshakeAck': firstEvent(c, 'ACK'),
    'frames.clientHello': firstEvent(c, 'ClientHello'),
    'frames.serverHello': firstEvent(c, 'ServerHello'),
    'frames.ccsClient': firstEvent(c, 'ChangeCipherSpec', 'client'),
    'frames.ccsServer': firstEvent(c, 'ChangeCipherSpec', 'server'),
    'frames.appDataClient': c.tls?.firstApplicationDataRecord.client ?? null,
    'frames.appDataServer': c.tls?.firstApplicationDataRecord.server ?? null,
    'frames.finClient': firstEvent(c, 'FIN', 'client'),
    'frames.finServer': firstEvent(c, 'FIN', 'server'),
    'frames.rst': rst ? rst.frame : null,
    rstFrom: rst ? rst.from : null,
    synCount: c.tcp!.synRetransmits + (firstEvent(c, 'SYN') !== null ? 1 : 0),
    synAckCount: c.tcp!.synAckRetransmits + (firstEvent(c, 'SYN-ACK') !== null ? 1 : 0),
    sni: c.tls?.sni ?? null,
    version: c.tls?.versionCode ?? null,
    cipher: c.tls?.cipherSuite ?? null,
    helloRetry: c.tls?.helloRetry ?? false,
    alertFrames: (c.tls?.alerts ?? []).map((a) => a.frame),
    packets: c.packets,
  };
}

function theirs(g: GoldenStream): Record<string, unknown> {
  const out: Record<string, unknown> = {
    client: g.client,
    server: g.server,
    rstFrom: g.rstFrom,
    synCount: g.synCount,
    synAckCount: g.synAckCount,
    sni: g.sni,
    version: g.version,
    cipher: g.cipher,
    helloRetry: g.helloRetry,
    alertFrames: g.alertFrames,
    packets: g.packets,
  };
  for (const [k, v] of Object.entries(g.frames)) out[`frames.${k}`] = v;
  return out;
}

describe.each(fixtures)('%s agrees with tshark', (fixture) => {
  const golden: GoldenStream[] = JSON.parse(readFileSync(join(goldenDir, fixture, 'streams.json'), 'utf8'));
  let analysis: AnalysisResult;
  beforeAll(async () => {
    analysis = await analyzeFile(join(root, 'fixtures', fixture));
  });

  test('same number of TCP connections as tcp.stream values', () => {
    expect(analysis.connections.filter((c) => c.transport === 'tcp').length).toBe(golden.length);
  });

  test('every connection: roles, handshake frames, TLS facts', () => {
    const divergent = DIVERGENCES[fixture] ?? {};
    const mismatches: string[] = [];
    const stillDivergent = new Set<string>();
    for (const g of golden) {
      // TCP records come first, in tcp.stream order; QUIC records (a capture may hold both) follow.
      const c = analysis.connections.filter((x) => x.transport === 'tcp')[g.stream];
      if (!c) {
        mismatches.push(`stream ${g.stream}: missing`);
        continue;
      }
      const mine = ours(c);
      const ref = theirs(g);
      for (const [k, v] of Object.entries(ref)) {
        const same = JSON.stringify(mine[k]) === JSON.stringify(v);
        const key = `${g.stream}.${k}`;
        if (divergent[key]) {
          if (!same) stillDivergent.add(key);
          continue;
        }
        if (!same) mismatches.push(`stream ${g.stream} ${k}: ours ${JSON.stringify(mine[k])}, tshark ${JSON.stringify(v)}`);
      }
      if (g.initialRtt !== null && divergent[`${g.stream}.initialRtt`] === undefined) {
        const rtt = c.tcp!.initialRttMs;
        if (rtt === null || Math.abs(rtt / 1000 - g.initialRtt) > 1e-6) {
          mismatches.push(`stream ${g.stream} initialRtt: ours ${rtt} ms, tshark ${g.initialRtt} s`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // A divergence that no longer exists must be removed from DIVERGENCES.
    expect([...stillDivergent].sort()).toEqual(Object.keys(divergent).sort());
  });
});

/**
 * Where setup ends, derived from tshark's frames: TLS <= 1.2 completes with the
 * second side's Finished, which follows its ChangeCipherSpec (in the same
 * frame in every fixture here; one where it did not would fail this); TLS 1.3
 * completes with the client's Finished, its first encrypted record (tshark's
 * first type-23 record from the client, when no 0-RTT data came before it).
 */
describe.each(fixtures)('%s: setup ends where tshark shows the handshake complete', (fixture) => {
  const golden: GoldenStream[] = JSON.parse(readFileSync(join(goldenDir, fixture, 'streams.json'), 'utf8'));
  test('setup.endFrame and setup.ms', async () => {
    const a = await analyzeFile(join(root, 'fixtures', fixture));
    const wrong: string[] = [];
    for (const g of golden) {
      const c = a.connections[g.stream];
      if (!c) {
        wrong.push(`stream ${g.stream}: missing`);
        continue;
      }
      const f = g.frames;
      let expected: number | null = null;
      // Decided from tshark's frames only (a first client type-23 record before the ServerHello is 0-RTT
      // data, and then this shortcut says nothing; test/metrics/metrics.test.ts checks every stream's
      // setup.endFrame by the full rule, 0-RTT included).
      if (g.version === 0x0304) {
        if (f.serverHello !== null && f.appDataClient !== null && f.appDataClient > f.serverHello) {
          expected = f.appDataClient;
        }
      } else if (g.version !== null && f.ccsClient !== null && f.ccsServer !== null) {
        expected = Math.max(f.ccsClient, f.ccsServer);
      } else if (g.version === null && f.clientHello === null && f.handshakeAck !== null) {
        expected = f.handshakeAck; // plain TCP: setup is the three-way handshake
      }
      if (expected === null) continue;
      if (c.setup.endFrame !== expected) wrong.push(`stream ${g.stream}: setup ends in frame ${c.setup.endFrame}, tshark's frames say ${expected}`);
      if (f.firstSyn !== null && c.setup.ms === null) wrong.push(`stream ${g.stream}: no setup time`);
    }
    expect(wrong).toEqual([]);
  });
});
