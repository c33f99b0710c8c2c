/**
 * The terminal UI on real captures, in fake terminals of 80 and 120 columns:
 * rows, sort order, filter, navigation between views, and the detail of a
 * TLS 1.2, a TLS 1.3 and a refused connection. Expected values come from
 * tshark (run here, or its golden files in test/golden).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import type { Analysis } from '../../src/report/types.js';
import { fmtMs } from '../../src/view/format.js';
import { KEY, renderApp, type Screen, linearDetail } from './harness.js';
import { analysis, fixture, makeTemp, mergeFixtures, tsharkStreams, type TsharkStream } from './fixtures.js';
import { tsharkText } from '../helpers/tshark.js';

const screens: Screen[] = [];
afterEach(() => {
  while (screens.length) screens.pop()!.unmount();
});

function open(a: Analysis, columns: number, rows = 40, extra: Partial<Parameters<typeof renderApp>[0]> = {}): Screen {
  const s = renderApp({ title: a.capture.file, load: async () => a, ...extra }, { columns, rows });
  screens.push(s);
  return s;
}

/** The table part of a frame: the header line and the row lines after it (up to the status line). */
function table(frame: string, headerWord = 'state'): { header: string; rows: string[] } {
  const lines = frame.split('\n');
  const h = lines.findIndex((l) => l.startsWith('  ') && l.includes(headerWord) && /\bsetup\b|destination/.test(l));
  expect(h).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (let i = h + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (!/^[> ] /.test(l) || /^\s*$/.test(l)) break;
    rows.push(l);
  }
  // The sort marker (▼ / ▲) sits beside the sorted column's title: read the titles without it.
  return { header: lines[h]!.replace(/[▼▲]/g, ' '), rows };
}

/** The cell of a right-aligned column: the last token ending where the title ends. */
function rightCell(header: string, row: string, title: string): string {
  const end = header.indexOf(` ${title}`) + title.length + 1;
  return row.slice(0, end).trim().split(/\s+/).pop()!;
}
function leftCell(header: string, row: string, title: string): string {
  const start = header.indexOf(` ${title}`) + 1;
  return row.slice(start).trim().split(/\s+/)[0] ?? '';
}
const idOf = (row: string) => Number(row.slice(2).trim().split(/\s+/)[0]);
const msValue = (cell: string) => (cell === '-' ? null : cell.endsWith('s') ? Number(cell.slice(0, -1)) * 1000 : Number(cell));

function expectDescending(values: (number | null)[]) {
  const known = values.filter((v): v is number => v !== null);
  // unknown values come last
  expect(values.slice(0, known.length)).toEqual(known);
  for (let i = 1; i < known.length; i++) expect(known[i - 1]!).toBeGreaterThanOrEqual(known[i]!);
}

describe('connections view on a capture merged from 7 fixtures', () => {
  let tmp: ReturnType<typeof makeTemp>;
  let merged: Analysis;
  let expected: TsharkStream[];
  beforeAll(async () => {
    tmp = makeTemp();
    const file = mergeFixtures(path.join(tmp.dir, 'merged.pcapng'));
    merged = await analysis(file);
    expected = tsharkStreams(file);
  });
  afterAll(() => tmp.done());

  test.each([80, 120, 140])('one row per tshark tcp.stream, largest setup first, fits %i columns', async (columns) => {
    const s = open(merged, columns);
    const f = await s.waitFor('sort: setup');
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(columns);
    const { header, rows } = table(f);
    expect(rows.map(idOf).sort((a, b) => a - b)).toEqual(expected.map((e) => e.stream));
    for (const row of rows) {
      const e = expected.find((x) => x.stream === idOf(row))!;
      // The server as tshark has it (the SYN's destination; either end for a midstream stream).
      // (IPv6 addresses may be cut to the column width, ending with '…')
      expect([e.server, e.client].some((ep) => row.includes(ep) || row.includes(ep.slice(0, 20)))).toBe(true);
      if (e.sni) expect(e.sni.startsWith(leftCell(header, row, 'SNI').replace(/…$/, ''))).toBe(true);
    }
    expectDescending(rows.map((r) => msValue(rightCell(header, r, 'setup'))));
    expect(rows[0]!.startsWith('>')).toBe(true);
    // 140 columns show the client column too, 80 and 120 do not (findings, RTT×, setup % and the sort marker come first).
    // The findings column stays down to 80 (abortive-reset and synack-retransmit rows here).
    expect(header.includes(' client ')).toBe(columns >= 140);
    expect(header.includes(' findings')).toBe(true);
    expect(f).toContain(`${expected.length} of ${expected.length} connections`);
  });

  test('summary: counts and percentiles are on top', async () => {
    const s = open(merged, 120);
    const f = await s.waitFor('sort: setup');
    expect(f).toContain(`${expected.length} connections:`);
    expect(f).toMatch(/TCP handshake\s+\S+\s+\S+\s+\S+/);
    expect(f).toMatch(/in setup = [\d.]+% of/);
  });

  test('s cycles the sort column: TCP handshake, then TLS handshake, largest first', async () => {
    const s = open(merged, 120);
    await s.waitFor('sort: setup');
    await s.press('s');
    let f = await s.waitFor('sort: TCP handshake');
    let t = table(f);
    expectDescending(t.rows.map((r) => msValue(rightCell(t.header, r, 'TCP ms'))));
    await s.press('s');
    f = await s.waitFor('sort: TLS handshake');
    t = table(f);
    expectDescending(t.rows.map((r) => msValue(rightCell(t.header, r, 'TLS ms'))));
  });

  test('/ filters by text (SNI, address, state), Esc clears', async () => {
    const s = open(merged, 120);
    await s.waitFor('sort: setup');
    await s.press('/', ...'google'.split(''), KEY.enter);
    let f = await s.waitFor('filter: google');
    const googly = expected.filter((e) => e.sni?.includes('google') || e.server.includes('google'));
    expect(googly.length).toBeGreaterThan(1);
    expect(table(f).rows.map(idOf).sort((a, b) => a - b)).toEqual(googly.map((e) => e.stream));
    expect(f).toContain(`${googly.length} of ${expected.length} connections`);

    await s.press(KEY.escape);
    f = await s.waitFor(`${expected.length} of ${expected.length}`);
    // an address filter
    const target = expected[0]!.server.replace(/:\d+$/, '');
    await s.press('/', ...target.split(''), KEY.enter);
    f = await s.waitFor(`filter: ${target}`);
    const ids = table(f).rows.map(idOf);
    expect(ids).toEqual(expected.filter((e) => e.server.includes(target) || e.client.includes(target)).map((e) => e.stream));
    // a filter matching nothing
    await s.press(KEY.escape, '/', ...'no-such-host'.split(''), KEY.enter);
    f = await s.waitFor('no connection matches the filter');
    expect(f).toContain(`0 of ${expected.length} connections`);
  });

  test('arrows, j/k, g/G move the selection; Enter opens the selected connection', async () => {
    const s = open(merged, 100);
    let f = await s.waitFor('sort: setup');
    const order = table(f).rows.map(idOf);
    await s.press(KEY.down, 'j');
    f = s.frame();
    expect(idOf(table(f).rows.find((r) => r.startsWith('>'))!)).toBe(order[2]);
    await s.press('k');
    expect(idOf(table(s.frame()).rows.find((r) => r.startsWith('>'))!)).toBe(order[1]);
    await s.press('G');
    expect(idOf(table(s.frame()).rows.find((r) => r.startsWith('>'))!)).toBe(order[order.length - 1]);
    await s.press('g', KEY.down, KEY.enter);
    f = await s.waitFor(`Connection #${order[1]} `);
    // The detail opens on its ladder (the facts, Wireshark filter included, come after it).
    expect(f).toMatch(/\+ms\s+direction\s+event/);
    await s.press(KEY.escape);
    await s.waitFor('sort: setup');
  });

  test('a short terminal scrolls the table; PgDn moves a page', async () => {
    const s = open(merged, 100, 18);
    let f = await s.waitFor('sort: setup');
    const visible = table(f).rows.length;
    expect(visible).toBeLessThan(expected.length);
    expect(f.split('\n').length).toBeLessThan(18);
    await s.press(KEY.pageDown, KEY.pageDown, KEY.pageDown);
    f = s.frame();
    const sel = table(f).rows.find((r) => r.startsWith('>'));
    expect(sel).toBeDefined();
    await s.press('G');
    f = s.frame();
    expect(table(f).rows[table(f).rows.length - 1]!.startsWith('>')).toBe(true);
  });

  test('Tab: destinations (grouped by SNI or address, with pool savings), Enter lists them, Esc back; pool; ? keys', async () => {
    const s = open(merged, 120);
    await s.waitFor('sort: setup');
    await s.press(KEY.tab);
    let f = await s.waitFor('pool saves');
    const t = table(f, 'destination');
    const keys = new Set(expected.map((e) => (e.sni ? `${e.sni}:${e.serverPort}` : e.server)));
    expect(t.rows).toHaveLength(keys.size);
    expect(t.rows.map((r) => r.slice(2).trim().split(/\s+/)[0]!).sort()).toEqual([...keys].sort());
    expect(f).toContain('Enter lists the connections');

    const firstKey = t.rows[0]!.slice(2).trim().split(/\s+/)[0]!;
    await s.press(KEY.enter);
    f = await s.waitFor(`destination ${firstKey}`);
    const members = expected.filter((e) => (e.sni ? `${e.sni}:${e.serverPort}` : e.server) === firstKey);
    expect(table(f).rows.map(idOf).sort()).toEqual(members.map((e) => e.stream).sort());
    await s.press(KEY.escape);
    await s.waitFor('pool saves');

    await s.press(KEY.tab);
    f = await s.waitFor((fr) => fr.includes('avoided') && fr.includes('saved ms'));
    await s.press(KEY.tab);
    await s.waitFor('finding code'); // findings
    await s.press(KEY.tab);
    await s.waitFor('sort: setup');
    await s.press(KEY.shiftTab);
    await s.waitFor('finding code');
    await s.press('?');
    // The keys, then the legend of the view it was opened from (the findings view).
    f = await s.waitFor('Columns of the findings view');
    expect(f).toContain('s / S            sort by the next / previous column');
    expect(f).toMatch(/^ {2}time cost +time the finding cost those connections$/m);
    await s.press(KEY.escape);
    await s.waitFor('finding code');
  });

  test('listing only the top destinations: the first rows of the whole table, a count of all, the same verdict', async () => {
    const keyOf = (r: string) => r.slice(2).trim().split(/\s+/)[0]!;
    const whole = open(merged, 120);
    await whole.waitFor('sort: setup');
    await whole.press(KEY.tab);
    const all = table(await whole.waitFor('pool saves'), 'destination').rows;
    expect(all.length).toBeGreaterThan(3);
    await whole.press(KEY.tab);
    await whole.waitFor((fr) => fr.includes('avoided') && fr.includes('saved ms'));

    const s = open(merged, 120, 40, { destinationsListed: 3 });
    await s.waitFor('sort: setup');
    await s.press(KEY.tab);
    const f = await s.waitFor('pool saves');
    expect(table(f, 'destination').rows.map(keyOf)).toEqual(all.slice(0, 3).map(keyOf));
    expect(f).toContain(`3 of ${all.length} destinations listed (largest setup first)`);
    await s.press(KEY.tab);
    const pool = await s.waitFor((fr) => fr.includes('avoided') && fr.includes('saved ms'));
    expect(pool).toMatch(/3 of \d+ destinations listed/);
    // The full verdict (Enter) counts every destination: the same as with all of them listed.
    await s.press(KEY.enter);
    await whole.press(KEY.enter);
    const overall = (fr: string) => fr.slice(fr.indexOf('Overall:'), fr.indexOf('Setup cost at other RTTs'));
    const capped = overall(await s.waitFor('Overall:'));
    expect(capped).toMatch(new RegExp(`^Overall: [a-z-]+\\. .*${all.length} destinations`, 's'));
    expect(capped).toBe(overall(await whole.waitFor('Overall:')));
  });

  test('follows a resize: 80 -> 140 columns shows the client column', async () => {
    const s = open(merged, 80);
    let f = await s.waitFor('sort: setup');
    expect(table(f).header.includes(' client ')).toBe(false);
    s.stdout.resize(140);
    f = await s.waitFor((fr) => table(fr).header.includes(' client '));
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(140);
  });

  test('q quits with exit code 0', async () => {
    const s = open(merged, 80);
    await s.waitFor('sort: setup');
    await s.press('q');
    expect(s.exitCode()).toBe(0);
  });
});

interface GoldenStream {
  stream: number;
  frames: Record<string, number | null>;
  initialRtt: number | null;
  sni: string | null;
  helloRetry: boolean;
}
const golden = (name: string): GoldenStream[] =>
  JSON.parse(readFileSync(path.resolve(process.cwd(), 'test/golden', name, 'streams.json'), 'utf8'));

/** Ladder rows of a detail frame: [+ms, direction, event..., frame, bytes]. */
function ladderRows(frame: string): { dir: string; event: string; frame: number }[] {
  const out: { dir: string; event: string; frame: number }[] = [];
  for (const l of frame.split('\n')) {
    const m = /^\s+(\d+\.\d{3}) (client → server|server → client) (.+?)\s+(\d+)\s+(\d+)$/.exec(l);
    if (m) out.push({ dir: m[2]!, event: m[3]!.trim(), frame: Number(m[4]) });
  }
  return out;
}

describe.each([80, 120])('connection detail at %i columns', (columns) => {
  test('TLS 1.2 (zeek-tls12-basic): waterfall, ladder frames as tshark, Wireshark filter', async () => {
    const g = golden('zeek-tls12-basic.pcap')[0]!;
    const s = open(await analysis(fixture('zeek-tls12-basic.pcap')), columns, 60);
    await s.waitFor('sort: setup');
    await s.press(KEY.enter);
    const f = linearDetail(await s.waitFor('tcp.stream eq 0'));
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(columns);
    for (const phase of ['TCP handshake', 'TLS handshake', 'waiting for first data', 'data', 'teardown']) {
      expect(f).toMatch(new RegExp(`^${phase}\\s+[\\d.]+\\s+[\\d.]+\\s+\\|[ █]+\\|$`, 'm'));
    }
    // TCP handshake took tshark's tcp.analysis.initial_rtt (one SYN).
    expect(f).toMatch(new RegExp(`^TCP handshake\\s+0\\.00\\s+${fmtMs(g.initialRtt! * 1000).replace('.', '\\.')}\\s`, 'm'));
    const rows = ladderRows(f);
    const at = (ev: string) => rows.find((r) => r.event.startsWith(ev));
    expect(at('SYN')).toEqual({ dir: 'client → server', event: 'SYN', frame: g.frames.firstSyn });
    expect(at('SYN-ACK')!.frame).toBe(g.frames.synAck);
    expect(at('SYN-ACK')!.dir).toBe('server → client');
    expect(at('ACK')!.frame).toBe(g.frames.handshakeAck);
    expect(at('ClientHello')!.frame).toBe(g.frames.clientHello);
    expect(at('ServerHello')!.frame).toBe(g.frames.serverHello);
    expect(rows.filter((r) => r.event === 'ChangeCipherSpec').map((r) => r.frame)).toEqual([g.frames.ccsClient, g.frames.ccsServer]);
    expect(rows.filter((r) => r.event === 'FIN').map((r) => r.frame).sort()).toEqual(
      [g.frames.finClient, g.frames.finServer].sort(),
    );
  });

  test('TLS 1.3 (arkime-curl-tls13): SNI, inferred end flagged, ladder frames as tshark', async () => {
    const g = golden('arkime-curl-tls13.pcap')[0]!;
    const s = open(await analysis(fixture('arkime-curl-tls13.pcap')), columns, 60);
    await s.waitFor('sort: setup');
    await s.press(KEY.enter);
    const f = linearDetail(await s.waitFor('tcp.stream eq 0'));
    expect(f).toMatch(new RegExp(`^SNI\\s+${g.sni!.replace(/\./g, '\\.')}$`, 'm'));
    expect(f).toContain('TLS 1.3 handshake end inferred');
    const rows = ladderRows(f);
    expect(rows.find((r) => r.event.startsWith('ClientHello'))!.frame).toBe(g.frames.clientHello);
    expect(rows.find((r) => r.event.startsWith('ServerHello'))!.frame).toBe(g.frames.serverHello);
    expect(rows.some((r) => r.event.includes('(inferred)'))).toBe(true);
    expect(rows.find((r) => r.event === 'SYN')!.frame).toBe(g.frames.firstSyn);
  });

  test('TLS 1.3 with HelloRetryRequest is flagged', async () => {
    const g = golden('zeek-tls13-hello-retry-request.pcap')[0]!;
    expect(g.helloRetry).toBe(true);
    const s = open(await analysis(fixture('zeek-tls13-hello-retry-request.pcap')), columns, 60);
    await s.waitFor('sort: setup');
    await s.press(KEY.enter);
    const f = linearDetail(await s.waitFor('tcp.stream eq 0'));
    expect(f).toContain('HelloRetryRequest (one more round trip)');
  });
});

const refusedFixture = readdirSync(path.resolve(process.cwd(), 'fixtures')).find((n) => /refused/.test(n));
(refusedFixture ? describe : describe.skip)(`refused connection (${refusedFixture ?? 'no fixtures/*refused* yet'})`, () => {
  test('state refused, flagged, no setup, RST from the server in the ladder', async () => {
    const file = fixture(refusedFixture!);
    // tshark: the RST answering the SYN, and its stream.
    const rst = tsharkText(['-r', file, '-Y', 'tcp.flags.reset == 1', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.stream'])
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t').map(Number));
    const a = await analysis(file);
    const s = open(a, 80, 60);
    await s.waitFor('sort: setup');
    const stream = rst[0]![1]!;
    await s.press('/', ...'refused'.split(''), KEY.enter);
    await s.waitFor('filter: refused');
    await s.press(KEY.enter);
    const f = linearDetail(await s.waitFor('tcp.stream eq'));
    expect(f).toContain(`tcp.stream eq ${stream}`);
    expect(f).toMatch(/^state\s+refused/m);
    expect(f).toContain('connection refused (SYN answered by RST)');
    expect(f).toMatch(/^setup\s+-$/m);
    const rows = ladderRows(f);
    expect(rows.find((r) => r.event === 'RST')).toEqual({ dir: 'server → client', event: 'RST', frame: rst[0]![0] });
  });
});

describe('loading', () => {
  test('shows the progress (bytes, frames, rate, time left), then the results', async () => {
    let report!: (p: { bytesRead: number; totalBytes?: number; frames: number }) => void;
    let finish!: (a: Analysis) => void;
    const s = renderApp(
      {
        title: 'big.pcap',
        load: (onProgress) =>
          new Promise<Analysis>((resolve) => {
            report = onProgress;
            finish = resolve;
          }),
        progressIntervalMs: 10,
      },
      { columns: 100, rows: 30 },
    );
    screens.push(s);
    await s.waitFor('reading…');
    report({ bytesRead: 512 * 1024 * 1024, totalBytes: 1024 * 1024 * 1024, frames: 600_000 });
    const f = await s.waitFor('50.0%');
    expect(f).toContain('512 MiB / 1.00 GiB');
    expect(f).toContain('600,000 frames');
    expect(f).toMatch(/[KMG]iB\/s, [\d,]+ frames\/s/);
    expect(f).toMatch(/left/);
    finish(await analysis(fixture('zeek-tls12-basic.pcap')));
    await s.waitFor('sort: setup');
  });

  test('stdin (size unknown): bytes, frames and rate, no percentage', async () => {
    let report!: (p: { bytesRead: number; frames: number }) => void;
    const s = renderApp(
      { title: 'stdin', load: (onProgress) => new Promise<Analysis>(() => void (report = onProgress)), progressIntervalMs: 10 },
      { columns: 80, rows: 24 },
    );
    screens.push(s);
    await s.waitFor('reading…');
    report({ bytesRead: 3 * 1024 * 1024, frames: 4321 });
    const f = await s.waitFor('4,321 frames');
    expect(f).toContain('reading: 3.00 MiB');
    expect(f).not.toMatch(/%/);
  });

  test('a capture that cannot be read: one-line error, q exits non-zero', async () => {
    const s = renderApp({ title: 'README.md', load: (p) => analyzeFile(fixture('README.md'), { onProgress: p }) }, { columns: 80, rows: 24 });
    screens.push(s);
    const f = await s.waitFor('error: ');
    expect(f.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
    await s.press('q');
    expect(s.exitCode()).toBeGreaterThan(0);
  });
});
