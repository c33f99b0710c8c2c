/**
 * Row marks and emphasis of the connections table (issue 10: expensive rows
 * stand out; resumed, mutual-TLS and big-certificate-chain connections are
 * marked). Legend in legend.ts.
 */
import type { ConnRow } from '../report/rows.js';

/** A certificate chain above this many bytes is marked C. */
export const BIG_CHAIN_BYTES = 4096;

export function isMutualTls(c: ConnRow): boolean {
  return c.events.some((e) => e.type === 'CertificateRequest' || (e.type === 'Certificate' && e.from === 'client'));
}

/** The connection failed: refused, unanswered, reset before setup, a fatal alert, or no setup completed. */
export function isFailed(c: ConnRow): boolean {
  if (c.state === 'refused' || c.state === 'unanswered') return true;
  if (c.tls?.alerts.some((a) => a.level === 2)) return true;
  return !c.midstream && c.setup.ms === null && c.state !== 'open';
}

/** 'R' resumed, 'M' mutual TLS, 'C' certificate chain > 4 KiB, 'S' SYN retransmitted, '!' failed. */
export function connectionMarks(c: ConnRow): string {
  let m = '';
  if (c.tls?.resumed) m += 'R';
  if (isMutualTls(c)) m += 'M';
  if ((c.tls?.certificateBytes ?? 0) > BIG_CHAIN_BYTES) m += 'C';
  if ((c.tcp?.synRetransmits ?? 0) > 0) m += 'S';
  if (isFailed(c)) m += '!';
  return m;
}

/**
 * How a row stands out: 'failed' (red), 'expensive' (setup above the
 * capture's p90, or a SYN retransmit: yellow), else null. `p90` null: no
 * threshold (fewer than 10 setups).
 */
export function rowEmphasis(c: ConnRow, p90: number | null): 'failed' | 'expensive' | null {
  if (isFailed(c)) return 'failed';
  if ((c.tcp?.synRetransmits ?? 0) > 0) return 'expensive';
  if (p90 !== null && c.setup.ms !== null && c.setup.ms > p90) return 'expensive';
  return null;
}
