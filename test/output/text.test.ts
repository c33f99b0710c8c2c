/**
 * The plain-text report on real captures: sections, one row per tshark
 * tcp.stream largest setup first, destinations with the pool column, --top,
 * width, and byte-for-byte determinism without colour codes.
 */
import path from 'node:path';
import { formatTextReport } from '../../src/output/text.js';
import { fmtMs } from '../../src/view/format.js';
import { expectedMetrics } from '../metrics/expected.js';
import { analysis, fixture, makeTemp, mergeFixtures, tsharkStreams } from '../ui/fixtures.js';

describe('formatTextReport', () => {
  let tmp: ReturnType<typeof makeTemp>;
  let file: string;
  beforeAll(() => {
    tmp = makeTemp();
    file = mergeFixtures(path.join(tmp.dir, 'merged.pcapng'));
  });
  afterAll(() => tmp.done());

  test('summary, connections (largest setup first), destinations with pool savings', async () => {
    const a = await analysis(file);
    const expected = tsharkStreams(file);
    const text = formatTextReport(a, { width: 120 });
    const lines = text.split('\n');
    expect(text.endsWith('\n')).toBe(true);
    expect(lines[0]).toMatch(/^capture\s+.*merged\.pcapng · 204 frames · /);
    expect(lines[1]).toContain(`${expected.length} connections: `);
    expect(text).toMatch(/^\s+TCP handshake\s+\d+\s+[\d.]+\s+-\s+-\s+[\d.]+$/m); // n, p50, p90 and p99 not shown for 7 values, max

    const c = lines.indexOf('Connections (largest setup first, ms)');
    const d = lines.findIndex((l) => l.startsWith('Destinations ('));
    expect(c).toBeGreaterThan(0);
    expect(d).toBeGreaterThan(c);
    const header = lines[c + 1]!;
    const rows = lines.slice(c + 2, lines.indexOf('', c));
    expect(rows).toHaveLength(expected.length);
    const ids = rows.map((r) => Number(r.trim().split(/\s+/)[0]));
    expect([...ids].sort((x, y) => x - y)).toEqual(expected.map((e) => e.stream));
    // setup column, right-aligned under its title
    const end = header.indexOf(' setup') + ' setup'.length;
    const setup = rows.map((r) => r.slice(0, end).trim().split(/\s+/).pop()!).map((v) => (v === '-' ? null : Number(v.replace(/s$/, ''))));
    const known = setup.filter((v): v is number => v !== null);
    expect(setup.slice(0, known.length)).toEqual(known);
    for (let i = 1; i < known.length; i++) expect(known[i - 1]).toBeGreaterThanOrEqual(known[i]!);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(120);

    // n (the connections behind the percentiles) and max beside p50; p90 needs 10 of them (none here has).
    expect(lines[d + 1]).toMatch(/^destination\s+conns\s+setup Σ\s+n\s+p50\s+max\s+setup %\s+resumed\s+pool saves\s+verdict\s+why$/);
    const keys = new Set(expected.map((e) => (e.sni ? `${e.sni}:${e.serverPort}` : e.server)));
    const destRows = lines.slice(d + 2, d + 2 + keys.size);
    expect(destRows.map((r) => r.split(/\s+/)[0]).sort()).toEqual([...keys].sort());
    expect(text).toMatch(/^pool verdict: Connection pooling would (help|not help)/m);
    // Said once, not twice in two roundings.
    expect(text.match(/pooling would/g)).toHaveLength(1);
  });

  test('deterministic, no escape codes', async () => {
    const one = formatTextReport(await analysis(file), { width: 100 });
    const two = formatTextReport(await analysis(file), { width: 100 });
    expect(one).toBe(two);
    expect(one).not.toMatch(/\x1b/);
  });

  test('connection rows show the tshark-derived TLS ms, setup, round trips and state', async () => {
    // Expected values from test/golden/<fixture>/metrics.json (scripts/make-metrics-golden.mjs), not from us.
    const name = 'demo-loopback-mix.pcapng';
    const want = expectedMetrics(name);
    const lines = formatTextReport(await analysis(fixture(name)), { width: 120 }).split('\n');
    const c = lines.indexOf('Connections (largest setup first, ms)');
    const header = lines[c + 1]!;
    const rows = lines.slice(c + 2, c + 2 + want.length);
    // Cells read at the header's positions (the SNI and marks columns may be empty): a right-aligned
    // column ends where its title ends, the left-aligned state column starts where its title starts.
    const right = (r: string, title: string) => r.slice(0, header.indexOf(` ${title}`) + 1 + title.length).trim().split(/\s+/).pop();
    const left = (r: string, title: string) => r.slice(header.indexOf(` ${title}`) + 1).trim().split(/\s+/)[0]!;
    const shown = rows
      .map((r) => ({
        id: Number(r.trim().split(/\s+/)[0]),
        tls: right(r, 'TLS ms'),
        setup: right(r, 'setup'),
        rt: right(r, 'RTT×'),
        state: left(r, 'state').replace(/\(.*$/, ''),
      }))
      .sort((x, y) => x.id - y.id);
    expect(shown).toEqual(
      want.map((w) => ({
        id: w.stream,
        tls: fmtMs(w.tls?.handshakeMs ?? null),
        setup: fmtMs(w.setup.ms),
        rt: w.setup.ms === null ? '-' : String(w.setup.roundTrips),
        // A TLS handshake that never completed shows as failed (stream 2: tshark shows the server's
        // protocol_version alert); an RST after the first FIN ends an ordinary close (stream 1).
        state: w.tls && w.tls.handshakeMs === null ? 'failed' : w.state === 'reset' && w.teardown.by === 'FIN' ? 'closed' : w.state,
      })),
    );
  });

  test('top limits the rows of both tables and says how many are left', async () => {
    const a = await analysis(file);
    const text = formatTextReport(a, { top: 3, width: 100 });
    const lines = text.split('\n');
    const c = lines.indexOf('Connections (largest setup first, ms)');
    expect(lines[c + 5]).toBe(`... ${a.connections.length - 3} more connections (--top to show more)`);
    expect(text).toMatch(/^\.\.\. \d+ more destinations \(--top to show more\)$/m);
  });

  test('80 columns: every line fits, the key columns stay', async () => {
    const text = formatTextReport(await analysis(fixture('zeek-tls12-basic.pcap')), { width: 80 });
    const lines = text.split('\n');
    const header = lines[lines.indexOf('Connections (largest setup first, ms)') + 1]!;
    for (const t of ['#', 'server', 'SNI', 'TCP ms', 'TLS ms', 'setup', 'state']) expect(header).toContain(t);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });
});
