/**
 * The key-log warning's "of N TLS connections" (src/timeline/keys.ts count(),
 * README "Decrypting TLS with a key log"): N counts connections whose
 * ServerHello chose a cipher; a ClientHello that was never answered is not
 * counted, whether its random is in the key log or not.
 *
 * The capture is fixtures/keylog/lo-tls12-3suites-keylog.pcap (three TLS 1.2
 * connections: AES-256-GCM, ChaCha20-Poly1305, AES-128-CBC) with every frame of
 * its first connection after the ClientHello removed by editcap, as if the
 * server never answered. Which frames, which streams have a ServerHello and
 * which cipher each chose come from tshark.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { KeyLog } from '../../src/tls/keylog.js';
import { tsharkOutput } from '../findings/tshark-facts.js';

const SOURCE = path.resolve('fixtures/keylog/lo-tls12-3suites-keylog.pcap');
const KEYS = readFileSync(path.resolve('fixtures/keylog/lo-tls12-3suites-keylog.keys.log'), 'utf8');
let tmp = '';
let capture = '';

function tshark(file: string, filter: string, fields: string[]): string[][] {
  const r = tsharkOutput(file, ['-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
  expect(r.status).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'hl-unanswered-'));
  capture = path.join(tmp, 'first-hello-unanswered.pcap');
  const [hello] = tshark(SOURCE, 'tcp.stream == 0 && tls.handshake.type == 1', ['frame.number']);
  const after = tshark(SOURCE, `tcp.stream == 0 && frame.number > ${hello![0]}`, ['frame.number']).map(([f]) => f!);
  expect(after.length).toBeGreaterThan(3);
  // editcap deletes the frames it is given.
  execFileSync('editcap', ['-F', 'pcap', SOURCE, capture, ...after], { stdio: 'pipe' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('an unanswered ClientHello with its secrets in the key log is neither decrypted nor counted', async () => {
  const hellos = tshark(capture, 'tls.handshake.type == 1', ['tcp.stream', 'tcp.srcport', 'tls.handshake.random']);
  const answered = new Map(tshark(capture, 'tls.handshake.type == 2', ['tcp.stream', 'tls.handshake.ciphersuite']).map(([s, c]) => [Number(s), Number(c)]));
  expect(hellos).toHaveLength(3);
  expect(answered.has(0)).toBe(false);
  // The key log keeps the unanswered connection's line and drops the second connection's: a "no secrets" warning.
  const dropped = hellos.find(([s]) => s === '1')![2]!;
  const kept = hellos.find(([s]) => s === '0')![2]!;
  const text = KEYS.split('\n')
    .filter((l) => !l.toLowerCase().includes(` ${dropped} `))
    .join('\n');
  expect(text.toLowerCase()).toContain(` ${kept} `);
  const a = await analyzeFile(capture, { keyLog: new KeyLog().add(text) });

  // RFC 5288 / RFC 7905: the AEAD suites (GCM 0x009c-0x00a7, 0xc02b-0xc032; ChaCha20-Poly1305 0xcca8-0xccae) are decrypted, CBC is not.
  const aead = (c: number): boolean => (c >= 0x009c && c <= 0x00a7) || (c >= 0xc02b && c <= 0xc032) || (c >= 0xcca8 && c <= 0xccae);
  const outcome = new Map<number, string | null>();
  for (const [s, cipher] of answered) outcome.set(s, s === 1 ? 'no-secrets' : aead(cipher) ? null : 'unsupported');
  const byPort = new Map(hellos.map(([s, port]) => [Number(port), Number(s)]));
  for (const c of a.connections) {
    const s = byPort.get(c.client.port)!;
    if (s === 0) {
      expect(c.tls).not.toBeNull();
      expect([c.tls!.decrypted, c.tls!.notDecrypted]).toEqual([false, null]);
    } else expect([c.tls!.decrypted, c.tls!.notDecrypted]).toEqual([outcome.get(s) === null, outcome.get(s)]);
  }
  const decrypted = [...outcome.values()].filter((o) => o === null).length;
  const noSecrets = [...outcome.values()].filter((o) => o === 'no-secrets').length;
  const unsupported = [...outcome.values()].filter((o) => o === 'unsupported').length;
  const parts = [`${noSecrets} had no secrets in the key log`, ...(unsupported > 0 ? [`${unsupported} not decryptable (version or cipher suite, e.g. CBC)`] : [])];
  expect(a.capture.warnings.filter((w) => w.startsWith('key log'))).toEqual([
    `key log: ${decrypted} of ${answered.size} TLS connections decrypted; ${parts.join(', ')}: ${decrypted === 0 ? 'every timeline is' : 'those timelines are'} inferred as without keys`,
  ]);
});
