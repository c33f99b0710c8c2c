/**
 * Findings across connections: per code, how many connections and the time
 * they cost; why handshakes failed; which resets were ordinary closes. Pure
 * functions over records (the findings themselves come from src/findings).
 */
import { FINDING_CODES, type FindingCode, type Severity } from '../timeline/types.js';
import type { ConnRow } from './rows.js';
import { alertName } from '../tls/names.js';

export interface FindingGroup {
  code: FindingCode;
  /** The most severe severity among the group's findings. */
  severity: Severity;
  /** Connections with at least one finding of this code, and those findings counted. */
  connections: number;
  findings: number;
  /** The first GROUP_IDS_KEPT of those connections' ids (a list of all of them grew with the capture: 90 MB for 1M SYNs). */
  connectionIds: number[];
  /** Sum of the findings' costMs (0 when none of them has one). */
  costMs: number;
}

export const SEVERITY_RANK: Record<Severity, number> = { error: 2, warn: 1, info: 0 };
const CODE_ORDER = new Map(FINDING_CODES.map((c, i) => [c, i]));

/** Connection ids a FindingGroup names (its line in the findings view shows them). */
export const GROUP_IDS_KEPT = 12;

/** One group per code present, most severe first, then most connections, then catalog order. */
export function findingGroups(conns: readonly ConnRow[]): FindingGroup[] {
  const groups = new Map<FindingCode, FindingGroup>();
  for (const c of conns) {
    const fs = c.findings;
    if (!fs || fs.length === 0) continue;
    for (let k = 0; k < fs.length; k++) {
      const f = fs[k]!;
      let g = groups.get(f.code);
      if (!g) groups.set(f.code, (g = { code: f.code, severity: f.severity, connections: 0, findings: 0, connectionIds: [], costMs: 0 }));
      g.findings++;
      // A connection counts once per code: at its first finding of that code (not by comparing
      // ids with the last one counted: a TCP and a QUIC connection can share an id).
      let first = true;
      for (let j = 0; j < k && first; j++) if (fs[j]!.code === f.code) first = false;
      if (first) {
        g.connections++;
        if (g.connectionIds.length < GROUP_IDS_KEPT) g.connectionIds.push(c.id);
      }
      if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[g.severity]) g.severity = f.severity;
      if (f.costMs !== undefined) g.costMs += f.costMs;
    }
  }
  return [...groups.values()].sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      b.connections - a.connections ||
      CODE_ORDER.get(a.code)! - CODE_ORDER.get(b.code)!,
  );
}

/** Whether the connection has a finding of this code. */
export function hasFinding(c: ConnRow, code: FindingCode): boolean {
  return (c.findings ?? []).some((f) => f.code === code);
}

/**
 * Why a handshake failed, in one word, or null when it did not: the alert's
 * name ('unknown_ca'), else 'closed' (a FIN/RST after the ServerHello) or
 * 'no answer' (the client gave up waiting for the server's first flight).
 */
export function handshakeFailure(c: ConnRow): string | null {
  if (!hasFinding(c, 'handshake-failed')) return null;
  const alert = c.tls?.alerts[0];
  if (alert) return alert.name;
  // QUIC: the CONNECTION_CLOSE that ended it; a TLS alert travels as CRYPTO_ERROR 0x100 + alert (RFC 9001 §4.8).
  const close = c.quic?.close;
  if (close) return close.errorCode >= 0x100 && close.errorCode <= 0x1ff ? alertName(close.errorCode - 0x100) : `CONNECTION_CLOSE 0x${close.errorCode.toString(16)}`;
  return c.events.some((e) => e.type === 'ServerHello') ? 'closed' : 'no answer';
}

/** Failed handshakes by reason, most frequent first (ties by name). */
export function handshakeFailures(conns: readonly ConnRow[]): { reason: string; count: number }[] {
  const by = new Map<string, number>();
  for (const c of conns) {
    const r = handshakeFailure(c);
    if (r !== null) by.set(r, (by.get(r) ?? 0) + 1);
  }
  return [...by.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}

/** Codes that make an RST after a FIN more than the end of an ordinary close. */
const NOT_NORMAL: ReadonlySet<FindingCode> = new Set<FindingCode>(['stale-reuse', 'abortive-reset', 'response-timeout', 'accept-overflow-reset', 'handshake-failed']);

/**
 * An ordinary close that ended with an RST: the teardown began with a FIN
 * (the RST came after it, as when a side closes with unread data or a
 * `Connection: close` server resets after its FIN) and no finding says more.
 * The record's state stays 'reset' (it did end with an RST); views count it as closed.
 */
export function isNormalReset(c: ConnRow): boolean {
  return c.state === 'reset' && c.teardown.by === 'FIN' && !(c.findings ?? []).some((f) => NOT_NORMAL.has(f.code));
}

export function normalResets(conns: readonly ConnRow[]): number {
  let n = 0;
  for (const c of conns) if (isNormalReset(c)) n++;
  return n;
}

/** What the findings say about pooling: retries multiply handshakes; stale reuse means the pool outlives the server. */
export interface PoolingFindings {
  /** Connections that were retries, and the handshakes they added. */
  retries: number;
  /** Connections reused after the server had closed them. */
  staleReuse: number;
  /** Idle closes by the server: the shortest idle time (s) after which it closed, null when none. */
  serverIdleCloseSec: number | null;
}

/**
 * Seconds a connection sat idle before the server closed it, from its idle-close
 * finding (teardown.idleBeforeSec counts a close_notify as data; the finding does not).
 */
export function serverIdleClose(c: ConnRow): number | null {
  for (const f of c.findings ?? []) {
    if (f.code !== 'idle-close') continue;
    // detect.ts writes 'the server closed (FIN) after 2.003 s without payload either way'.
    const m = /^the server closed \((?:FIN|RST)\) after ([\d.]+) s without payload/.exec(f.detail);
    if (m) return Number(m[1]);
  }
  return null;
}

export function poolingFindings(conns: readonly ConnRow[]): PoolingFindings {
  let retries = 0;
  let staleReuse = 0;
  let serverIdle: number | null = null;
  for (const c of conns) {
    if (hasFinding(c, 'retry')) retries++;
    if (hasFinding(c, 'stale-reuse')) staleReuse++;
    const idle = serverIdleClose(c);
    if (idle !== null) serverIdle = serverIdle === null ? idle : Math.min(serverIdle, idle);
  }
  return { retries, staleReuse, serverIdleCloseSec: serverIdle };
}
