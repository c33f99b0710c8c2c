/**
 * What the TCP and QUIC detectors share: a finding with its catalog severity and
 * its cost rounded to the µs, and the duration format of their details (under
 * 10 ms with one decimal, under 1 s in whole ms, else seconds: 3 decimals under
 * 10 s, one from there on).
 */
import { FINDINGS_CATALOG } from './catalog.js';
import type { Finding, FindingCode } from './types.js';

/** ms from epoch seconds a to b. */
export const ms = (a: number, b: number): number => (b - a) * 1000;
export const fmtS = (msv: number): string => `${(msv / 1000).toFixed(msv < 10_000 ? 3 : 1)} s`;
export const fmtMs = (msv: number): string => (msv < 10 ? `${msv.toFixed(1)} ms` : msv < 1000 ? `${Math.round(msv)} ms` : fmtS(msv));

/** ms to the µs, never negative (a cost from timestamps out of order is 0). */
export const roundMs = (v: number): number => Math.max(0, Math.round(v * 1000) / 1000);

export function make(code: FindingCode, frame: number, detail: string, costMs?: number): Finding {
  const f: Finding = { code, severity: FINDINGS_CATALOG[code].severity, frame, detail };
  if (costMs !== undefined) f.costMs = roundMs(costMs);
  return f;
}
