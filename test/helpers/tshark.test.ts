/**
 * The store of tshark's outputs (test/helpers/tshark.ts) answers only for the
 * exact capture bytes and command line tshark was run with: its keys, and its
 * entries against tshark itself for one fixture.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { STORE, runTshark, storeKey, tshark } from './tshark.js';

const ROOT = resolve(process.cwd());
const FIXTURE = join(ROOT, 'fixtures/lo-tls13-full.pcap');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hl-tshark-store-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a key names the capture by its bytes: the same file elsewhere has the same key, one changed byte another', () => {
  const copy = join(dir, 'copy.pcap');
  copyFileSync(FIXTURE, copy);
  const args = (f: string) => ['-n', '-r', f, '-T', 'fields', '-e', 'frame.number'];
  expect(storeKey(args(copy)).key).toBe(storeKey(args(FIXTURE)).key);
  const bytes = readFileSync(FIXTURE);
  bytes[bytes.length - 1] ^= 1;
  const changed = join(dir, 'changed.pcap');
  writeFileSync(changed, bytes);
  expect(storeKey(args(changed)).key).not.toBe(storeKey(args(FIXTURE)).key);
  // Any other argument changes it too.
  expect(storeKey([...args(FIXTURE), '-e', 'tcp.stream']).key).not.toBe(storeKey(args(FIXTURE)).key);
  // The index shows repository files by their path in it.
  expect(JSON.parse(storeKey(args(FIXTURE)).line)).toEqual(['-n', '-r', 'fixtures/lo-tls13-full.pcap', '-T', 'fields', '-e', 'frame.number']);
});

test('a file named inside an option (a TLS key log) is keyed by its bytes', () => {
  const a = join(dir, 'a.keys');
  const b = join(dir, 'b.keys');
  writeFileSync(a, 'CLIENT_RANDOM 00 11\n');
  writeFileSync(b, 'CLIENT_RANDOM 00 22\n');
  const args = (k: string) => ['-n', '-r', FIXTURE, '-o', `tls.keylog_file:${k}`, '-T', 'fields', '-e', 'frame.number'];
  expect(storeKey(args(a)).key).not.toBe(storeKey(args(b)).key);
  writeFileSync(b, 'CLIENT_RANDOM 00 11\n');
  expect(storeKey(args(a)).key).toBe(storeKey(args(b)).key);
});

test("what the store answers for a fixture is tshark's own output, byte for byte", () => {
  const args = ['-n', '-r', FIXTURE, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream', '-e', 'tls.handshake.type'];
  const live = runTshark(args);
  expect(live.status).toBe(0);
  expect(live.stdout.split('\n').filter(Boolean)).toHaveLength(21);
  expect(tshark(args)).toEqual({ stdout: live.stdout, stderr: live.stderr, status: live.status });
});

test('every entry of the index is in the store, and the store says which tshark wrote it', () => {
  if (process.env.HL_TSHARK_STORE === 'write') return; // being written by this very run
  const keys = readFileSync(join(STORE, 'index.tsv'), 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[0]!);
  expect(keys.length).toBeGreaterThan(100);
  for (const k of keys) expect(existsSync(join(STORE, `${k}.gz`))).toBe(true);
  expect(readFileSync(join(STORE, 'VERSION'), 'utf8')).toMatch(/^TShark \(Wireshark\) 4\.0\./);
});
