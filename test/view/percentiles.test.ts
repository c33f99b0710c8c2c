/** Percentiles are shown with their count and maximum, and only where there are enough values. */
import { distribution } from '../../src/report/stats.js';
import { percentileLines, shownPercentile } from '../../src/view/model.js';
import { summarize } from '../../src/report/summary.js';
import { analyzeFile } from '../../src/analyze.js';
import { fileURLToPath } from 'node:url';

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('shownPercentile', () => {
  test('p90 needs 10 values, p99 100; p50 any', () => {
    expect(shownPercentile(distribution(range(9)), 'p90')).toBeNull();
    expect(shownPercentile(distribution(range(10)), 'p90')).not.toBeNull();
    expect(shownPercentile(distribution(range(99)), 'p99')).toBeNull();
    expect(shownPercentile(distribution(range(100)), 'p99')).not.toBeNull();
    expect(shownPercentile(distribution([7]), 'p50')).toBe(7);
  });
});

describe('percentile block on a real capture', () => {
  test('each row carries n and max; p99 is not printed for fewer than 100 connections', async () => {
    const a = await analyzeFile(fileURLToPath(new URL('../../fixtures/demo-loopback-mix.pcapng', import.meta.url)));
    const s = summarize(a.connections);
    const lines = percentileLines(s);
    expect(lines[0]!.split(/\s+/)).toEqual(['ms', 'n', 'p50', 'p90', 'p99', 'max']);
    const setup = lines.find((l) => l.startsWith('setup'))!.trim().split(/\s+/);
    const known = a.connections.filter((c) => c.setup.ms !== null).map((c) => c.setup.ms!);
    expect(Number(setup[1])).toBe(known.length);
    expect(setup[4]).toBe('-'); // fewer than 100 values
    // The maximum is the largest setup of any connection (3 s of SYN retransmission in this capture).
    expect(Number(setup[5])).toBeCloseTo(Math.max(...known), 0);
  });
});
