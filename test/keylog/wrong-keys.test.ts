/**
 * Keys that do not fit: the timeline stays what it is without keys (inferred),
 * the capture says so in one warning, and a record that fails authentication
 * is a problem on its connection, never a crash.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile, type AnalysisResult } from '../../src/analyze.js';
import { KeyLog } from '../../src/tls/keylog.js';
import { KeySource } from '../../src/timeline/keys.js';
import type { CaptureMeta } from '../../src/capture/types.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';

const FIX = path.resolve('fixtures/keylog');
const CAPTURE = path.join(FIX, 'lo-tls13-mtls-keylog.pcap');

/** What must not change when keys do not fit: everything but the decryption fields and problems. */
function timeline(c: ConnectionRecord): unknown {
  const { problems: _p, tls, ...rest } = c;
  const { notDecrypted: _n, ...t } = tls!;
  return { ...rest, tls: t };
}

const keyWarnings = (a: AnalysisResult) => a.capture.warnings.filter((w) => w.startsWith('key log:'));

describe('a key log that does not fit the capture', () => {
  let plain: AnalysisResult;
  beforeAll(async () => {
    plain = await analyzeFile(CAPTURE);
  });

  it('without keys: inferred, nothing said about keys', () => {
    const c = plain.connections[0]!;
    expect(c.tls!.decrypted).toBe(false);
    expect(c.tls!.notDecrypted).toBeNull();
    expect(c.tls!.handshakeEndInferred).toBe(true);
    expect(keyWarnings(plain)).toEqual([]);
  });

  it("another capture's key log: no secrets, today's inferred timeline, one warning", async () => {
    const other = new KeyLog().add(readFileSync(path.join(FIX, 'lo-tls13-full-keylog.keys.log')));
    const a = await analyzeFile(CAPTURE, { keyLog: other });
    expect(a.connections.map(timeline)).toEqual(plain.connections.map(timeline));
    expect(a.connections.map((c) => c.tls!.notDecrypted)).toEqual(plain.connections.map(() => 'no-secrets'));
    expect(keyWarnings(a)).toEqual([
      `key log: 0 of ${a.connections.length} TLS connection${a.connections.length === 1 ? '' : 's'} decrypted; ${a.connections.length} had no secrets in the key log: every timeline is inferred as without keys`,
    ]);
  });

  it('the right randoms with wrong secrets: authentication fails, a problem, the inferred timeline', async () => {
    // Every secret's last hex digit changed: the randoms match, no record authenticates.
    const text = readFileSync(path.join(FIX, 'lo-tls13-mtls-keylog.keys.log'), 'utf8')
      .split('\n')
      .map((l) => (/^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l) ? l.slice(0, -1) + (l.endsWith('0') ? '1' : '0') : l))
      .join('\n');
    const a = await analyzeFile(CAPTURE, { keyLog: new KeyLog().add(text) });
    expect(a.connections.map(timeline)).toEqual(plain.connections.map(timeline));
    const c = a.connections[0]!;
    expect(c.tls!.notDecrypted).toBe('failed');
    expect(c.problems.filter((p) => /decryption stopped: record in frame \d+ not decrypted \(authentication\)/.test(p)).length).toBeGreaterThan(0);
    expect(keyWarnings(a)).toHaveLength(1);
    expect(keyWarnings(a)[0]).toMatch(/^key log: 0 of 1 TLS connection decrypted; 1 failed to decrypt/);
  });
});

describe('KeySource', () => {
  it('picks up Decryption Secrets Blocks that arrive after the first lookups', () => {
    const keys = readFileSync(path.join(FIX, 'lo-tls13-full-keylog.keys.log'));
    const random = Buffer.from(/CLIENT_HANDSHAKE_TRAFFIC_SECRET ([0-9a-f]{64})/.exec(keys.toString())![1]!, 'hex');
    const meta = { decryptionSecrets: [] as { type: number; data: Buffer }[] } as unknown as CaptureMeta;
    const src = new KeySource(undefined, () => meta);
    expect(src.lookup(random)).toBeNull(); // no key source at all yet
    meta.decryptionSecrets.push({ type: 0x544c534b, data: keys });
    expect(src.lookup(random)?.clientHandshakeTrafficSecret).toBeInstanceOf(Buffer);
    expect(src.dsbBlocks).toBe(1);
  });
});
