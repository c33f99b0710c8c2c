/**
 * What the connection tracker gave up to stay within its bounds, as the
 * capture warnings the analyze stage prints (issue 15: "the tool says what it
 * dropped"): connections finalized early beyond the open-connection cap, and
 * holes given up because the shared held-bytes budget was full.
 */
import { DEFAULT_HELD_BUDGET } from './reassembly.js';
import { DEFAULT_MAX_OPEN, type TrackerOptions, type TrackerStats } from './tracker.js';

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (x: number, one: string, many: string): string => `${n(x)} ${x === 1 ? one : many}`;

function mib(bytes: number): string {
  const m = bytes / (1 << 20);
  return Number.isInteger(m) ? `${m} MiB` : `${m.toFixed(1)} MiB`;
}

export function trackerWarnings(
  s: Pick<TrackerStats, 'finalizedEarly' | 'heldEvictions' | 'holesGivenUp' | 'bytesGivenUp'> & Partial<Pick<TrackerStats, 'afterEarly'>>,
  opts: TrackerOptions = {},
): string[] {
  const out: string[] = [];
  if (s.finalizedEarly > 0) {
    const cap = Math.max(1, opts.maxOpenConnections ?? DEFAULT_MAX_OPEN);
    out.push(
      `${plural(s.finalizedEarly, 'connection was', 'connections were')} finalized early, in the state they had then: ` +
        `more than ${n(cap)} were open at once (the longest idle went first)` +
        (s.afterEarly ? `; ${plural(s.afterEarly, 'later packet', 'later packets')} of theirs not analysed` : ''),
    );
  }
  if (s.holesGivenUp > 0) {
    const max = opts.heldBudgetBytes ?? DEFAULT_HELD_BUDGET;
    out.push(
      `${plural(s.holesGivenUp, 'hole', 'holes')} in ${plural(s.heldEvictions, 'stream', 'streams')} given up ` +
        `(${plural(s.bytesGivenUp, 'byte', 'bytes')} never seen, reported as gaps): ` +
        `more than ${mib(max)} was held ahead of holes across connections (the oldest went first)`,
    );
  }
  return out;
}
