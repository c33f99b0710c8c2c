/**
 * The compare view of the TUI on the recorded before/after pair (the same 10
 * HTTPS requests without and with keep-alive). Expected counts come from
 * tshark's tcp.stream values of the two captures.
 */
import { analyzeFile } from '../../src/analyze.js';
import { compareAnalyses } from '../../src/report/index.js';
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
  // Tab leaves the view for the next one.
  await s.press(KEY.tab);
  const f2 = await s.waitFor('sort: setup');
  expect(f2).not.toContain(`${nBefore}→${nAfter}`);
});
