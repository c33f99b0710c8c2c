/**
 * Jest's order, with the suites known to be long started first. Jest orders by the
 * durations in its cache, but a fresh clone (CI) has no cache and falls back to file
 * size, which once left a 100 s suite to start last and set the run's tail. Durations
 * below are from a full run on the 2-core machine (seconds); a stale entry only
 * changes the order, never what runs.
 */
const Sequencer = require('@jest/test-sequencer').default;

const LONG = [
  ['test/e2e/tui.test.ts', 40],
  ['test/fuzz/adversarial.test.ts', 35],
  ['test/tls/fixtures.test.ts', 25], // 51 with two tshark runs per fixture
  ['test/cli/cli.test.ts', 24],
  ['test/cli/flags.test.ts', 23],
  ['test/loss/loss.test.ts', 19],
  ['test/capture/golden-pieces.test.ts', 19],
  ['test/tcp/memory.test.ts', 17],
  ['test/tcp/connection-units.test.ts', 16],
  ['test/fuzz/fuzz.test.ts', 15],
  ['test/live/stream.test.ts', 14],
  ['test/fuzz/budgets.test.ts', 13],
  ['test/report/sketch.test.ts', 11],
  ['test/tcp/tracker.test.ts', 11],
  ['test/ui/rows.test.tsx', 10],
  ['test/capture/golden.test.ts', 9],
  ['test/invariance/invariance.test.ts', 9],
  ['test/tcp/reassembly.test.ts', 8],
  ['test/decode/fuzz.test.ts', 8],
];

class LongFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const rank = (t) => {
      const p = t.path.replace(/\\/g, '/');
      const i = LONG.findIndex(([name]) => p.endsWith('/' + name));
      return i < 0 ? LONG.length : i;
    };
    // Array.prototype.sort is stable: the rest keep jest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongFirst;
