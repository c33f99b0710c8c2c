/**
 * The NSS key log parser on the recorded key logs (every line must be understood)
 * and on damaged text (problems counted, never a throw).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { KeyLog, MAX_LINE, MAX_PROBLEM_SAMPLES, keyLogFromSecretsBlocks, DSB_TLS_KEY_LOG } from '../../src/tls/keylog.js';
import { readCapture } from '../../src/capture/index.js';
import type { CaptureMeta } from '../../src/capture/index.js';
import { nextTrafficSecret } from '../../src/tls/decrypt/index.js';

const FIX = path.resolve('fixtures/keylog');
const logs = readdirSync(FIX).filter((f) => f.endsWith('.keys.log')).sort();

const R1 = 'ab'.repeat(32);
const S32 = '11'.repeat(32);
const S48 = '22'.repeat(48);

describe.each(logs)('%s', (name) => {
  const text = readFileSync(path.join(FIX, name), 'latin1');
  const log = new KeyLog().add(text, name);
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

  test('every line understood, no problem', () => {
    expect(log.problems).toEqual([]);
    expect(log.stats.problems).toBe(0);
    expect(log.stats.entries + log.stats.ignored).toBe(lines.length);
  });

  test('every line can be looked up by its client random with the same secret', () => {
    const field: Record<string, string> = {
      CLIENT_RANDOM: 'masterSecret',
      CLIENT_EARLY_TRAFFIC_SECRET: 'clientEarlyTrafficSecret',
      CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshakeTrafficSecret',
      SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshakeTrafficSecret',
      CLIENT_TRAFFIC_SECRET_0: 'clientTrafficSecret0',
      SERVER_TRAFFIC_SECRET_0: 'serverTrafficSecret0',
      EXPORTER_SECRET: 'exporterSecret',
      EARLY_EXPORTER_SECRET: 'earlyExporterSecret',
    };
    for (const l of lines) {
      const [label, random, secret] = l.trim().split(' ');
      if (field[label] === undefined) continue; // CLIENT_TRAFFIC_SECRET_N: see the KeyUpdate test
      const s = log.lookup(Buffer.from(random, 'hex')) as unknown as Record<string, Buffer>;
      expect(s).toBeDefined();
      expect({ label, secret: s[field[label]]?.toString('hex') }).toEqual({ label, secret: secret.toLowerCase() });
    }
  });

  test('the same result when the text arrives in 7-byte chunks', () => {
    const chunked = new KeyLog();
    const st = chunked.stream(name);
    for (let i = 0; i < text.length; i += 7) st.push(Buffer.from(text.slice(i, i + 7), 'latin1'));
    st.end();
    expect(chunked.stats).toEqual(log.stats);
    expect(chunked.size).toBe(log.size);
  });
});

test('garbage lines are counted as problems, never thrown, and good lines around them still count', () => {
  const text = [
    '# comment',
    '',
    `CLIENT_RANDOM ${R1} ${S48}`,
    'hello world',
    `CLIENT_RANDOM ${R1.slice(2)} ${S48}`, // random of 31 bytes
    `CLIENT_RANDOM ${R1} zz${S48.slice(2)}`, // not hex
    `CLIENT_RANDOM ${'cd'.repeat(32)} ${S32}`, // master secret of 32 bytes
    `SERVER_HANDSHAKE_TRAFFIC_SECRET ${R1} ${'33'.repeat(20)}`, // 20 bytes
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${R1}`, // 2 fields
    `CLIENT_RANDOM ${R1} ${'44'.repeat(48)}`, // conflicting duplicate: first kept
    `CLIENT_RANDOM ${R1} ${S48}`, // identical duplicate: fine
    `ECH_SECRET ${R1} ${S32}`, // known, unused
    `RSA ${'00'.repeat(8)} ${S48}`, // known, unused
    `SERVER_TRAFFIC_SECRET_0 ${R1.toUpperCase()} ${S32}\r`, // upper case, CRLF
    `QUIC_CLIENT_HANDSHAKE_TRAFFIC_SECRET ${R1} ${S32}`,
    '\u0000\u00ff\u0001 binary',
  ].join('\n');
  const log = new KeyLog();
  expect(() => log.add(text, 't')).not.toThrow();
  expect(log.stats).toMatchObject({ entries: 4, ignored: 2, problems: 8 });
  expect(log.problems.map((p) => p.line)).toEqual([4, 5, 6, 7, 8, 9, 10, 16]);
  const s = log.lookup(R1)!;
  expect(s.masterSecret!.toString('hex')).toBe(S48);
  expect(s.serverTrafficSecret0!.toString('hex')).toBe(S32);
  expect(s.clientHandshakeTrafficSecret!.toString('hex')).toBe(S32);
  expect(log.lookup('cd'.repeat(32))).toBeUndefined();
});

test('a line longer than MAX_LINE is skipped as one problem, also when it arrives in pieces', () => {
  const long = `CLIENT_RANDOM ${R1} ${'5'.repeat(MAX_LINE)}`;
  const text = `${long}\nCLIENT_RANDOM ${R1} ${S48}\n`;
  const whole = new KeyLog().add(text);
  const pieces = new KeyLog();
  const st = pieces.stream();
  for (let i = 0; i < text.length; i += 1000) st.push(text.slice(i, i + 1000));
  st.end();
  for (const log of [whole, pieces]) {
    expect(log.stats).toMatchObject({ entries: 1, problems: 1 });
    expect(log.problems[0]).toMatchObject({ line: 1 });
    expect(log.problems[0].reason).toMatch(/longer than/);
    expect(log.lookup(R1)?.masterSecret?.toString('hex')).toBe(S48);
  }
});

test('problems are counted past the kept samples', () => {
  const log = new KeyLog().add('x\n'.repeat(MAX_PROBLEM_SAMPLES + 5));
  expect(log.stats.problems).toBe(MAX_PROBLEM_SAMPLES + 5);
  expect(log.problems).toHaveLength(MAX_PROBLEM_SAMPLES);
});

test('the pcapng Decryption Secrets Block of the DSB fixture is a TLS key log with the connection\'s secrets', async () => {
  let meta: CaptureMeta | undefined;
  await readCapture(path.join(FIX, 'lo-tls13-dsb-embedded.pcapng'), () => undefined, { onMeta: (m) => (meta = m) });
  expect(meta!.decryptionSecrets.map((b) => b.type)).toEqual([DSB_TLS_KEY_LOG]);
  const { keyLog, tlsBlocks, otherBlocks } = keyLogFromSecretsBlocks(meta!.decryptionSecrets);
  expect({ tlsBlocks, otherBlocks }).toEqual({ tlsBlocks: 1, otherBlocks: 0 });
  expect(keyLog.stats.problems).toBe(0);
  expect(keyLog.size).toBe(1);
});

test('KeyUpdate: our "traffic upd" derivation of CLIENT/SERVER_TRAFFIC_SECRET_0 gives the _N secrets OpenSSL logged', () => {
  const text = readFileSync(path.join(FIX, 'lo-tls13-key-update-keylog.keys.log'), 'latin1');
  const log = new KeyLog().add(text);
  expect(log.stats.ignored).toBe(2);
  const n = new Map(text.split('\n').filter((l) => /_TRAFFIC_SECRET_N /.test(l)).map((l) => [l.split(' ')[0], l.split(' ')[2].trim()]));
  const s = [...text.matchAll(/^CLIENT_TRAFFIC_SECRET_0 ([0-9a-f]{64})/gm)].map((m) => log.lookup(m[1])!)[0];
  const hash = s.clientTrafficSecret0!.length === 48 ? 'sha384' : 'sha256';
  expect(nextTrafficSecret(hash, s.clientTrafficSecret0!).toString('hex')).toBe(n.get('CLIENT_TRAFFIC_SECRET_N'));
  expect(nextTrafficSecret(hash, s.serverTrafficSecret0!).toString('hex')).toBe(n.get('SERVER_TRAFFIC_SECRET_N'));
});
