/**
 * The findings stage's small parts against README.md and their documented rules:
 * - catalog severities: README's findings table (code → severity);
 * - thresholds: README's options table (defaults) and the rule "every one has a
 *   default" (a value that is not a finite number ≥ 0 falls back to it);
 * - durations in details: src/findings/make.ts's stated format (under 10 ms with
 *   one decimal, under 1 s in whole ms, else seconds: 3 decimals under 10 s, one
 *   from there on), costs rounded to the µs and never negative.
 */
import { DEFAULT_FINDING_OPTIONS, FINDINGS_CATALOG, FINDING_CODES, findingOptions, type FindingOptions } from '../../src/findings/index.js';
import { fmtMs, fmtS, make, ms, roundMs } from '../../src/findings/make.js';

describe('catalog severities as README\'s findings table', () => {
  // | code | severity | when | — README.md, "Findings"
  const README: Record<string, string> = {
    'syn-retransmit': 'warn',
    'synack-retransmit': 'warn',
    'accept-overflow-reset': 'error',
    'connect-timeout': 'error',
    'handshake-failed': 'error',
    'response-timeout': 'error',
    'slow-first-byte': 'warn',
    retry: 'info',
    'retry-no-backoff': 'warn',
    'zero-window': 'warn',
    'idle-close': 'info',
    'stale-reuse': 'error',
    'abortive-reset': 'error',
    'quic-retry': 'info',
    'version-negotiation': 'info',
    'slow-handshake': 'warn',
  };
  test.each(Object.entries(README))('%s: %s', (code, severity) => {
    expect(FINDINGS_CATALOG[code as keyof typeof FINDINGS_CATALOG].severity).toBe(severity);
  });
  test('the same codes, no others', () => {
    expect([...FINDING_CODES].sort()).toEqual(Object.keys(README).sort());
  });
  test('make() takes the severity from the catalog; a cost is kept (0 too) only when given', () => {
    for (const code of FINDING_CODES) expect(make(code, 3, 'd').severity).toBe(README[code]);
    expect(make('retry', 7, 'x')).toEqual({ code: 'retry', severity: 'info', frame: 7, detail: 'x' });
    expect(make('retry', 7, 'x', 0)).toEqual({ code: 'retry', severity: 'info', frame: 7, detail: 'x', costMs: 0 });
    expect(make('retry', 7, 'x', 12.3456)).toEqual({ code: 'retry', severity: 'info', frame: 7, detail: 'x', costMs: 12.346 });
    expect(make('retry', 7, 'x', -5).costMs).toBe(0);
  });
});

describe('thresholds: README\'s defaults; anything but a finite number ≥ 0 falls back', () => {
  test('README options table', () => {
    expect(DEFAULT_FINDING_OPTIONS).toMatchObject({
      slowFirstByteMs: 200,
      responseTimeoutMs: 500,
      handshakeStallMs: 500,
      idleCloseMs: 1000,
      connectTimeoutTailMs: 1000,
      retryWindowMs: 30_000,
      slowHandshakeMs: 300,
      // retry-no-backoff: attempt ≥ 3 with an interval < 100 ms or not growing (≤ 1.2 × the previous)
      noBackoffFromAttempt: 3,
      noBackoffMinIntervalMs: 100,
      backoffGrowth: 1.2,
    });
    expect(Object.isFrozen(DEFAULT_FINDING_OPTIONS)).toBe(true);
  });
  test.each([
    [0, 0],
    [0.5, 0.5],
    [1e9, 1e9],
    [-0.001, 200],
    [-1, 200],
    [Number.NaN, 200],
    [Number.POSITIVE_INFINITY, 200],
    [Number.NEGATIVE_INFINITY, 200],
    [undefined, 200],
  ])('slowFirstByteMs %s → %s; the others stay at their defaults', (v, want) => {
    const o = findingOptions({ slowFirstByteMs: v } as Partial<FindingOptions>);
    expect(o).toEqual({ ...DEFAULT_FINDING_OPTIONS, slowFirstByteMs: want });
  });
  test('every option is taken; the defaults are not changed by it', () => {
    const all = Object.fromEntries(Object.keys(DEFAULT_FINDING_OPTIONS).map((k, i) => [k, i + 0.25])) as unknown as FindingOptions;
    expect(findingOptions(all)).toEqual(all);
    expect(findingOptions({})).toEqual(DEFAULT_FINDING_OPTIONS);
    expect(findingOptions()).not.toBe(DEFAULT_FINDING_OPTIONS);
    expect(DEFAULT_FINDING_OPTIONS.slowFirstByteMs).toBe(200);
  });
});

describe('durations in details (make.ts)', () => {
  test.each([
    [0, '0.0 ms'],
    [0.25, '0.3 ms'],
    [9.5, '9.5 ms'],
    [9.9375, '9.9 ms'],
    [10, '10 ms'],
    [10.5, '11 ms'],
    [519.371, '519 ms'],
    [999, '999 ms'],
    [1000, '1.000 s'],
    [1719.453, '1.719 s'],
    [9999, '9.999 s'],
    [10_000, '10.0 s'],
    [12_500, '12.5 s'],
    [125_000, '125.0 s'],
  ])('fmtMs(%s) = %s', (v, want) => {
    expect(fmtMs(v)).toBe(want);
  });
  test('fmtS always in seconds; ms() from epoch seconds; roundMs to the µs, never negative', () => {
    expect(fmtS(3)).toBe('0.003 s');
    expect(fmtS(9999)).toBe('9.999 s');
    expect(fmtS(10_000)).toBe('10.0 s');
    expect(ms(1.5, 2)).toBe(500);
    expect(ms(2, 1.5)).toBe(-500);
    expect(roundMs(0.0625)).toBe(0.063);
    expect(roundMs(1.2344)).toBe(1.234);
    expect(roundMs(-0.0004)).toBe(0);
    expect(roundMs(-3)).toBe(0);
  });
});
