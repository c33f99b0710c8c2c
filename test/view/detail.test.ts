/**
 * The connection detail's layout (view/detail.ts): the ladder first, with the
 * facts beside it when there is room for a side column of 40 cells, wrapped
 * there rather than cut; on narrower terminals the facts follow the waterfall,
 * one per line. Every fact's text is on screen whole in both layouts.
 */
import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { detailScreenLines, SIDE_FACTS_MIN } from '../../src/view/detail.js';
import { connectionFacts } from '../../src/view/model.js';

let c: ConnectionRecord;
beforeAll(async () => {
  c = (await analyzeFile(path.resolve('fixtures/arkime-curl-tls13.pcap'))).connections[0]!;
});

const words = (s: string) => s.split(/\s+/).filter(Boolean).join(' ');

test.each([100, 120, 160])('%i columns: facts beside the ladder, wrapped, never cut', (width) => {
  const lines = detailScreenLines(c, width).map((l) => l.text);
  for (const l of lines) expect(l.length).toBeLessThanOrEqual(width);
  const h = lines.findIndex((l) => /\+ms\s+direction\s+event/.test(l));
  expect(h).toBe(1); // right under the title line
  const cut = lines[h]!.indexOf('bytes') + 'bytes'.length;
  const room = width - cut - 2;
  const side = lines[h]!.slice(cut).trim() !== '';
  expect(side).toBe(room >= SIDE_FACTS_MIN);
  // This ladder needs about 70 cells: from 120 columns there is room for the facts beside it.
  if (width >= 120) expect(side).toBe(true);
  const facts = connectionFacts(c).filter(([k]) => k !== 'connection');
  expect(facts.length).toBeGreaterThan(5);
  if (!side) {
    for (const [k, v] of facts) expect(lines).toContain(`${k.padEnd(Math.max(...facts.map(([x]) => x.length)))}  ${v}`);
    return;
  }
  // The side column, read top to bottom: each fact's label, then its value over one or more lines.
  const right: string[] = [];
  for (let i = h; i < lines.length && lines[i]!.trim() !== '' && !/^phase\s/.test(lines[i]!); i++) {
    const r = lines[i]!.slice(cut).trim();
    if (r) right.push(r);
  }
  expect(right.some((r) => r.endsWith('…'))).toBe(false);
  const text = words(right.join(' '));
  for (const [k, v] of facts) expect(text).toContain(words(`${k} ${v}`));
});

test('80 columns: no side column; the ladder is still on the first screen', () => {
  const lines = detailScreenLines(c, 80).map((l) => l.text);
  const h = lines.findIndex((l) => /\+ms\s+direction\s+event/.test(l));
  expect(h).toBe(1);
  expect(lines[h]!.trimEnd().endsWith('bytes')).toBe(true);
  // ClientHello within the first 24 rows (title bar and header above the ladder).
  expect(lines.findIndex((l) => l.includes('ClientHello'))).toBeLessThan(20);
});
