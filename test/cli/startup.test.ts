/**
 * Start-up cost (issue 14): a small capture's whole run is mostly loading
 * modules, so what a run does not need is not loaded. protobufjs (36 CommonJS
 * files, ~65 ms of CPU) is needed only to read or write a saved analysis
 * (.hlpb); the text, JSON and NDJSON outputs of a capture never load it.
 *
 * A preload (node --import) counts the protobufjs files in the CommonJS module
 * cache when the process exits: ESM imports of a CommonJS package go through
 * that cache too, so the count is what the run really loaded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, fixture, runCli } from '../helpers/cli.js';

let tmp: string;
let probe: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'hl-startup-'));
  probe = join(tmp, 'probe.mjs');
  writeFileSync(
    probe,
    [
      "import { createRequire } from 'node:module';",
      'const req = createRequire(import.meta.url);',
      "process.on('exit', () => {",
      "  const n = Object.keys(req.cache).filter((k) => k.includes('/node_modules/protobufjs/')).length;",
      '  process.stderr.write(`\\nprotobufjs files loaded: ${n}\\n`);',
      '});',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI with the probe; returns its exit code, stdout and the number of protobufjs files loaded. */
function run(args: string[]): { code: number | null; stdout: Buffer; loaded: number } {
  const r = runCli(args, { env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${probe}`.trim() } });
  const m = /protobufjs files loaded: (\d+)\n$/.exec(r.stderr);
  if (!m) throw new Error(`no probe line in stderr: ${r.stderr.slice(-300)}`);
  return { code: r.code, stdout: r.stdoutBytes, loaded: Number(m[1]) };
}

const capture = fixture('demo-loopback-mix.pcapng');

test.each(['text', 'json', 'ndjson'])('a capture to %s does not load protobufjs', (format) => {
  const r = run([capture, '--format', format]);
  expect(r.code).toBe(0);
  expect(r.stdout.length).toBeGreaterThan(0);
  expect(r.loaded).toBe(0);
});

test('pool and info on a capture do not load protobufjs', () => {
  for (const args of [['pool', capture], ['info', capture]]) {
    const r = run(args);
    expect(r.code).toBe(0);
    expect(r.loaded).toBe(0);
  }
});

test('writing and then reading a saved analysis loads it, and the two agree', () => {
  const w = run([capture, '--format', 'protobuf']);
  expect(w.code).toBe(0);
  expect(w.loaded).toBeGreaterThan(0);
  // The saved analysis starts with the HLPB magic that isSavedAnalysis checks without protobufjs.
  expect(w.stdout.subarray(0, 4).toString('latin1')).toBe('HLPB');
  const saved = join(tmp, 'demo.hlpb');
  writeFileSync(saved, w.stdout);
  const fromCapture = run([capture, '--format', 'ndjson']);
  const fromSaved = run([saved, '--format', 'ndjson']);
  expect(fromSaved.code).toBe(0);
  expect(fromSaved.loaded).toBeGreaterThan(0);
  expect(fromSaved.stdout.toString('utf8')).toBe(fromCapture.stdout.toString('utf8'));
});
