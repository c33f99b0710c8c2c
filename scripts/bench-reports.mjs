#!/usr/bin/env node
// Issue 14's memory goals for the reports over many connections, measured, not remembered:
// peak RSS and CPU of every output on a million connections, side by side with the goal
// each must meet.
//
// Inputs (made with scripts/gen-adversarial.mjs into bench-data/ when missing):
//   scan    1,000,000 SYNs to as many addresses (syn-scan 1): a million destinations
//   syn1m   1,000,000 unanswered SYNs to one destination (syn-flood 0.5)
//
// Reports, each `node dist/cli.js ... > /dev/null` under /usr/bin/time, the goal beside it:
//   ndjson, protobuf             <= 256 MiB, independent of the connection count
//   text, json, pool, pool-json  <= 600 MiB for 1M connections (a compact row each)
//   compare                      the capture against itself: 2M rows, <= 1,200 MiB
//   tui                          scripts/bench-tui.py --runs 1 (a pseudo-terminal; full view, then q), <= 600 MiB
//
// Usage: node scripts/bench-reports.mjs [--runs N] [--inputs scan,syn1m] [--reports text,tui,...]
// Needs `npm run build`, /usr/bin/time, and python3 for the tui row. Runs alternate
// (every report once, then again), and the table gives each report's peak RSS over
// the runs (min-max) and its median CPU (user+sys).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench-data');
const CLI = join(ROOT, 'dist/cli.js');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
function fail(msg) {
  console.error(`bench-reports: ${msg}`);
  process.exit(2);
}

const INPUTS = {
  scan: { file: 'scan-1m.pcap', gen: ['syn-scan', '1'], what: '1,000,000 SYNs to as many addresses' },
  syn1m: { file: 'syn-1m.pcap', gen: ['syn-flood', '0.5'], what: '1,000,000 unanswered SYNs to one destination' },
};
const MIB_256 = 256;
const MIB_600 = 600;
const REPORTS = {
  ndjson: { args: (f) => [f, '--format', 'ndjson'], goal: MIB_256 },
  protobuf: { args: (f) => [f, '--format', 'protobuf'], goal: MIB_256 },
  text: { args: (f) => [f, '--format', 'text'], goal: MIB_600 },
  json: { args: (f) => [f, '--format', 'json'], goal: MIB_600 },
  pool: { args: (f) => ['pool', f], goal: MIB_600 },
  'pool-json': { args: (f) => ['pool', f, '--format', 'json'], goal: MIB_600 },
  compare: { args: (f) => ['compare', f, f], goal: 2 * MIB_600 },
  tui: { goal: MIB_600 },
};

const runs = Number(opt('--runs', '2'));
if (!Number.isSafeInteger(runs) || runs < 1) fail('--runs must be a whole number >= 1');
const inputs = opt('--inputs', Object.keys(INPUTS).join(',')).split(',');
for (const i of inputs) if (!(i in INPUTS)) fail(`unknown input ${i}; inputs: ${Object.keys(INPUTS).join(', ')}`);
const reports = opt('--reports', Object.keys(REPORTS).join(',')).split(',');
for (const r of reports) if (!(r in REPORTS)) fail(`unknown report ${r}; reports: ${Object.keys(REPORTS).join(', ')}`);
if (!existsSync('/usr/bin/time')) fail('/usr/bin/time is needed (apt-get install time)');
if (!existsSync(CLI)) fail('dist/cli.js missing: npm run build');

function inputFile(name) {
  const { file, gen } = INPUTS[name];
  const path = join(DATA, file);
  if (!existsSync(path)) {
    console.log(`making bench-data/${file} (gen-adversarial.mjs ${gen.join(' ')}) ...`);
    execFileSync(process.execPath, [join(ROOT, 'scripts/gen-adversarial.mjs'), gen[0], path, gen[1]], { stdio: 'inherit' });
  }
  return path;
}

/** CPU seconds (user+sys) and peak RSS (MiB) of one report. */
function measure(report, file) {
  if (report === 'tui') {
    const r = spawnSync('python3', [join(ROOT, 'scripts/bench-tui.py'), '--runs', '1', file], { encoding: 'utf8' });
    const rss = /peak RSS: text [\d.]+ MiB, TUI ([\d.]+) MiB/.exec(r.stdout);
    const cpu = /TUI to its full view ([\d.]+) s/.exec(r.stdout);
    if (!rss || !cpu) fail(`bench-tui.py gave no figures:\n${r.stdout}${r.stderr}`);
    return { cpu: Number(cpu[1]), rss: Number(rss[1]) };
  }
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, CLI, ...REPORTS[report].args(file)], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) fail(`no /usr/bin/time figures for ${report}:\n${r.stderr}`);
  return { cpu: Number(m[1]) + Number(m[2]), rss: Number(m[3]) / 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (xs) => {
  const [lo, hi] = [Math.round(Math.min(...xs)), Math.round(Math.max(...xs))];
  return lo === hi ? `${lo}` : `${lo}–${hi}`;
};

for (const name of inputs) {
  const file = inputFile(name);
  const got = new Map(reports.map((r) => [r, []]));
  for (let run = 1; run <= runs; run++) {
    for (const report of reports) {
      const m = measure(report, file);
      got.get(report).push(m);
      console.log(`${name} run ${run}: ${report} ${m.cpu.toFixed(1)} s CPU, ${Math.round(m.rss)} MiB`);
    }
  }
  console.log(`\n${name}: ${INPUTS[name].what} (${runs} run${runs > 1 ? 's' : ''} each; load ${(await import('node:os')).loadavg()[0].toFixed(1)})\n`);
  console.log('| report | peak RSS MiB | goal MiB | met | CPU s (median) |');
  console.log('|---|---|---|---|---|');
  for (const report of reports) {
    const ms = got.get(report);
    const rss = ms.map((m) => m.rss);
    const goal = REPORTS[report].goal;
    console.log(`| ${report} | ${cell(rss)} | ${goal} | ${Math.max(...rss) <= goal ? 'yes' : 'no'} | ${median(ms.map((m) => m.cpu)).toFixed(1)} |`);
  }
  console.log('');
}
