/**
 * --keylog through the built CLI: a key log file, SSLKEYLOGFILE only with
 * --keylog env, one-line errors (exit 2) for a key log that cannot be read,
 * the pcapng's own secrets without any flag, and the decrypted fields in
 * every machine format (JSON, NDJSON, protobuf read back). Frames come from
 * the tshark golden of the same capture with the same keys.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, repoRoot, runCli } from '../helpers/cli.js';

const CAPTURE = join(repoRoot, 'fixtures/keylog/lo-tls13-full-keylog.pcap');
const KEYS = join(repoRoot, 'fixtures/keylog/lo-tls13-full-keylog.keys.log');
const gold = JSON.parse(readFileSync(join(repoRoot, 'test/golden-keylog/lo-tls13-full-keylog.pcap.json'), 'utf8'));
/** tshark's EncryptedExtensions (8) frame and first server application data. */
const EE_FRAME: number = gold.streams[0].sides.server.handshake.find((m: { type: number }) => m.type === 8).frame;
const SERVER_DATA: number = gold.streams[0].sides.server.firstApplicationData;
const REQUEST_END: number = gold.streams[0].sides.client.http[0].frame;

interface Conn {
  tls: { decrypted: boolean; notDecrypted: string | null; handshakeEndInferred: boolean };
  events: { type: string; from: string; frame: number }[];
  requests: { requestEndFrame: number; method?: string }[];
  requestsEstimated: boolean;
}

const noKeyEnv = { SSLKEYLOGFILE: '' };
let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'hl-keylog-'));
});

function json(args: string[], env: NodeJS.ProcessEnv = noKeyEnv): { conns: Conn[]; warnings: string[]; code: number | null; stderr: string } {
  const r = runCli([...args, '--format', 'json'], { env });
  const doc = r.stdout ? JSON.parse(r.stdout) : { connections: [], capture: { warnings: [] } };
  return { conns: doc.connections, warnings: doc.capture.warnings, code: r.code, stderr: r.stderr };
}

function expectDecrypted(c: Conn): void {
  expect(c.tls.decrypted).toBe(true);
  expect(c.tls.handshakeEndInferred).toBe(false);
  expect(c.events.find((e) => e.type === 'EncryptedExtensions')?.frame).toBe(EE_FRAME);
  expect(c.events.find((e) => e.type === 'ApplicationData' && e.from === 'server')?.frame).toBe(SERVER_DATA);
  expect(c.requestsEstimated).toBe(false);
  expect(c.requests.map((q) => q.requestEndFrame)).toEqual([REQUEST_END]);
}

test('--keylog FILE decrypts', () => {
  const r = json([CAPTURE, '--keylog', KEYS]);
  expect(r.code).toBe(0);
  expectDecrypted(r.conns[0]!);
  expect(r.warnings).toEqual([]);
});

test('SSLKEYLOGFILE alone is not read', () => {
  const r = json([CAPTURE], { SSLKEYLOGFILE: KEYS });
  expect(r.code).toBe(0);
  expect(r.conns[0]!.tls.decrypted).toBe(false);
  expect(r.conns[0]!.tls.notDecrypted).toBeNull();
  expect(r.conns[0]!.tls.handshakeEndInferred).toBe(true);
  expect(r.conns[0]!.events.some((e) => e.type === 'EncryptedExtensions')).toBe(false);
});

test('--keylog env reads SSLKEYLOGFILE', () => {
  const r = json([CAPTURE, '--keylog', 'env'], { SSLKEYLOGFILE: KEYS });
  expect(r.code).toBe(0);
  expectDecrypted(r.conns[0]!);
});

test('--keylog env without SSLKEYLOGFILE: one line, exit 2', () => {
  const r = runCli([CAPTURE, '--keylog', 'env', '--format', 'json'], { env: noKeyEnv });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe('error: --keylog env: SSLKEYLOGFILE is not set\n');
});

test('a missing key log: one line, exit 2', () => {
  const missing = join(tmp, 'nope.keys.log');
  const r = runCli([CAPTURE, '--keylog', missing, '--format', 'json'], { env: noKeyEnv });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(`error: cannot read key log ${missing}: no such file\n`);
});

test("a key log for another capture: one warning, today's timeline", () => {
  const other = join(repoRoot, 'fixtures/keylog/lo-tls13-mtls-keylog.keys.log');
  const r = json([CAPTURE, '--keylog', other]);
  expect(r.code).toBe(0);
  expect(r.conns[0]!.tls.decrypted).toBe(false);
  expect(r.conns[0]!.tls.handshakeEndInferred).toBe(true);
  expect(r.warnings.filter((w) => w.startsWith('key log:'))).toHaveLength(1);
  expect(r.stderr.split('\n').filter((l) => l.startsWith('warning: key log:'))).toHaveLength(1);
});

test('pcapng secrets (DSB) are used without --keylog', () => {
  const dsb = join(repoRoot, 'fixtures/keylog/lo-tls13-dsb-embedded.pcapng');
  const g = JSON.parse(readFileSync(join(repoRoot, 'test/golden-keylog/lo-tls13-dsb-embedded.pcapng.json'), 'utf8'));
  const r = json([dsb]);
  expect(r.conns[0]!.tls.decrypted).toBe(true);
  expect(r.conns[0]!.events.find((e) => e.type === 'EncryptedExtensions')?.frame).toBe(
    g.streams[0].sides.server.handshake.find((m: { type: number }) => m.type === 8).frame,
  );
});

test('NDJSON and protobuf carry the decrypted fields and requests', () => {
  const nd = runCli([CAPTURE, '--keylog', KEYS, '--format', 'ndjson'], { env: noKeyEnv });
  expect(nd.code).toBe(0);
  expectDecrypted(JSON.parse(nd.stdout.split('\n')[0]!));
  const pb = runCli([CAPTURE, '--keylog', KEYS, '--format', 'protobuf'], { env: noKeyEnv });
  expect(pb.code).toBe(0);
  const saved = join(tmp, 'saved.hlpb');
  writeFileSync(saved, pb.stdoutBytes);
  const back = json([saved]);
  const direct = json([CAPTURE, '--keylog', KEYS]);
  expectDecrypted(back.conns[0]!);
  expect(back.conns).toEqual(direct.conns);
});
