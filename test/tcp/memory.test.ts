/**
 * --memory (issue 15: "peak memory stays under a fixed ceiling, say 1 GiB,
 * configurable"): the caps that hold memory scale with the ceiling, and the
 * CLI's warning names the cap that applied. The capture is an adversarial one
 * from scripts/gen-adversarial.mjs (generated on purpose, as in
 * test/fuzz/adversarial.test.ts): N unanswered SYNs, all open at once, so
 * exactly N minus the open cap are finalized early.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFile, DEFAULT_KEPT_BYTES, DEFAULT_MAX_ROWS, DEFAULT_MEMORY_MIB, memoryCaps } from '../../src/analyze.js';
import { DEFAULT_MAX_OPEN } from '../../src/tcp/tracker.js';
import { DEFAULT_HELD_BUDGET } from '../../src/tcp/reassembly.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';

let tmp: string;
/** 40,000 unanswered SYNs (syn-flood at 0.02 of the 2,000,000). */
let flood: string;
const SYNS = 40_000;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'hl-memory-'));
  flood = join(tmp, 'syn-flood.pcap');
  execFileSync(process.execPath, ['scripts/gen-adversarial.mjs', 'syn-flood', flood, '0.02'], { stdio: 'pipe' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const finalizedEarly = (stderr: string): RegExpExecArray | null =>
  /([\d,]+) connections were finalized early, in the state they had then: more than ([\d,]+) were open at once/.exec(stderr);
const num = (s: string): number => Number(s.replace(/,/g, ''));

describe('memory caps', () => {
  test('at the default ceiling they are the documented defaults; they scale in proportion', () => {
    expect(DEFAULT_MEMORY_MIB).toBe(1024);
    expect(memoryCaps(1024)).toEqual({ maxOpenConnections: DEFAULT_MAX_OPEN, heldBudgetBytes: DEFAULT_HELD_BUDGET, keptBytes: DEFAULT_KEPT_BYTES, maxRows: DEFAULT_MAX_ROWS });
    expect(DEFAULT_MAX_OPEN).toBe(100_000);
    expect(DEFAULT_MAX_ROWS).toBe(1_500_000);
    expect(memoryCaps(512)).toEqual({ maxOpenConnections: 50_000, heldBudgetBytes: 32 << 20, keptBytes: 128 << 20, maxRows: 750_000 });
    expect(memoryCaps(4096)).toEqual({ maxOpenConnections: 400_000, heldBudgetBytes: 256 << 20, keptBytes: 1024 << 20, maxRows: 6_000_000 });
    // Rounded; never below one connection or 1 MiB.
    expect(memoryCaps(100).maxOpenConnections).toBe(9766);
    expect(memoryCaps(1)).toEqual({ maxOpenConnections: 98, heldBudgetBytes: 1 << 20, keptBytes: 1 << 20, maxRows: 1465 });
  });

  test('analyzeFile: memoryMiB sets the open cap; an explicit tracker option wins', async () => {
    const capped = await analyzeFile(flood, { keepConnections: false, memoryMiB: 256 });
    expect(capped.capture.warnings.join('\n')).toContain(`${(SYNS - 25_000).toLocaleString('en-US')} connections were finalized early`);
    const explicit = await analyzeFile(flood, { keepConnections: false, memoryMiB: 256, tracker: { maxOpenConnections: 30_000 } });
    expect(explicit.capture.warnings.join('\n')).toContain('more than 30,000 were open at once');
    const plain = await analyzeFile(flood, { keepConnections: false });
    expect(plain.capture.warnings.join('\n')).not.toContain('finalized early');
  }, 60_000);

  test('CLI --memory: the cap in proportion, named in the warning; every connection still reported', () => {
    const r = runCli([flood, '--format', 'ndjson', '--memory', '256']);
    expect(r.code).toBe(0);
    const m = finalizedEarly(r.stderr);
    expect(m).not.toBeNull();
    expect(num(m![2]!)).toBe(25_000);
    expect(num(m![1]!)).toBe(SYNS - 25_000);
    expect(r.stdout.trim().split('\n').filter((l) => l.includes('"transport"')).length).toBeGreaterThanOrEqual(SYNS);
    const d = runCli([flood, '--format', 'ndjson']);
    expect(d.code).toBe(0);
    expect(finalizedEarly(d.stderr)).toBeNull();
  }, 60_000);

  test('pool --memory: the same cap and warning', () => {
    const r = runCli(['pool', flood, '--memory', '256']);
    expect(r.code).toBe(0);
    const m = finalizedEarly(r.stderr);
    expect(m).not.toBeNull();
    expect(num(m![2]!)).toBe(25_000);
  }, 60_000);

  test('compare --memory: rows of every connection, no kept-records budget (all 40,000 SYNs even at 64 MiB)', () => {
    const small = JSON.parse(runCli(['compare', flood, flood, '--memory', '64', '--format', 'json']).stdout);
    const full = JSON.parse(runCli(['compare', flood, flood, '--format', 'json']).stdout);
    const conns = (c: { destinations: { connections: { before: number } }[] }): number =>
      c.destinations.reduce((n, d) => n + d.connections.before, 0);
    expect(conns(full)).toBe(SYNS);
    expect(conns(small)).toBe(SYNS);
  }, 60_000);

  test('rows (text, JSON, pool, compare) are bounded too: past maxRows a connection is not counted, and a warning says how many', async () => {
    const bounded = await analyzeFile(flood, { rows: true, maxRows: 30_000 });
    expect(bounded.rows).toHaveLength(30_000);
    expect(bounded.capture.warnings).toContain(
      '10,000 connections are not counted in this report\'s figures: it counts the first 30,000 to finish (a row each, bounded by --memory); ' +
        '--format ndjson or protobuf streams every connection',
    );
    // From the memory ceiling: 16 MiB -> 1,500,000 x 16 / 1,024 = 23,438 rows.
    const fromMemory = await analyzeFile(flood, { rows: true, memoryMiB: 16, tracker: { maxOpenConnections: SYNS } });
    expect(fromMemory.rows).toHaveLength(23_438);
    const all = await analyzeFile(flood, { rows: true });
    expect(all.rows).toHaveLength(SYNS);
    expect(all.capture.warnings.some((w) => w.includes('not counted in this report'))).toBe(false);
  });

  test('the kept-records budget (whole records: the terminal UI) in proportion: 64 MiB keeps 16 MiB of records, not all 40,000 SYNs', async () => {
    const small = await analyzeFile(flood, { memoryMiB: 64 });
    expect(small.connections.length).toBeGreaterThan(0);
    expect(small.connections.length).toBeLessThan(SYNS / 2);
    expect(small.capture.warnings.some((w) => /connections are not in this report: it keeps the first/.test(w))).toBe(true);
  }, 60_000);

  test('CLI --memory below 64 MiB, or not a number, is a wrong command line (exit 2)', () => {
    for (const v of ['10', 'abc', '-1']) {
      const r = runCli([flood, '--memory', v]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--memory must be a number of MiB >= 64');
    }
  });
});

describe('the connections still open at the end of the capture', () => {
  test('with a pace (streamed output), they are finalized in steps of 1,024 with a wait between steps: the same records in the same order', async () => {
    const plain: string[] = [];
    await analyzeFile(flood, { keepConnections: false, onConnection: (c) => plain.push(JSON.stringify(c)) });
    expect(plain).toHaveLength(SYNS); // all open until the end (under the cap of 100,000)

    const paced: string[] = [];
    const between: number[] = [];
    let since = 0;
    await analyzeFile(flood, {
      keepConnections: false,
      onConnection: (c) => {
        paced.push(JSON.stringify(c));
        since++;
      },
      pace: () => {
        between.push(since);
        since = 0;
        return new Promise((r) => setImmediate(r));
      },
    });
    expect(paced).toEqual(plain);
    // The reading's waits (a chunk each) see none; then one wait after each step of 1,024.
    const steps = between.filter((n) => n > 0);
    expect(steps.length).toBe(Math.ceil(SYNS / 1024) - 1);
    expect(Math.max(...steps)).toBe(1024);
  });
});
