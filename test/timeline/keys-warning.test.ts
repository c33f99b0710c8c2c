/**
 * The capture's one key-log warning and the per-connection decryption outcome
 * (src/timeline/keys.ts KeySource) on key logs that fit some connections and
 * not others. Expected values come from tshark's dissection of the same
 * capture (each connection's ClientHello random and the ServerHello's cipher
 * suite with its name) and the README's rules ("Decrypting TLS with a key
 * log": TLS 1.2 AEAD suites — AES-GCM, ChaCha20-Poly1305 — and TLS 1.3's
 * AES-GCM and ChaCha20 suites are decrypted, CBC is not; a connection whose
 * random has no line is "no secrets"; one warning per capture), never from
 * our output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile, type AnalysisResult } from '../../src/analyze.js';
import type { CaptureMeta } from '../../src/capture/types.js';
import { KeyLog } from '../../src/tls/keylog.js';
import { KeySource } from '../../src/timeline/keys.js';
import { tsharkOutput } from '../findings/tshark-facts.js';

const KEYLOG = path.resolve('fixtures/keylog');
const QUIC = path.resolve('fixtures/quic');

const keyWarnings = (a: AnalysisResult): string[] => a.capture.warnings.filter((w) => w.startsWith('key log'));

/** tshark's rows for `filter`, tab-separated `fields`. */
function tshark(capture: string, filter: string, fields: string[], extra: string[] = []): string[][] {
  const r = tsharkOutput(capture, ['-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f]), ...extra]);
  expect(r.status).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** Per tcp.stream: the ClientHello random (hex) and the ServerHello's cipher suite name, from tshark. */
function tlsStreams(capture: string): { stream: number; port: number; random: string; suite: string }[] {
  const hellos = tshark(capture, 'tls.handshake.type == 1', ['tcp.stream', 'tcp.srcport', 'tls.handshake.random']);
  const suites = new Map(
    tshark(capture, 'tls.handshake.type == 2', ['tcp.stream', '_ws.col.cs'], ['-o', 'gui.column.format:"cs","%Cus:tls.handshake.ciphersuite"']).map(([s, name]) => [Number(s), name!]),
  );
  return hellos.map(([s, port, random]) => ({ stream: Number(s), port: Number(port), random: random!, suite: suites.get(Number(s))! }));
}

/** The README's list of what is decrypted: AEAD suites (AES-GCM, ChaCha20-Poly1305). */
const aead = (suite: string): boolean => /_GCM_|CHACHA20_POLY1305/.test(suite);

describe('TLS 1.2 over TCP: lo-tls12-3suites-keylog.pcap (AES-256-GCM, ChaCha20-Poly1305, AES-128-CBC)', () => {
  const capture = path.join(KEYLOG, 'lo-tls12-3suites-keylog.pcap');
  const lines = readFileSync(path.join(KEYLOG, 'lo-tls12-3suites-keylog.keys.log'), 'utf8').split('\n');

  /** The warning and each connection's outcome for a key log holding the lines of `keep` only. */
  async function check(keep: (random: string) => boolean): Promise<void> {
    const streams = tlsStreams(capture);
    expect(streams.map((s) => s.suite.includes('_CBC_'))).toContain(true);
    const text = lines.filter((l) => !/^CLIENT_RANDOM /.test(l) || keep(l.split(' ')[1]!.toLowerCase())).join('\n');
    const a = await analyzeFile(capture, { keyLog: new KeyLog().add(text) });
    const has = (random: string): boolean => text.toLowerCase().includes(` ${random} `);
    const outcome = (s: (typeof streams)[number]): string | null => (!has(s.random) ? 'no-secrets' : aead(s.suite) ? null : 'unsupported');
    expect(a.connections.map((c) => [c.client.port, c.tls?.decrypted, c.tls?.notDecrypted])).toEqual(
      streams.map((s) => [s.port, outcome(s) === null, outcome(s)]),
    );
    const n = streams.length;
    const decrypted = streams.filter((s) => outcome(s) === null).length;
    const noSecrets = streams.filter((s) => outcome(s) === 'no-secrets').length;
    const unsupported = streams.filter((s) => outcome(s) === 'unsupported').length;
    const parts = [
      ...(noSecrets > 0 ? [`${noSecrets} had no secrets in the key log`] : []),
      ...(unsupported > 0 ? [`${unsupported} not decryptable (version or cipher suite, e.g. CBC)`] : []),
    ];
    expect(n).toBe(3);
    expect(keyWarnings(a)).toEqual([
      `key log: ${decrypted} of ${n} TLS connections decrypted; ${parts.join(', ')}: ${decrypted === 0 ? 'every timeline is' : 'those timelines are'} inferred as without keys`,
    ]);
  }

  test('its whole key log: the CBC connection is not decryptable, the two AEAD ones are decrypted', async () => {
    await check(() => true);
  });

  test('without the first connection\'s line: one without secrets, one not decryptable, one decrypted', async () => {
    const [firstStream] = tlsStreams(capture);
    await check((random) => random !== firstStream!.random);
  });

  test('with only the CBC connection\'s line: none decrypted', async () => {
    const cbc = tlsStreams(capture).find((s) => !aead(s.suite))!;
    await check((random) => random === cbc.random);
  });
});

describe('QUIC: quic-chacha20-aes256.pcap, the AES-256-GCM/SHA-384 connection given 32-byte secrets', () => {
  test('that connection is not decryptable (a problem on it), the other decrypted, one warning', async () => {
    const capture = path.join(QUIC, 'quic-chacha20-aes256.pcap');
    const hellos = tshark(capture, 'tls.handshake.type == 1', ['quic.connection.number', 'udp.srcport', 'tls.handshake.random', 'quic.version']);
    const suites = new Map(tshark(capture, 'tls.handshake.type == 2', ['quic.connection.number', 'tls.handshake.ciphersuite']).map(([c, s]) => [c!, Number(s)]));
    const sha384 = hellos.find(([c]) => suites.get(c!) === 0x1302)!;
    expect(hellos).toHaveLength(2);
    // SHA-384's secrets are 48 bytes (RFC 8446 §7.1); keep 32 of that connection's.
    const text = readFileSync(path.join(QUIC, 'quic-chacha20-aes256.keys'), 'utf8')
      .split('\n')
      .map((l) => (l.split(' ')[1] === sha384[2] ? l.slice(0, l.lastIndexOf(' ') + 1 + 64) : l))
      .join('\n');
    const a = await analyzeFile(capture, { keyLog: new KeyLog().add(text) });
    const quic = a.connections.filter((c) => c.transport === 'quic');
    expect(quic.map((c) => [c.client.port, c.tls?.decrypted, c.tls?.notDecrypted, c.problems])).toEqual(
      hellos.map(([c, port, , version]) =>
        c === sha384[0]
          ? [Number(port), false, 'unsupported', [`key log secrets not usable with cipher suite 0x1302 and QUIC ${Number(version)}`]]
          : [Number(port), true, null, []],
      ),
    );
    expect(keyWarnings(a)).toEqual(['key log: 1 of 2 TLS connections decrypted; 1 not decryptable (version or cipher suite, e.g. CBC): those timelines are inferred as without keys']);
  });
});

describe('KeySource', () => {
  const keys = readFileSync(path.join(KEYLOG, 'lo-tls13-full-keylog.keys.log'));
  const random = Buffer.from(/CLIENT_HANDSHAKE_TRAFFIC_SECRET ([0-9a-f]{64})/.exec(keys.toString())![1]!, 'hex');
  const block = (data: Buffer) => ({ type: 0x544c534b, data }); // 'TLSK': a TLS key log (pcapng DSB)

  test('hasSecrets: none without a source or with an empty key log; yes with a key log file or once a secrets block arrives', () => {
    const meta = { decryptionSecrets: [] as { type: number; data: Buffer }[] } as unknown as CaptureMeta;
    expect(new KeySource(undefined, () => undefined).hasSecrets).toBe(false);
    expect(new KeySource(new KeyLog(), () => undefined).hasSecrets).toBe(false);
    expect(new KeySource(new KeyLog().add(keys), () => undefined).hasSecrets).toBe(true);
    const src = new KeySource(undefined, () => meta);
    expect([src.hasSecrets, src.asked]).toEqual([false, false]);
    meta.decryptionSecrets.push(block(keys));
    expect([src.hasSecrets, src.asked]).toEqual([true, true]);
  });

  test('secrets blocks are counted once each, however often they are looked at', () => {
    const other = readFileSync(path.join(KEYLOG, 'lo-tls13-mtls-keylog.keys.log'));
    const meta = { decryptionSecrets: [block(other)] } as unknown as CaptureMeta;
    const src = new KeySource(undefined, () => meta);
    expect(src.lookup(random)).toBeUndefined(); // a source, but not this random
    expect(src.dsbBlocks).toBe(1);
    meta.decryptionSecrets.push(block(keys));
    expect(src.lookup(random)?.clientHandshakeTrafficSecret).toBeInstanceOf(Buffer);
    expect(src.hasSecrets).toBe(true);
    expect(src.dsbBlocks).toBe(2);
  });
});
