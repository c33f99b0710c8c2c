/**
 * Findings in the terminal UI, on the recordings of fixtures/findings: the
 * state and findings columns, the summary line, the findings view (one row
 * per code, Enter lists its connections), the finding:CODE filter and the
 * detail's findings above the ladder. Expected findings come from
 * fixtures/findings/expected.json (scripts/make-findings-expected.mjs, from
 * tshark's fields), never from our output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Analysis } from '../../src/report/types.js';
import { KEY, renderApp, type Screen } from './harness.js';
import { analysis, fixture } from './fixtures.js';

interface Expected {
  code: string;
  frame: number;
  detail?: Record<string, string | number>;
}
const expected: Record<string, Record<string, Expected[]>> = JSON.parse(
  readFileSync(path.resolve(process.cwd(), 'fixtures/findings/expected.json'), 'utf8'),
);

const screens: Screen[] = [];
afterEach(() => {
  while (screens.length) screens.pop()!.unmount();
});

function open(a: Analysis, columns = 120, rows = 45): Screen {
  const s = renderApp({ title: a.capture.file, load: async () => a, color: false }, { columns, rows });
  screens.push(s);
  return s;
}

/** Connection ids with a finding of `code` in a recording, per expected.json. */
function idsWith(name: string, code: string): number[] {
  return Object.entries(expected[name]!)
    .filter(([, fs]) => fs.some((f) => f.code === code))
    .map(([id]) => Number(id))
    .sort((a, b) => a - b);
}

/** The rows of the table under the header line containing `word` (up to the first blank line). */
function rowsUnder(frame: string, word: string): string[] {
  const lines = frame.split('\n');
  const h = lines.findIndex((l) => l.startsWith('  ') && l.includes(word));
  expect(h).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (let i = h + 1; i < lines.length && /^[> ] \S|^[> ]\s+\d/.test(lines[i]!); i++) out.push(lines[i]!);
  return out;
}
const idOf = (row: string) => Number(row.slice(2).trim().split(/\s+/)[0]);

describe('failed handshakes (j-tls-handshake-alerts.pcap)', () => {
  const name = 'j-tls-handshake-alerts.pcap';
  test('state says failed with the alert, the findings column names the code, the summary counts them', async () => {
    const a = await analysis(fixture(`findings/${name}`));
    // 140 columns: room for 'failed (protocol_version)' beside the marks (narrower terminals cut it after 20 cells).
    const s = open(a, 140);
    const f = await s.waitFor('sort: setup');
    const alerts = Object.values(expected[name]!).flatMap((fs) => fs.filter((x) => x.code === 'handshake-failed').map((x) => String(x.detail!.alert)));
    expect(alerts.length).toBe(2);
    const rows = rowsUnder(f, 'state');
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatch(/failed \(\w+\)/);
      // the findings cell (last), cut to its column's width when the terminal is narrow
      const cell = r.trim().split(/\s+/).pop()!;
      expect(cell.length).toBeGreaterThanOrEqual(7);
      expect('handshake-failed'.startsWith(cell.replace(/…$/, ''))).toBe(true);
      expect(r).not.toMatch(/\bcomplete\b|\breset\b/);
    }
    const counts = alerts.sort().map((x) => `${x} ×1`);
    expect(f).toContain(`findings: 2 handshakes failed: ${counts.join(', ')}`);
    expect(f).toContain('no connection completed its setup');
  });
});

describe('sorting the findings view (c-accept-overflow-synack.pcap)', () => {
  const name = 'c-accept-overflow-synack.pcap';
  test('s sorts by connections, most first, with the marker on conns; S goes back to severity', async () => {
    const a = await analysis(fixture(`findings/${name}`));
    const s = open(a);
    await s.waitFor('sort: setup');
    await s.press(KEY.tab, KEY.tab, KEY.tab);
    let f = await s.waitFor('sort: severity, worst first');
    await s.press('s');
    f = await s.waitFor('sort: connections, most first');
    const header = f.split('\n').find((l) => l.includes('time cost'))!;
    expect(header).toMatch(/▼conns/);
    const codes = rowsUnder(f, 'time cost').map((r) => r.slice(2).trim().split(/\s+/)[0]!);
    // Connections per code from expected.json (tshark's fields): non-increasing down the table.
    const counts = codes.map((c) => idsWith(name, c).length);
    expect(counts.length).toBeGreaterThanOrEqual(3);
    expect(counts).toEqual([...counts].sort((x, y) => y - x));
    expect(new Set(counts).size).toBeGreaterThan(1);
    await s.press('S');
    f = await s.waitFor('sort: severity, worst first');
    expect(f.split('\n').find((l) => l.includes('time cost'))).toMatch(/severity▼/);
  });
});

describe('findings view, filter and detail (a-syn-backlog-full.pcap)', () => {
  const name = 'a-syn-backlog-full.pcap';
  let a: Analysis;
  beforeAll(async () => {
    a = await analysis(fixture(`findings/${name}`));
  });

  test('one row per code with its connection count; Enter lists those connections', async () => {
    const s = open(a);
    await s.waitFor('sort: setup');
    await s.press(KEY.tab, KEY.tab, KEY.tab);
    const f = await s.waitFor('finding code');
    const codes = [...new Set(Object.values(expected[name]!).flatMap((fs) => fs.map((x) => x.code)))];
    const rows = rowsUnder(f, 'time cost');
    expect(rows.map((r) => r.slice(2).trim().split(/\s+/)[0]).sort()).toEqual([...codes].sort());
    for (const r of rows) {
      const [code, , conns] = r.slice(2).trim().split(/\s+/);
      expect(Number(conns)).toBe(idsWith(name, code!).length);
    }
    // errors first: connect-timeout is the first row, selected; its next step is shown under the table
    const first = rows[0]!.slice(2).trim().split(/\s+/)[0]!;
    expect(first).toBe('connect-timeout');
    expect(f).toContain('next: Check firewalls');
    await s.press(KEY.enter);
    const g = await s.waitFor(`filter: finding:${first}`);
    expect(rowsUnder(g, 'state').map(idOf).sort((x, y) => x - y)).toEqual(idsWith(name, first));
  });

  test('typing finding:syn keeps the connections with syn-retransmit', async () => {
    const s = open(a);
    await s.waitFor('sort: setup');
    await s.press('/', ...'finding:syn'.split(''), KEY.enter);
    const f = await s.waitFor((fr) => fr.includes('filter: finding:syn') && !fr.includes('filter: finding:syn_'));
    expect(rowsUnder(f, 'state').map(idOf).sort((x, y) => x - y)).toEqual(idsWith(name, 'syn-retransmit'));
  });

  test('the detail lists the findings with frame, explanation and next step, right after the ladder', async () => {
    const id = idsWith(name, 'syn-retransmit')[0]!;
    const s = open(a, 120, 80);
    await s.waitFor('sort: setup');
    await s.press('/', ...`finding:syn`.split(''), KEY.enter);
    let f = await s.waitFor('filter: finding:syn');
    const order = rowsUnder(f, 'state').map(idOf);
    for (let i = 0; i < order.indexOf(id); i++) await s.press(KEY.down);
    await s.press(KEY.enter);
    f = await s.waitFor(`tcp.stream eq ${id}`);
    const lines = f.split('\n');
    const head = lines.findIndex((l) => l.trim() === 'findings');
    const ladder = lines.findIndex((l) => /\+ms\s+direction/.test(l));
    const phases = lines.findIndex((l) => /^phase\s+from ms/.test(l));
    // Issue 10: the ladder is on the first screen, the findings follow it, before the waterfall.
    expect(ladder).toBeGreaterThan(0);
    expect(head).toBeGreaterThan(ladder);
    expect(phases).toBeGreaterThan(head);
    for (const e of expected[name]![String(id)]!) {
      expect(f).toContain(`${e.code} frame ${e.frame}:`);
    }
    expect(lines.slice(head, phases).some((l) => l.includes('next: On the server compare `ss -lnt`'))).toBe(true);
  });
});
