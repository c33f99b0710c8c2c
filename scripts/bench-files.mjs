#!/usr/bin/env node
// The scaling curve of many captures analysed at once (issue 14, "Design for >= 4 cores"):
// N copies of the whole analysis of FILE (`node dist/cli.js FILE --format ndjson > /dev/null`)
// started together as separate processes, for N = 1 .. --max, each set --runs times in turn.
// A process per file is the upper bound of "one worker per file": nothing is handed over
// and no report is merged. Prints per N the wall time until the last one ends (median), the
// CPU of all of them (user+sys, from /usr/bin/time), the throughput (N x size / wall) and
// its speed-up over N = 1, and each process's peak RSS.
//
//   npm run build && node scripts/bench-files.mjs [--max 4] [--runs 3] bench-data/big.pcap
import { spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let max = 4;
let runs = 3;
let file;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--max') max = Number(args[++i]);
  else if (args[i] === '--runs') runs = Number(args[++i]);
  else file = args[i];
}
if (!file || !(max >= 1) || !(runs >= 1)) {
  console.error('usage: node scripts/bench-files.mjs [--max N] [--runs R] FILE');
  process.exit(2);
}
const mb = statSync(file).size / 1e6;

/** One analysis under /usr/bin/time: resolves with its CPU seconds and peak RSS (MiB). */
function one() {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, join(root, 'dist', 'cli.js'), file, '--format', 'ndjson'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(err);
      if (code !== 0 || !m) return reject(new Error(`exit ${code}: ${err.slice(-300)}`));
      resolve({ cpu: Number(m[1]) + Number(m[2]), rss: Number(m[3]) / 1024 });
    });
  });
}

async function set(n) {
  const t0 = process.hrtime.bigint();
  const done = await Promise.all(Array.from({ length: n }, () => one()));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return { wall, cpu: done.reduce((s, d) => s + d.cpu, 0), rss: Math.max(...done.map((d) => d.rss)) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`${file}: ${mb.toFixed(0)} MB; ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; load ${loadavg()[0].toFixed(2)}`);
const results = new Map();
for (let r = 0; r < runs; r++) {
  for (let n = 1; n <= max; n++) {
    const x = await set(n);
    if (!results.has(n)) results.set(n, []);
    results.get(n).push(x);
    process.stderr.write(`run ${r + 1}, ${n} at once: ${x.wall.toFixed(2)} s wall, ${x.cpu.toFixed(2)} s CPU\n`);
  }
}
console.log(`load at end ${loadavg()[0].toFixed(2)}; medians of ${runs}\n`);
console.log('| files at once | wall s | CPU s (all) | CPU s per file | MB/s | speed-up | peak RSS MiB (each) |');
console.log('|---|---|---|---|---|---|---|');
let base;
for (const [n, xs] of results) {
  const wall = median(xs.map((x) => x.wall));
  const cpu = median(xs.map((x) => x.cpu));
  const rate = (n * mb) / wall;
  base ??= rate;
  console.log(`| ${n} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${(cpu / n).toFixed(2)} | ${rate.toFixed(0)} | ${(rate / base).toFixed(2)}× | ${median(xs.map((x) => x.rss)).toFixed(0)} |`);
}
