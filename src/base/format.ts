/**
 * Number formatting for sentences (verdicts, findings, notes): values with
 * their unit, '12.3 ms', '1.52 s', '45.0 %'. Table cells use src/view/format.ts.
 */

/** Milliseconds: 2 decimals under 10, 1 under 100, whole above. */
export function fmtMs(ms: number): string {
  const a = Math.abs(ms);
  if (a >= 10_000) return fmtSec(ms / 1000); // 159.5 s reads better than 159506 ms
  return `${a < 10 ? ms.toFixed(2) : a < 100 ? ms.toFixed(1) : Math.round(ms).toString()} ms`;
}

/** Seconds: 3 decimals under 1, 2 under 10, 1 above. */
export function fmtSec(s: number): string {
  const a = Math.abs(s);
  return `${a < 1 ? s.toFixed(3) : a < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
}

/** A 0..1 share as a percentage with one decimal. */
export function fmtPct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** An integer with thousands separators (1,234,567). */
export function fmtInt(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${n === 1 ? one : many}`;
}
