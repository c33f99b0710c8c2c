/**
 * The UI fed by a live report while the capture is still being read: open
 * connections show their phase and age, finished ones their state; the first
 * q stops reading (the load then resolves) and the screen says "stopped
 * after"; the next q quits. Records come from real fixtures.
 */
import { LiveReport } from '../../src/report/live.js';
import type { Analysis } from '../../src/report/types.js';
import { renderApp, type Screen } from './harness.js';
import { analysis, fixture } from './fixtures.js';

const screens: Screen[] = [];
afterEach(() => {
  while (screens.length) screens.pop()!.unmount();
});

test('open rows show phase and age, q stops reading and shows the report, q again quits', async () => {
  // lo-tcp-syn-unanswered.pcap: one SYN never answered (tshark: tcp.stream 0, no SYN-ACK).
  const syn = await analysis(fixture('lo-tcp-syn-unanswered.pcap'));
  const done = await analysis(fixture('zeek-tls12-basic.pcap'));
  const report = new LiveReport();
  const clock = { now: 1_000_000 };
  report.add(done.connections[0]!);
  report.setOpen([{ record: { ...syn.connections[0]!, id: 1 }, phase: 'SYN sent', seenAtMs: clock.now - 3000 }]);
  let finish: (a: Analysis) => void = () => {};
  let stopped = false;
  const s = renderApp(
    {
      title: 'stdin',
      load: () => new Promise<Analysis>((resolve) => (finish = resolve)),
      now: () => clock.now,
      progressIntervalMs: 10,
      live: {
        report,
        stop: () => {
          stopped = true;
          finish({ capture: done.capture, connections: [done.connections[0]!, { ...syn.connections[0]!, id: 1 }] });
        },
        stopped: () => stopped,
      },
    },
    { columns: 120, rows: 30 },
  );
  screens.push(s);
  let f = await s.waitFor('SYN sent');
  expect(f).toContain('live · reading');
  expect(f).toContain('2 of 2 connections');
  expect(f).toMatch(/ 3\.0+s +\S+ +SYN sent/); // age 3 s in the life column
  expect(f).toMatch(/complete/);
  expect(f).toContain('1 open · q stops reading');
  await s.press('q');
  f = await s.waitFor('stopped after');
  expect(stopped).toBe(true);
  expect(s.exitCode()).toBeUndefined();
  expect(f).not.toContain('SYN sent');
  expect(f).toMatch(/unanswered/);
  await s.press('q');
  expect(s.exitCode()).toBe(0);
});

test('while reading: a finished row keeps no record (its detail is read back), an open row shows its record; rows past the bound are counted', async () => {
  const syn = await analysis(fixture('lo-tcp-syn-unanswered.pcap'));
  const done = await analysis(fixture('zeek-tls12-basic.pcap'));
  // At most one finished row: the second finished connection is counted, not listed.
  const report = new LiveReport(1);
  report.add(done.connections[0]!);
  report.add({ ...done.connections[0]!, id: 7 });
  report.setOpen([{ record: { ...syn.connections[0]!, id: 1 }, phase: 'SYN sent', seenAtMs: 1_000_000 - 3000 }]);
  const asked: string[] = [];
  const s = renderApp(
    {
      title: 'stdin',
      load: () => new Promise<Analysis>(() => {}),
      now: () => 1_000_000,
      progressIntervalMs: 10,
      detail: (row) => {
        asked.push(`${row.transport}${row.id}`);
        return done.connections.find((c) => c.id === row.id) ?? null;
      },
      live: { report, stop: () => {}, stopped: () => false },
    },
    { columns: 150, rows: 40 },
  );
  screens.push(s);
  let f = await s.waitFor('SYN sent');
  expect(f).toContain('2 of 2 connections');
  expect(f).toContain('1 closed not counted (--memory)');
  // Sorted by setup: the finished TLS connection first, the open SYN (no setup) last.
  await s.press('\r');
  f = await s.waitFor('arrows scroll');
  expect(f).toContain('Connection #0 ');
  expect(asked).toEqual(['tcp0']);
  await s.press('\x1b');
  await s.waitFor('SYN sent');
  await s.press('G', '\r');
  f = await s.waitFor('arrows scroll');
  expect(f).toContain('Connection #1 ');
  expect(asked).toEqual(['tcp0']); // the open connection's record was shown as it is
});
