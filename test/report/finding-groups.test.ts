/**
 * findingGroups (src/report/findings.ts): per finding code, the connections
 * that have it (counted once each), the findings, their cost, and the first
 * GROUP_IDS_KEPT connection ids. The expected values are counted here
 * directly from the records' findings (which the findings suites check
 * against tshark), by sets rather than by the function's single pass.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/analyze.js';
import { findingGroups, GROUP_IDS_KEPT, type ConnRow } from '../../src/report/index.js';
import { findingGroupLines } from '../../src/view/findings.js';
import type { ConnectionRecord, FindingCode } from '../../src/timeline/types.js';
import { rec } from './records.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));
let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hl-groups-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What each group must hold, counted from the records by sets. */
function expected(conns: readonly ConnectionRecord[]): Map<FindingCode, { connections: number; findings: number; ids: number[]; costMs: number }> {
  const out = new Map<FindingCode, { connections: number; findings: number; ids: number[]; costMs: number }>();
  const codes = new Set(conns.flatMap((c) => c.findings.map((f) => f.code)));
  for (const code of codes) {
    const having = conns.filter((c) => c.findings.some((f) => f.code === code));
    const fs = conns.flatMap((c) => c.findings.filter((f) => f.code === code));
    out.set(code, {
      connections: having.length,
      findings: fs.length,
      ids: having.slice(0, GROUP_IDS_KEPT).map((c) => c.id),
      costMs: fs.reduce((s, f) => s + (f.costMs ?? 0), 0),
    });
  }
  return out;
}

function check(conns: readonly ConnectionRecord[], rows: readonly ConnRow[] = conns): void {
  const want = expected(conns);
  const groups = findingGroups(rows);
  expect(groups.map((g) => g.code).sort()).toEqual([...want.keys()].sort());
  for (const g of groups) {
    const w = want.get(g.code)!;
    expect({ code: g.code, connections: g.connections, findings: g.findings, ids: g.connectionIds }).toEqual({ code: g.code, connections: w.connections, findings: w.findings, ids: w.ids });
    expect(g.costMs).toBeCloseTo(w.costMs, 6);
  }
}

describe('findingGroups', () => {
  test.each(['findings/b-accept-overflow-abort.pcap', 'findings/g-retry-no-backoff.pcap', 'findings/j-tls-handshake-alerts.pcap', 'lo-tcp-syn-retransmit-then-tls13.pcap', 'zeek-tls12-handshake-failure-alert.pcap', 'quic/quic-handshake-failed-twice.pcap'])(
    '%s: counts from the records',
    async (name) => {
      const a = await analyzeFile(fx(name));
      expect(a.connections.some((c) => c.findings.length > 0)).toBe(true);
      check(a.connections);
    },
  );

  test('a SYN flood: every connection counted, only the first ids kept, from records and from rows alike', async () => {
    const p = join(tmp, 'syn.pcap');
    execFileSync(process.execPath, ['scripts/gen-adversarial.mjs', 'syn-flood', p, '0.00004'], { cwd: repo, stdio: 'pipe' });
    const whole = await analyzeFile(p);
    const rows = await analyzeFile(p, { rows: true });
    expect(whole.connections.length).toBeGreaterThan(2 * GROUP_IDS_KEPT);
    check(whole.connections);
    check(whole.connections, rows.rows!);
    const g = findingGroups(rows.rows!).find((x) => x.connections > GROUP_IDS_KEPT)!;
    expect(g).toBeDefined();
    expect(g.connectionIds).toHaveLength(GROUP_IDS_KEPT);
    // The findings view names the kept ids and says there are more.
    const line = findingGroupLines(g, 200)[0]!;
    expect(line).toContain(g.connectionIds.map((i) => `#${i}`).join(' '));
    expect(line.endsWith(' …')).toBe(true);
  });

  test('a TCP and a QUIC connection with the same id are two connections', () => {
    const f = { code: 'handshake-failed' as const, severity: 'error' as const, frame: 3, detail: 'x' };
    const tcp = rec({ id: 5, start: 0, end: 1, findings: [f] });
    const quic: ConnectionRecord = { ...rec({ id: 5, start: 2, end: 3, findings: [{ ...f, frame: 9 }, { ...f, frame: 10 }] }), transport: 'quic' };
    const [g] = findingGroups([tcp, quic]);
    expect(g).toMatchObject({ code: 'handshake-failed', connections: 2, findings: 3, connectionIds: [5, 5] });
    // One connection's findings of one code, not adjacent, still count it once.
    const other = { code: 'retry' as const, severity: 'info' as const, frame: 4, detail: 'y' };
    const one = rec({ id: 7, start: 0, end: 1, findings: [f, other, { ...f, frame: 8 }] });
    expect(findingGroups([one]).map((x) => [x.code, x.connections, x.findings])).toEqual([
      ['handshake-failed', 1, 2],
      ['retry', 1, 1],
    ]);
    expect(findingGroupLines(findingGroups([one])[0], 200)[0]).toBe('handshake-failed (error): 1 connection #7');
  });
});
