/**
 * The terminal UI over compact rows (issue 14): the CLI analyses with a row per
 * connection (every connection counted, ~270 bytes each) and reads a record back
 * from its spill file only for the detail view. Every screen must be the one the
 * UI shows with every whole record in memory (whose content the other UI tests
 * check against tshark): the table, its sort orders and filter, the other views,
 * and the detail of any row.
 */
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/analyze.js';
import { RecordSpill } from '../../src/output/spill.js';
import type { Analysis } from '../../src/report/types.js';
import type { ConnRow } from '../../src/report/rows.js';
import { KEY, renderApp, type Screen } from './harness.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

const screens: Screen[] = [];
const spills: RecordSpill[] = [];
afterEach(() => {
  while (screens.length) screens.pop()!.unmount();
  while (spills.length) spills.pop()!.close();
});

/** The same capture twice: every record kept, and rows with the records in a spill file. */
async function both(name: string): Promise<{ whole: Analysis; rows: Analysis; spill: RecordSpill; asked: ConnRow[] }> {
  const whole = await analyzeFile(fx(name));
  // As the CLI makes it: plain TCP records in the compact form (record-codec.ts), the others as JSON.
  const spill = new RecordSpill(undefined, true);
  spills.push(spill);
  const rows = await analyzeFile(fx(name), { rows: true, onConnection: (c) => spill.write(c), onLateFindings: (id, f) => spill.addLate(id, f) });
  return { whole, rows, spill, asked: [] };
}

function open(a: Analysis, detail?: (r: ConnRow) => ReturnType<RecordSpill['record']>): Screen {
  const s = renderApp({ title: a.capture.file, load: async () => a, ...(detail ? { detail } : {}) }, { columns: 120, rows: 40 });
  screens.push(s);
  return s;
}

/** Keys pressed on both screens; each frame after them compared. */
async function sameScreens(a: Screen, b: Screen, steps: { keys: string[]; wait?: string }[]): Promise<string[]> {
  const frames: string[] = [];
  for (const step of steps) {
    await a.press(...step.keys);
    await b.press(...step.keys);
    if (step.wait) {
      await a.waitFor(step.wait);
      await b.waitFor(step.wait);
    }
    expect(b.frame()).toBe(a.frame());
    frames.push(a.frame());
  }
  return frames;
}

describe.each([
  'demo-loopback-mix.pcapng',
  'findings/j-tls-handshake-alerts.pcap',
  'quic/quic-tcp-tls-same-name.pcap',
  // Plain TCP records only (compact in the spill): retries after unanswered SYNs, a refused connection.
  'findings/g-retry-after-connect-timeout.pcap',
  'lo-tcp-refused.pcap',
])('%s', (name) => {
  test('rows and a spill file: the same screens as every record in memory; the detail read back from the spill', async () => {
    const { whole, rows, spill, asked } = await both(name);
    expect(rows.connections).toHaveLength(0); // nothing whole kept
    expect(rows.rows).toHaveLength(whole.connections.length);
    const a = open(whole);
    const b = open(rows, (r) => {
      asked.push(r);
      return spill.record(r.transport, r.id);
    });
    await a.waitFor('sort: setup');
    await b.waitFor('sort: setup');
    const n = whole.connections.length;
    expect(b.frame()).toContain(`${n} of ${n} connection`);
    const frames = await sameScreens(a, b, [
      { keys: [] },
      { keys: ['s'] }, // TCP ms
      { keys: ['s', 's', 's'] }, // share
      { keys: ['S', 'S', 'S', 'S'] }, // back to setup
      { keys: ['G'] },
      { keys: ['g', KEY.down, KEY.enter], wait: 'arrows scroll' }, // the detail of the second row
      { keys: [KEY.escape], wait: 'sort: setup' },
      { keys: ['G', KEY.enter], wait: 'arrows scroll' }, // the last row's
      { keys: [KEY.escape], wait: 'sort: setup' },
      { keys: ['/', 't', 'l', 's', KEY.enter] },
      { keys: [KEY.escape] },
      { keys: [KEY.tab] }, // destinations
      { keys: [KEY.tab] }, // pool
      { keys: [KEY.tab] }, // findings
      { keys: [KEY.enter] }, // the connections with the first finding code (if any)
    ]);
    expect(frames.filter((f) => f.includes('(Esc back, arrows scroll)'))).toHaveLength(2);
    // The two detail views came from the spill file, for the rows selected.
    expect(asked).toHaveLength(2);
    for (const r of asked) expect(r.constructor.name).toBe('RowView');
  });
});

test('a detail the spill cannot give (null): the table stays', async () => {
  const { rows } = await both('demo-loopback-mix.pcapng');
  const s = open(rows, () => null);
  await s.waitFor('sort: setup');
  const before = s.frame();
  await s.press(KEY.enter);
  expect(s.frame()).toBe(before);
  expect(s.frame()).not.toContain('Connection #');
});
