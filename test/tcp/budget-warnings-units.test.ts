/**
 * trackerWarnings (src/tcp/budget-warnings.ts): the capture warnings for what the
 * tracker gave up, whole strings. Expected texts are README's ("Bounds" and the
 * adversarial table: `1,900,000 connections were finalized early, ... more than
 * 100,000 were open at once ...`, `3,936 holes in 3,936 streams given up
 * (393,600 bytes never seen, ...): more than 64 MiB was held ...`), with the
 * tracker's own reading of its options: the defaults DEFAULT_MAX_OPEN (100,000)
 * and 64 MiB, and a cap below 1 taken as 1 (tracker.ts: Math.max(1, ...)).
 * test/findings/wiring.test.ts checks the same warnings reach the capture.
 */
import { trackerWarnings } from '../../src/tcp/budget-warnings.js';
import { ConnectionTracker } from '../../src/tcp/tracker.js';
import { TCP_SYN } from '../../src/decode/types.js';
import { pkt } from './packets.js';

const none = { finalizedEarly: 0, heldEvictions: 0, holesGivenUp: 0, bytesGivenUp: 0 };
const EARLY = (n: string, cap: string) => `${n} finalized early, in the state they had then: more than ${cap} were open at once (the longest idle went first)`;
const HELD = (holes: string, streams: string, bytes: string, max: string) =>
  `${holes} in ${streams} given up (${bytes} never seen, reported as gaps): more than ${max} was held ahead of holes across connections (the oldest went first)`;

test('the defaults as README prints them: 100,000 open, 64 MiB held', () => {
  expect(trackerWarnings({ ...none, finalizedEarly: 1_900_000 })).toEqual([EARLY('1,900,000 connections were', '100,000')]);
  expect(trackerWarnings({ ...none, holesGivenUp: 3936, heldEvictions: 3936, bytesGivenUp: 393_600 })).toEqual([
    HELD('3,936 holes', '3,936 streams', '393,600 bytes', '64 MiB'),
  ]);
});

test('each warning alone, both together in that order, none at zero', () => {
  expect(trackerWarnings(none, {})).toEqual([]);
  expect(trackerWarnings({ ...none, afterEarly: 5 }, {})).toEqual([]);
  const both = trackerWarnings({ finalizedEarly: 2, afterEarly: 0, heldEvictions: 2, holesGivenUp: 2, bytesGivenUp: 2 }, { maxOpenConnections: 7, heldBudgetBytes: 2 << 20 });
  expect(both).toEqual([EARLY('2 connections were', '7'), HELD('2 holes', '2 streams', '2 bytes', '2 MiB')]);
});

test('singular and plural of every count', () => {
  expect(trackerWarnings({ finalizedEarly: 1, afterEarly: 1, heldEvictions: 1, holesGivenUp: 1, bytesGivenUp: 1 }, { maxOpenConnections: 1, heldBudgetBytes: 1 << 20 })).toEqual([
    EARLY('1 connection was', '1') + '; 1 later packet of theirs not analysed',
    HELD('1 hole', '1 stream', '1 byte', '1 MiB'),
  ]);
  expect(trackerWarnings({ finalizedEarly: 1, afterEarly: 2, heldEvictions: 0, holesGivenUp: 0, bytesGivenUp: 0 }, { maxOpenConnections: 1 })).toEqual([
    EARLY('1 connection was', '1') + '; 2 later packets of theirs not analysed',
  ]);
});

test('no later packets (0 or not given): no clause for them', () => {
  for (const afterEarly of [0, undefined]) expect(trackerWarnings({ ...none, finalizedEarly: 3, afterEarly }, { maxOpenConnections: 2 })).toEqual([EARLY('3 connections were', '2')]);
});

test('a cap below 1 is the tracker\'s cap of 1', () => {
  // The tracker itself: with maxOpenConnections 0 one connection stays open, the second SYN finalizes the first early.
  const finals: number[] = [];
  const t = new ConnectionTracker(() => undefined, (c) => finals.push(c.id), { maxOpenConnections: 0 });
  t.packet(pkt('10.0.0.1', 1000, '10.0.0.2', 80, TCP_SYN, 1), { frame: 1, tsSec: 1, tsNsec: 0 }, 60);
  t.packet(pkt('10.0.0.1', 1001, '10.0.0.2', 80, TCP_SYN, 1), { frame: 2, tsSec: 1, tsNsec: 0 }, 60);
  expect({ finals, open: t.open, early: t.stats.finalizedEarly }).toEqual({ finals: [0], open: 1, early: 1 });
  for (const cap of [0, -3]) expect(trackerWarnings({ ...none, finalizedEarly: 1 }, { maxOpenConnections: cap })).toEqual([EARLY('1 connection was', '1')]);
});

test('a budget not a whole number of MiB: one decimal', () => {
  const held = (max: number) => trackerWarnings({ ...none, holesGivenUp: 1, heldEvictions: 1, bytesGivenUp: 10 }, { heldBudgetBytes: max })[0];
  expect(held(3 << 19)).toBe(HELD('1 hole', '1 stream', '10 bytes', '1.5 MiB'));
  expect(held(100 << 10)).toBe(HELD('1 hole', '1 stream', '10 bytes', '0.1 MiB'));
  expect(held(640 << 20)).toBe(HELD('1 hole', '1 stream', '10 bytes', '640 MiB'));
});
