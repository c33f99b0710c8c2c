/**
 * The compare view of the TUI on the recorded before/after pair (the same 10
 * HTTPS requests without and with keep-alive). Expected counts come from
 * tshark's tcp.stream values of the two captures.
 */
import { analyzeFile } from '../../src/analyze.js';
import { compareAnalyses } from '../../src/report/index.js';
import { compareDigest } from '../../src/report/compare.js';
import { renderApp, KEY, type Screen } from './harness.js';
import { fixture, tsharkStreams } from './fixtures.js';

const screens: Screen[] = [];
afterEach(() => {
  while (screens.length) screens.pop()!.unmount();
});

test('compare view: connections and handshakes before -> after, per destination and in total', async () => {
  const beforeFile = fixture('pool-before-no-keepalive.pcap');
  const afterFile = fixture('pool-after-keepalive.pcap');
  const nBefore = tsharkStreams(beforeFile).length;
  const nAfter = tsharkStreams(afterFile).length;
  expect(nBefore).toBeGreaterThan(nAfter);
  const before = await analyzeFile(beforeFile);
  const after = await analyzeFile(afterFile);
  const comparison = compareAnalyses(before, after);
  const s = renderApp(
    { title: afterFile, load: async () => after, initialView: 'compare', comparison },
    { columns: 100, rows: 40 },
  );
  screens.push(s);
  const f = await s.waitFor('before');
  // The destination row shows the drop in connections and handshakes as tshark counts them.
  const row = f.split('\n').find((l) => l.includes('hl.test:443'));
  expect(row).toBeDefined();
  // connections and handshakes columns
  expect(row!.match(/(\d+)→(\d+)/g)!.slice(0, 2)).toEqual([`${nBefore}→${nAfter}`, `${nBefore}→${nAfter}`]);
  expect(f).toMatch(/compare/);
  // The new rows: requests (the same workload on both sides) and setup per request, then the conclusions.
  const cells = row!.match(/(\S+)→(\S+)/g)!;
  const reqs = `${comparison.total.requests.before}→${comparison.total.requests.after}`;
  expect(comparison.total.requests.before).toBe(nBefore); // one request per connection without keep-alive
  expect(comparison.total.requests.after).toBe(nBefore); // the same requests on one connection
  expect(cells).toContain(reqs);
  expect(f).toMatch(new RegExp(`^\\s*${nBefore - nAfter} fewer handshakes after, [\\d.]+ ms less setup time in total\\.$`, 'm'));
  expect(f).toMatch(/^\s*Setup per request: [\d.]+ ms before, [\d.]+ ms after \([\d.]+% less\)\.$/m);
  // Tab leaves the view for the next one.
  await s.press(KEY.tab);
  const f2 = await s.waitFor('sort: setup');
  expect(f2).not.toContain(`${nBefore}→${nAfter}`);
});

test('compare view: s / S sort the destinations with a marker; the total row stays last', async () => {
  const before = await analyzeFile(fixture('pool-before-no-keepalive.pcap'));
  const after = await analyzeFile(fixture('pool-after-keepalive.pcap'));
  const comparison = compareAnalyses(before, after);
  const s = renderApp({ title: 'after', load: async () => after, initialView: 'compare', comparison }, { columns: 100, rows: 30 });
  screens.push(s);
  let f = await s.waitFor('sort: setup Σ saved');
  const header = () => f.split('\n').find((l) => l.includes('setup/req'))!;
  expect(header()).toMatch(/▼setup Σ ms/);
  await s.press('s');
  f = await s.waitFor('sort: connections after');
  expect(header()).toMatch(/▼conns/);
  const lines = f.split('\n');
  const h = lines.findIndex((l) => l.includes('setup/req'));
  // The total row closes the table whatever the sort.
  expect(lines[h + 1 + comparison.destinations.length]).toMatch(/^[> ] total\b/);
  await s.press('S', 'S');
  // Backward from the second sort: the first, then around to the last.
  f = await s.waitFor('sort: setup % after');
  expect(header()).toMatch(/▼setup %/);
});

test('compare view of the first destinations only (compareDigest): the rows are the whole comparison\'s first, the status counts all', async () => {
  const before = await analyzeFile(fixture('demo-loopback-mix.pcapng'));
  const after = await analyzeFile(fixture('quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap'));
  const whole = compareAnalyses(before, after);
  expect(whole.destinations.length).toBeGreaterThan(3);
  const comparison = compareDigest(before, after, { top: 2 });
  const s = renderApp({ title: 'after', load: async () => after, initialView: 'compare', comparison }, { columns: 120, rows: 40 });
  screens.push(s);
  const f = await s.waitFor(`2 of ${whole.destinations.length} destinations listed`);
  const lines = f.split('\n');
  const h = lines.findIndex((l) => l.includes('setup/req'));
  // A key longer than its column ends in '…': the shown part is the key's start.
  const keys = lines.slice(h + 1, h + 3).map((l) => l.slice(2).trim().split(/\s+/)[0]!.replace(/…$/, ''));
  whole.destinations.slice(0, 2).forEach((d, i) => expect(d.key.startsWith(keys[i]!) && keys[i]!.length >= 10).toBe(true));
  expect(lines[h + 3]).toMatch(/^[> ] total\b/);
});
