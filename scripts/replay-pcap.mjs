#!/usr/bin/env node
/**
 * Replay a recorded pcap through a pipe at its original pace (or a multiple):
 * the file header at once, then each record when its time comes, like
 * `tcpdump -U -w -` would have written it.
 *
 *   node scripts/replay-pcap.mjs [--speed N] [--max-gap MS] [--hold] capture.pcap | handshake-lens -
 *
 * --speed N     N times faster than recorded (default 1)
 * --max-gap MS  wait at most MS between two records (default: no cap)
 * --hold        after the last record, keep the pipe open until stdin closes or
 *               SIGTERM (a capture that goes quiet but has not ended); with
 *               --watch-pid, until that process is gone (stdin is not read)
 * --watch-pid P exit when process P is gone (checked twice a second): the
 *               reader of a held pipe in `cmd < <(replay ...)`
 *
 * Classic pcap only (any byte order, µs or ns). Writes "replay: done N records"
 * to stderr when the last record is written.
 */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let speed = 1;
let maxGap = Infinity;
let hold = false;
let watchPid;
let file;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--speed') speed = Number(args[++i]);
  else if (a === '--max-gap') maxGap = Number(args[++i]);
  else if (a === '--hold') hold = true;
  else if (a === '--watch-pid') watchPid = Number(args[++i]);
  else file = a;
}
if (!file || !(speed > 0)) {
  process.stderr.write('usage: replay-pcap.mjs [--speed N] [--max-gap MS] [--hold] capture.pcap\n');
  process.exit(2);
}

const buf = readFileSync(file);
const magicLE = buf.readUInt32LE(0);
let le;
let nanos;
if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
  le = true;
  nanos = magicLE === 0xa1b23c4d;
} else {
  const magicBE = buf.readUInt32BE(0);
  if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) {
    process.stderr.write(`${file}: not a classic pcap file\n`);
    process.exit(2);
  }
  le = false;
  nanos = magicBE === 0xa1b23c4d;
}
const u32 = (off) => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));

/** Records as [start, end, time in ms]. */
const records = [];
for (let off = 24; off + 16 <= buf.length; ) {
  const ms = u32(off) * 1000 + u32(off + 4) / (nanos ? 1e6 : 1e3);
  const end = off + 16 + u32(off + 8);
  if (end > buf.length) break;
  records.push([off, end, ms]);
  off = end;
}

if (watchPid) {
  setInterval(() => {
    try {
      process.kill(watchPid, 0);
    } catch {
      process.exit(0);
    }
  }, 500);
}

const out = process.stdout;
out.on('error', () => process.exit(0)); // the reader went away
const write = (b) => new Promise((resolve) => (out.write(b) ? resolve() : out.once('drain', resolve)));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await write(buf.subarray(0, 24));
const t0 = Date.now();
let virtual = 0; // ms since the first record, on the replay's (capped) clock
for (let i = 0; i < records.length; i++) {
  const [start, end, ms] = records[i];
  if (i > 0) virtual += Math.min(maxGap, Math.max(0, ms - records[i - 1][2]) / speed);
  const wait = t0 + virtual - Date.now();
  if (wait > 0) await sleep(wait);
  await write(buf.subarray(start, end));
}
process.stderr.write(`replay: done ${records.length} records\n`);
if (hold) {
  process.on('SIGTERM', () => process.exit(0));
  // With --watch-pid the watch keeps the process alive; stdin is then left alone: in
  // `cmd < <(replay ...)` it is the terminal the reader takes its keys from, and reading it
  // here took keystrokes meant for the reader (a TUI test's q, now and then).
  if (watchPid) await new Promise(() => {});
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
