/**
 * LiveReport (src/report/live.ts) against its doc comments: finished records
 * kept as rows up to maxRows (later ones only counted as dropped), late
 * findings applied to a finished TCP row, the open set replaced, a version
 * that rises with every change (and only then), and a snapshot computed again
 * only after a change. The figures are checked against summarize() and
 * destinations() over the same records (the rows must read the same).
 */
import { LIVE_MAX_ROWS, LiveReport, type LiveConnection } from '../../src/report/live.js';
import { destinations } from '../../src/report/destinations.js';
import { summarize } from '../../src/report/summary.js';
import type { ConnectionRecord, Finding } from '../../src/timeline/types.js';
import { rec } from './records.js';

const T0 = 1_700_000_000;
const open = (r: ConnectionRecord): LiveConnection => ({ record: r, phase: 'open', seenAtMs: 123 });
const fields = (c: { id: number; start: number; end: number; setup: { ms: number | null } }) => ({ id: c.id, start: c.start, end: c.end, setupMs: c.setup.ms });

describe('LiveReport', () => {
  test('default row bound', () => {
    expect(LIVE_MAX_ROWS).toBe(1_500_000);
  });

  test('empty: version 0, nothing finished', () => {
    const r = new LiveReport();
    expect(r.changes).toBe(0);
    expect(r.finishedCount).toBe(0);
    const s = r.snapshot();
    expect(s.connections).toEqual([]);
    expect(s.finished).toBe(0);
    expect(s.dropped).toBe(0);
    expect(s.version).toBe(0);
    expect(s.open.size).toBe(0);
    expect(s.summary).toEqual(summarize([]));
    expect(s.destinations).toEqual([]);
  });

  test('finished rows in close order, then the open records; figures as over the records', () => {
    const r = new LiveReport();
    const fin = [rec({ id: 7, start: T0 + 2, end: T0 + 3, setupMs: 20 }), rec({ id: 3, start: T0, end: T0 + 1, setupMs: 10, sni: 'b.test' })];
    for (const f of fin) r.add(f);
    expect(r.changes).toBe(2);
    expect(r.finishedCount).toBe(2);
    const o = [open(rec({ id: 9, start: T0 + 4, end: T0 + 5, setupMs: 30 })), open(rec({ id: 8, start: T0 + 4, end: T0 + 6, setupMs: 40 }))];
    r.setOpen(o);
    expect(r.changes).toBe(3);
    const s = r.snapshot();
    expect(s.version).toBe(3);
    expect(s.finished).toBe(2);
    expect(s.connections.map(fields)).toEqual([...fin, ...o.map((x) => x.record)].map(fields));
    // the open ones are the records themselves, mapped to their live entry
    expect(s.connections[2]).toBe(o[0]!.record);
    expect(s.connections[3]).toBe(o[1]!.record);
    expect([...s.open.keys()]).toEqual([o[0]!.record, o[1]!.record]);
    expect(s.open.get(o[1]!.record)).toBe(o[1]);
    const all = [...fin, ...o.map((x) => x.record)];
    expect(s.summary).toEqual(summarize(all));
    expect(s.destinations).toEqual(destinations(all));
  });

  test('the snapshot is cached until a change, then computed again', () => {
    const r = new LiveReport();
    r.add(rec({ start: T0, end: T0 + 1 }));
    const s1 = r.snapshot();
    expect(r.snapshot()).toBe(s1);
    r.add(rec({ start: T0, end: T0 + 1 }));
    const s2 = r.snapshot();
    expect(s2).not.toBe(s1);
    expect(s2.version).toBe(2);
    expect(s2.connections).toHaveLength(2);
    expect(s1.connections).toHaveLength(1);
    expect(r.snapshot()).toBe(s2);
  });

  test('setOpen: replacing nothing with nothing is no change; anything else is', () => {
    const r = new LiveReport();
    r.setOpen([]);
    expect(r.changes).toBe(0);
    const a = open(rec({ start: T0, end: T0 + 1 }));
    r.setOpen([a]);
    expect(r.changes).toBe(1);
    expect(r.snapshot().connections).toEqual([a.record]);
    // the same set again still counts (the records may have moved on)
    r.setOpen([a]);
    expect(r.changes).toBe(2);
    r.setOpen([]);
    expect(r.changes).toBe(3);
    expect(r.snapshot().connections).toEqual([]);
    expect(r.snapshot().open.size).toBe(0);
    r.setOpen([]);
    expect(r.changes).toBe(3);
  });

  test('maxRows: later finished connections are only counted as dropped', () => {
    const r = new LiveReport(2);
    for (let i = 0; i < 5; i++) r.add(rec({ id: 100 + i, start: T0 + i, end: T0 + i + 1 }));
    expect(r.finishedCount).toBe(2);
    expect(r.changes).toBe(5);
    const s = r.snapshot();
    expect(s.connections.map((c) => c.id)).toEqual([100, 101]);
    expect(s.finished).toBe(2);
    expect(s.dropped).toBe(3);
    expect(s.summary.connections).toBe(2);
    const none = new LiveReport(0);
    none.add(rec({ start: T0, end: T0 + 1 }));
    expect(none.snapshot()).toMatchObject({ finished: 0, dropped: 1, connections: [] });
  });

  test('applyLate: findings added to a finished TCP row; an unknown id changes nothing', () => {
    const r = new LiveReport();
    r.add(rec({ id: 42, start: T0, end: T0 + 1 }));
    expect(r.snapshot().connections[0]!.findings).toEqual([]);
    const late: Finding[] = [{ code: 'retry', severity: 'warn', frame: 5, detail: 'a retry', costMs: 1000 }];
    r.applyLate(41, late);
    expect(r.changes).toBe(1);
    expect(r.snapshot().connections[0]!.findings).toEqual([]);
    r.applyLate(42, late);
    expect(r.changes).toBe(2);
    const s = r.snapshot();
    expect(s.version).toBe(2);
    expect(s.connections[0]!.findings!.map((f) => [f.code, f.frame, f.costMs])).toEqual([['retry', 5, 1000]]);
  });
});
