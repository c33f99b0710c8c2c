/**
 * A key log without CLIENT_EARLY_TRAFFIC_SECRET for a connection that sent 0-RTT data
 * (some TLS libraries log it only when asked; a log cut by hand may lose it). The
 * client's records under the early key cannot be opened: before the ServerHello they
 * are read as without keys (early data); after it (EndOfEarlyData, 0-RTT data sent
 * while the handshake runs) they are skipped, as a server that cannot read early data
 * skips the records that do not open under the handshake key (RFC 8446 4.2.10), and
 * decryption goes on with the client's Finished. It used to stop the client's
 * decryption at the first such record ("did not authenticate") and infer the rest.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile, type AnalysisResult } from '../../src/analyze.js';
import { KeyLog } from '../../src/tls/keylog.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';

const FIX = path.resolve('fixtures/keylog');
const CAPTURE = path.join(FIX, 'lo-tls13-early-data-keylog.pcap');
const KEYS = readFileSync(path.join(FIX, 'lo-tls13-early-data-keylog.keys.log'), 'utf8');

const events = (c: ConnectionRecord) => c.events.map((e) => `${e.type} ${e.from} ${e.frame}${e.detail ? ` (${e.detail})` : ''}`);

describe('TLS 1.3 with 0-RTT and no early traffic secret in the key log', () => {
  let full: AnalysisResult;
  let noEarly: AnalysisResult;
  beforeAll(async () => {
    const lines = KEYS.split('\n');
    expect(lines.filter((l) => l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET ')).length).toBeGreaterThan(0);
    full = await analyzeFile(CAPTURE, { keyLog: new KeyLog().add(KEYS) });
    noEarly = await analyzeFile(CAPTURE, { keyLog: new KeyLog().add(lines.filter((l) => !l.startsWith('CLIENT_EARLY_TRAFFIC_SECRET ')).join('\n')) });
  });

  it('the capture has a connection whose EndOfEarlyData comes after the ServerHello (what this test is about)', () => {
    const c = full.connections.find((x) => x.events.some((e) => e.type === 'EndOfEarlyData'))!;
    const sh = c.events.find((e) => e.type === 'ServerHello')!;
    const eoed = c.events.find((e) => e.type === 'EndOfEarlyData')!;
    expect(eoed.frame).toBeGreaterThan(sh.frame);
    expect(c.tls!.earlyData).toBe(true);
  });

  it('every connection is still decrypted; only the records under the early key are not, and one problem says so', () => {
    expect(noEarly.connections.map((c) => [c.tls!.decrypted, c.tls!.notDecrypted])).toEqual(full.connections.map(() => [true, null]));
    const c = noEarly.connections.find((x) => x.tls!.earlyData)!;
    const eoed = full.connections.find((x) => x.id === c.id)!.events.find((e) => e.type === 'EndOfEarlyData')!;
    expect(c.problems).toEqual([
      `client: record in frame ${eoed.frame} is under the 0-RTT key, which the key log lacks (no CLIENT_EARLY_TRAFFIC_SECRET): early records skipped`,
    ]);
    expect(noEarly.capture.warnings.filter((w) => w.startsWith('key log:'))).toEqual([]);
  });

  it('the timeline is the full key log\'s without EndOfEarlyData: the client\'s Finished, the data and the alerts are decrypted', () => {
    for (const c of noEarly.connections) {
      const withKeys = full.connections.find((x) => x.id === c.id)!;
      expect(events(c)).toEqual(events(withKeys).filter((e) => !e.startsWith('EndOfEarlyData ')));
      expect(c.tls!.handshakeEndInferred).toBe(false);
      expect(c.setup).toEqual(withKeys.setup);
    }
  });
});
