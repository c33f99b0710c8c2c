/**
 * `?` explains every column (issue 10): each header of each table view has a
 * line in that view's legend, and the help fits 80 columns.
 */
import { COLUMN_LEGENDS, helpLines, type LegendView } from '../../src/view/legend.js';
import { compareColumns, connectionColumns, destinationColumns, ladderColumns, poolColumns } from '../../src/view/model.js';
import { findingGroupColumns } from '../../src/view/findings.js';

const VIEWS: [LegendView, { title: string }[]][] = [
  ['connections', connectionColumns()],
  ['destinations', destinationColumns(true)],
  ['pool', poolColumns()],
  ['findings', findingGroupColumns()],
  ['compare', compareColumns()],
  ['detail', ladderColumns()],
];

const words = (s: string) => s.split(/[\s,/]+/).filter(Boolean);

test.each(VIEWS)('%s: every column header is in the legend', (view, cols) => {
  const keys = COLUMN_LEGENDS[view].map(([k]) => new Set(words(k)));
  const missing = cols.filter((c) => !keys.some((k) => words(c.title).every((w) => k.has(w)))).map((c) => c.title);
  expect(missing).toEqual([]);
});

test.each(VIEWS.map(([v]) => v))('%s: the help fits 80 columns', (view) => {
  for (const l of helpLines(view)) expect(l.length).toBeLessThanOrEqual(80);
});
