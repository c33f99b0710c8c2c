#!/usr/bin/env node
// Issue 14's benchmark: our whole analysis with NDJSON output against tshark's handshake
// job, tcptrace -n -l (when installed) and the Node floor loop (scripts/bench-floor.mjs),
// in one alternating run (ours, tshark, tcptrace, floor, ours, ...), on:
//   pcap      bench-data/big.pcap (scripts/make-bench-capture.sh makes it)
//   pcapng    the same, editcap -F pcapng
//   gzip      the same, gzip -c
//   lz4       the same, lz4 (left out when the lz4 program is not installed)
//   stdin     the same, `cat FILE | ... -`
//   syn1m     1,000,000 unanswered SYNs (gen-adversarial.mjs syn-flood 0.5)
//   conc200k  200,000 connections open at once (gen-adversarial.mjs concurrent-200k)
//   conc2k    the same 200,000 connections, 2,000 open at once (concurrent-2k)
//             Both conc rows run ours with --memory 2048, whose cap of open connections
//             (200,000) holds all of conc200k's open at once: at the default cap (100,000)
//             half of them would be finalized at their SYN and analysed less, and the
//             per-byte comparison of the two rows would not be like for like.
// Derived files are made in bench-data/ when missing.
//
// Every command runs under /usr/bin/time: wall seconds, CPU seconds (user+sys) and peak
// RSS. The table gives the median of the runs; the machine is shared, so CPU time is the
// figure to compare, and the load average during the runs is printed with it.
//
// Usage: npm run bench -- [--runs N] [--rows pcap,pcapng,...] [--tools ours,tshark,tcptrace,floor]
//                         [--file bench-data/big.pcap] [--json out.json] [--markdown]
//   --runs N      runs per row and tool (default 3)
//   --rows        rows to run (default all)
//   --tools       tools to run (default all that are installed)
//   --file        the big classic pcap (default bench-data/big.pcap)
//   --json F      also write every sample to F
//   --alt DIR     also run DIR/cli.js as tool 'alt' (A/B of a change: cp -r dist /tmp/before)
// Quick run: npm run bench -- --runs 1 --rows pcap --tools ours,floor
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench-data');
mkdirSync(DATA, { recursive: true });
const TIMES = join(DATA, `.time-${process.pid}`);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const runs = Number(opt('--runs', '3'));
const big = opt('--file', join(DATA, 'big.pcap'));
const jsonOut = opt('--json', undefined);
const ALL_ROWS = ['pcap', 'pcapng', 'gzip', 'lz4', 'stdin', 'syn1m', 'conc200k', 'conc2k'];
/** Rows that are big.pcap in another form: compared with the pcap row, and with its floor (the floor reads classic pcap only). */
const FORMS_OF_PCAP = ['pcapng', 'gzip', 'lz4', 'stdin'];
let rows = opt('--rows', ALL_ROWS.join(',')).split(',');
for (const r of rows) if (!ALL_ROWS.includes(r)) fail(`unknown row ${r}; rows: ${ALL_ROWS.join(', ')}`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (rows.includes('lz4') && !has('lz4') && !existsSync(`${big}.lz4`)) {
  console.log('lz4 not installed (apt-get install lz4): the lz4 row is left out');
  rows = rows.filter((r) => r !== 'lz4');
}
const ALL_TOOLS = ['ours', 'tshark', 'tcptrace', 'floor'];
let tools = opt('--tools', ALL_TOOLS.join(',')).split(',');
for (const t of tools) if (!ALL_TOOLS.includes(t)) fail(`unknown tool ${t}; tools: ${ALL_TOOLS.join(', ')}`);
if (tools.includes('tshark') && !has('tshark')) tools = tools.filter((t) => t !== 'tshark');
if (tools.includes('tcptrace') && !has('tcptrace')) {
  console.log('tcptrace not installed (apt-get install tcptrace): its column is left out');
  tools = tools.filter((t) => t !== 'tcptrace');
}
const alt = opt('--alt', undefined);
if (alt) tools.splice(1, 0, 'alt');
if (!existsSync('/usr/bin/time')) fail('/usr/bin/time is needed (apt-get install time)');
if (!existsSync(join(ROOT, 'dist/cli.js'))) fail('dist/cli.js missing: npm run build');

function fail(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ------------------------------------------------------------------ inputs

function make(path, what, fn) {
  if (existsSync(path)) return path;
  console.log(`making ${basename(path)} (${what}) ...`);
  fn();
  return path;
}
const sh = (cmd) => execFileSync('bash', ['-c', cmd], { stdio: ['ignore', 'inherit', 'inherit'] });
const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;

function input(row) {
  const needBig = () => {
    if (!existsSync(big)) fail(`${big} not found; make it with: bash scripts/make-bench-capture.sh`);
    return big;
  };
  const stem = big.replace(/\.pcap$/, '');
  const gen = (name, scale, out) => make(join(DATA, out), name, () => sh(`node ${q(join(ROOT, 'scripts/gen-adversarial.mjs'))} ${name} ${q(join(DATA, out))} ${scale}`));
  switch (row) {
    case 'pcap':
    case 'stdin': return needBig();
    case 'pcapng': return make(`${stem}.pcapng`, 'editcap -F pcapng', () => sh(`editcap -F pcapng ${q(needBig())} ${q(`${stem}.pcapng`)}`));
    case 'gzip': return make(`${big}.gz`, 'gzip -c', () => sh(`gzip -c ${q(needBig())} > ${q(`${big}.gz`)}`));
    case 'lz4': return make(`${big}.lz4`, 'lz4', () => sh(`lz4 -q -f ${q(needBig())} ${q(`${big}.lz4`)}`));
    case 'syn1m': return gen('syn-flood', 0.5, 'syn-1m.pcap');
    case 'conc200k': return gen('concurrent-200k', 1, 'concurrent-200k.pcap');
    case 'conc2k': return gen('concurrent-2k', 1, 'concurrent-2k.pcap');
  }
  throw new Error(row);
}

// ------------------------------------------------------------------ commands

const node = process.execPath;
/** Our options beyond the output format: the conc rows hold all 200,000 connections open (see the top). */
const oursFlags = (row) => (row === 'conc200k' || row === 'conc2k' ? ' --memory 2048' : '');
function command(tool, row, file) {
  const stdin = row === 'stdin';
  const src = stdin ? '-' : q(file);
  const pre = stdin ? `cat ${q(file)} | ` : '';
  switch (tool) {
    case 'ours': return `${pre}${node} ${q(join(ROOT, 'dist/cli.js'))} ${src} --format ndjson${oursFlags(row)}`;
    case 'alt': return `${pre}${node} ${q(join(alt, 'cli.js'))} ${src} --format ndjson${oursFlags(row)}`;
    case 'tshark':
      return `${pre}tshark -r ${src} -Y 'tcp.flags.syn==1 || tls.handshake.type' -T fields -e frame.number -e tcp.stream -e tls.handshake.type`;
    // tcptrace reads gzip (through gzip -dc) but not lz4.
    case 'tcptrace': return stdin || row === 'lz4' ? undefined : `tcptrace -n -l ${q(file)}`;
    case 'floor':
      return FORMS_OF_PCAP.includes(row) ? undefined : `${node} ${q(join(ROOT, 'scripts/bench-floor.mjs'))} ${q(file)}`;
  }
  return undefined;
}

/** Runs `cmd` (its stdout to /dev/null) with /usr/bin/time on the last command of the pipe. */
function measure(cmd) {
  const parts = cmd.split(' | ');
  const last = parts.pop();
  const timed = `${parts.map((p) => p + ' | ').join('')}/usr/bin/time -f 'TIME %e %U %S %M %x' -o ${TIMES} ${last} > /dev/null 2>/dev/null`;
  const load0 = loadavg()[0];
  rmSync(TIMES, { force: true });
  const r = spawnSync('bash', ['-c', timed], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const out = existsSync(TIMES) ? readFileSync(TIMES, 'utf8') : '';
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)/.exec(out);
  if (!m) return { error: `no timing (${out.trim()} ${(r.stderr ?? '').trim()})` };
  const [, wall, user, sys, rssKiB, code] = m;
  return { wall: +wall, cpu: +user + +sys, rssMiB: +rssKiB / 1024, exit: +code, load: (load0 + loadavg()[0]) / 2 };
}

// ------------------------------------------------------------------ run

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
const tsharkVersion = tools.includes('tshark') ? execFileSync('tshark', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0] : '';
console.log(`machine: ${cpus().length} × ${cpuModel}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${tsharkVersion ? `, ${tsharkVersion}` : ''}`);
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`runs: ${runs} per row and tool, alternating ${tools.join(', ')}\n`);

const samples = []; // { row, tool, wall, cpu, rssMiB, exit, load }
const files = {};
for (const row of rows) files[row] = input(row);
for (const row of rows) {
  const file = files[row];
  const size = statSync(file).size;
  process.stdout.write(`${row}: ${basename(file)} (${(size / 1e6).toFixed(0)} MB) `);
  for (let i = 0; i < runs; i++) {
    for (const tool of tools) {
      const cmd = command(tool, row, file);
      if (!cmd) continue;
      const s = measure(cmd);
      if (s.error) {
        console.log(`\n  ${tool}: ${s.error}`);
        continue;
      }
      samples.push({ row, tool, ...s });
      process.stdout.write('.');
    }
  }
  process.stdout.write('\n');
}

// ------------------------------------------------------------------ report

const get = (row, tool) => {
  const ss = samples.filter((s) => s.row === row && s.tool === tool);
  if (ss.length === 0) return undefined;
  return { n: ss.length, wall: median(ss.map((s) => s.wall)), cpu: median(ss.map((s) => s.cpu)), rss: Math.max(...ss.map((s) => s.rssMiB)), exit: ss[0].exit };
};
const f2 = (x) => (x === undefined || Number.isNaN(x) ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
const loads = samples.map((s) => s.load);

console.log('');
console.log(`Median of ${runs} run(s); CPU = user+sys seconds; RSS = highest peak of the runs.`);
console.log(`Load average (1 min) during the runs: median ${f2(median(loads))}, ${f2(Math.min(...loads))}–${f2(Math.max(...loads))} on ${cpus().length} cores.\n`);
const head = ['input', 'MB', 'ours CPU s', 'ours wall s', 'ours RSS MiB', 'tshark CPU s', 'tshark/ours', 'tcptrace CPU s', 'tcptrace/ours', 'floor CPU s', 'ours/floor', 'vs pcap'];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
const pcapOurs = get('pcap', 'ours');
for (const row of rows) {
  const ours = get(row, 'ours');
  const ts = get(row, 'tshark');
  const tt = get(row, 'tcptrace');
  const fl = get(row, 'floor') ?? (FORMS_OF_PCAP.includes(row) ? get('pcap', 'floor') : undefined);
  const vsPcap = FORMS_OF_PCAP.includes(row) && pcapOurs && ours ? `${(((ours.cpu / pcapOurs.cpu) - 1) * 100).toFixed(0)} % CPU, ${(((ours.wall / pcapOurs.wall) - 1) * 100).toFixed(0)} % wall` : '';
  const cells = [
    row,
    (statSync(files[row]).size / 1e6).toFixed(0),
    f2(ours?.cpu),
    f2(ours?.wall),
    ours ? ours.rss.toFixed(0) : '–',
    f2(ts?.cpu),
    ratio(ts?.cpu, ours?.cpu),
    f2(tt?.cpu),
    ratio(tt?.cpu, ours?.cpu),
    f2(fl?.cpu),
    ratio(ours?.cpu, fl?.cpu),
    vsPcap,
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
console.log('');
for (const row of rows) {
  for (const tool of tools) {
    const g = get(row, tool);
    if (g) console.log(`${row.padEnd(9)} ${tool.padEnd(9)} wall ${f2(g.wall).padStart(6)} s  cpu ${f2(g.cpu).padStart(6)} s  peak RSS ${g.rss.toFixed(0).padStart(5)} MiB  exit ${g.exit}`);
  }
}
const c200 = get('conc200k', 'ours');
const c2 = get('conc2k', 'ours');
if (c200 && c2) {
  const per = (g, row) => g.cpu / (statSync(files[row]).size / 1e6);
  console.log(`\n200,000 open vs 2,000 open (both --memory 2048): ${(per(c200, 'conc200k') * 1000).toFixed(2)} vs ${(per(c2, 'conc2k') * 1000).toFixed(2)} ms CPU per MB (${ratio(per(c200, 'conc200k'), per(c2, 'conc2k'))})`);
}
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
rmSync(TIMES, { force: true });
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine: { cpus: cpus().length, cpuModel, node: process.version, tshark: tsharkVersion }, runs, samples }, null, 1));
