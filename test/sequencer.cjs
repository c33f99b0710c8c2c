/**
 * Jest's order, with the suites known to be long started first. Jest orders by the
 * durations in its cache, but a fresh clone (CI) has no cache and falls back to file
 * size, which once left a 100 s suite to start last and set the run's tail. Durations
 * below are from a full run on the 2-core machine at load 7-8 (seconds; about 3x an
 * idle run), after the tshark store (test/helpers/tshark.ts) took the tshark-bound
 * suites off the list; a stale entry only changes the order, never what runs.
 */
const Sequencer = require('@jest/test-sequencer').default;

const LONG = [
  ['test/cli/cli.test.ts', 118],
  ['test/tcp/memory.test.ts', 90],
  ['test/e2e/tui.test.ts', 78],
  ['test/cli/flags.test.ts', 64],
  ['test/fuzz/fuzz.test.ts', 61],
  ['test/fuzz/adversarial.test.ts', 58],
  ['test/capture/golden-pieces.test.ts', 57],
  ['test/fuzz/budgets.test.ts', 45],
  ['test/report/sketch.test.ts', 39],
  ['test/tcp/tracker.test.ts', 36],
  ['test/tcp/reassembly.test.ts', 32],
  ['test/tls/names.test.ts', 27],
  ['test/tcp/connection-units.test.ts', 25],
  ['test/ui/rows.test.tsx', 22],
  ['test/live/stream.test.ts', 22],
  ['test/decode/fuzz.test.ts', 16],
  ['test/invariance/invariance.test.ts', 15],
  ['test/capture/gzip.test.ts', 11],
  ['test/cli/keylog.test.ts', 10],
  ['test/capture/golden.test.ts', 10],
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
