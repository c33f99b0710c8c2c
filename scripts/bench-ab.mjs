#!/usr/bin/env node
// A/B of a change on one capture: two builds of the CLI run in turn (A, B, A, B, ...), each
// under /usr/bin/time, and the medians of CPU time (user+sys) and peak RSS are printed with
// the load average. The outputs of the two builds are compared byte for byte (by hash) on
// every run: a change that alters the output is reported as such.
//
//   node scripts/bench-ab.mjs --a /tmp/before --b dist [--runs 5] [--a-flags F] [--b-flags F] [--stdin] FILE [-- CLI ARGS]
//
// --a / --b are directories holding cli.js (cp -r dist /tmp/before before the change; a copy
// outside the repository needs node_modules and package.json next to it, e.g. a symlink).
// CLI ARGS default to `--format ndjson`. --a-flags / --b-flags: node options for that side, space
// separated (e.g. --b-flags --max-semi-space-size=32 to try a V8 setting on one build).
// --stdin: the capture is piped in (`cat FILE | node cli.js - ...`) instead of named.
// Wall time is printed beside CPU time: it is the figure for overlap (a read or inflate off the
// main thread), and only means something when a core is free (see the load average).
// The last lines also compare the runs in pairs (run i of A with run i of B, back to back), with
// a sign test: on this machine two medians of 8 runs have disagreed in sign for one change.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const own = dash < 0 ? args : args.slice(0, dash);
const cliArgs = dash < 0 ? ['--format', 'ndjson'] : args.slice(dash + 1);
const opt = (name, def) => {
  const i = own.indexOf(name);
  if (i < 0) return def;
  const v = own[i + 1];
  own.splice(i, 2);
  return v;
};
const a = resolve(opt('--a', '/tmp/before'));
const b = resolve(opt('--b', 'dist'));
const runs = Number(opt('--runs', '5'));
const stdinIdx = own.indexOf('--stdin');
const viaStdin = stdinIdx >= 0;
if (viaStdin) own.splice(stdinIdx, 1);
const flags = { A: opt('--a-flags', '').split(' ').filter(Boolean), B: opt('--b-flags', '').split(' ').filter(Boolean) };
const file = own[0];
if (file === undefined || !(runs > 0)) {
  console.error('usage: bench-ab.mjs --a DIR --b DIR [--runs N] [--stdin] FILE [-- CLI ARGS]');
  process.exit(2);
}

const times = join(tmpdir(), `bench-ab-${process.pid}.time`);
const outFile = join(tmpdir(), `bench-ab-${process.pid}.out`);

function once(dir, nodeFlags) {
  const script = viaStdin
    ? `t="$1"; o="$2"; f="$3"; shift 3; cat "$f" | /usr/bin/time -o "$t" -f '%U %S %M %e' node "$@" > "$o"`
    : `t="$1"; o="$2"; shift 2; /usr/bin/time -o "$t" -f '%U %S %M %e' node "$@" > "$o"`;
  const src = viaStdin ? [file, ...nodeFlags, join(dir, 'cli.js'), '-'] : [...nodeFlags, join(dir, 'cli.js'), file];
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', times, outFile, ...src, ...cliArgs], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`${dir}: exit ${r.status}`);
  const t = readFileSync(times, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  const hash = createHash('sha256').update(readFileSync(outFile)).digest('hex').slice(0, 16);
  return { cpu: t[0] + t[1], rss: t[2] / 1024, wall: t[3], hash };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Two-sided sign test: the chance of k or a split as lopsided among n fair coin flips. */
function signTest(k, n) {
  let c = 1; // C(n, 0)
  const p = [];
  for (let i = 0; i <= n; i++) {
    p.push(c / 2 ** n);
    c = (c * (n - i)) / (i + 1);
  }
  const tail = (lo) => p.slice(0, lo + 1).reduce((x, y) => x + y, 0);
  return Math.min(1, 2 * tail(Math.min(k, n - k)));
}

const res = { A: [], B: [] };
const loads = [];
for (let i = 0; i < runs; i++) {
  for (const [k, dir] of i % 2 === 0 ? [['A', a], ['B', b]] : [['B', b], ['A', a]]) {
    loads.push(loadavg()[0]);
    const r = once(dir, flags[k]);
    res[k].push(r);
    console.log(`${k} run ${i + 1}: ${r.cpu.toFixed(2)} s CPU, ${r.wall.toFixed(2)} s wall, ${r.rss.toFixed(0)} MiB, output ${r.hash} (load ${loads[loads.length - 1].toFixed(1)})`);
  }
}
rmSync(times, { force: true });
rmSync(outFile, { force: true });
const hashes = new Set([...res.A, ...res.B].map((r) => r.hash));
const ma = median(res.A.map((r) => r.cpu));
const mb = median(res.B.map((r) => r.cpu));
const wa = median(res.A.map((r) => r.wall));
const wb = median(res.B.map((r) => r.wall));
console.log(`A ${[...flags.A, a].join(' ')}: median ${ma.toFixed(2)} s CPU, ${wa.toFixed(2)} s wall, ${median(res.A.map((r) => r.rss)).toFixed(0)} MiB`);
console.log(`B ${[...flags.B, b].join(' ')}: median ${mb.toFixed(2)} s CPU, ${wb.toFixed(2)} s wall, ${median(res.B.map((r) => r.rss)).toFixed(0)} MiB`);
console.log(`B/A ${(mb / ma).toFixed(3)} CPU (${((mb / ma - 1) * 100).toFixed(1)} %), ${(wb / wa).toFixed(3)} wall (${((wb / wa - 1) * 100).toFixed(1)} %), load average ${median(loads).toFixed(1)} (median at the starts)`);
// Paired: run i of A and run i of B ran back to back, so a drift of the machine's speed over the
// whole A/B (it happens here: whole minutes 10-25 % slower) cancels in their ratio. The sign test
// says how often as many pairs would lean one way if the two builds were the same.
const ratios = res.A.map((r, i) => res.B[i].cpu / r.cpu);
const faster = ratios.filter((x) => x < 1).length;
console.log(
  `paired (run i of each): B/A median ${median(ratios).toFixed(3)} CPU, B faster in ${faster} of ${ratios.length} pairs ` +
    `(two-sided sign test p = ${signTest(faster, ratios.length).toFixed(2)})`,
);
console.log(hashes.size === 1 ? 'outputs identical' : `OUTPUTS DIFFER: ${[...hashes].join(' ')}`);
process.exit(hashes.size === 1 ? 0 : 1);
