// In-process timing of one direction's reassembly on generated segment
// sequences (no capture, no decode): n one-byte segments held after a hole,
// inserted in ascending, descending or random order, then the hole is filled
// (or given up on); and n segments cut by the snaplen (1000 bytes claimed,
// none captured) held after a hole, then flushed.
//
//   node scripts/bench-reassembly.mjs [module] [n ...]
// module defaults to dist/tcp/reassembly.js (npm run build first).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const mod = args[0] && !/^\d+$/.test(args[0]) ? args.shift() : 'dist/tcp/reassembly.js';
const sizes = args.length ? args.map(Number) : [250_000, 1_000_000];
const { StreamReassembler } = await import(pathToFileURL(resolve(mod)).href);

const stamp = (frame) => ({ frame, tsSec: frame, tsNsec: 0 });
const one = Buffer.from('x');
const none = Buffer.alloc(0);

function orderOf(kind, n) {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (kind === 'descending') idx.reverse();
  if (kind === 'random') {
    let s = 12345;
    for (let i = n - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) >>> 0;
      const j = s % (i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
  }
  return idx;
}

function run(kind, n) {
  let bytes = 0;
  let gaps = 0;
  const r = new StreamReassembler({ data: (c) => (bytes += c.length), gap: (g) => (gaps += g) }, Infinity);
  r.syn(0); // data starts at 1; byte 1 is the hole
  const order = orderOf(kind === 'snaplen-cut' ? 'ascending' : kind, n);
  const t0 = process.hrtime.bigint();
  let f = 2;
  if (kind === 'snaplen-cut') {
    for (const i of order) r.segment((2 + i * 1000) >>> 0, none, 1000, stamp(f++));
    r.flush();
  } else {
    for (const i of order) r.segment(2 + i, one, 1, stamp(f++));
    r.segment(1, one, 1, stamp(f++)); // the late segment fills the hole
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const ok = kind === 'snaplen-cut' ? gaps === 1 + n * 1000 : bytes === n + 1;
  return { ms, ok };
}

const limitMs = Number(process.env.BENCH_LIMIT_MS ?? 120_000);
for (const kind of ['ascending', 'descending', 'random', 'snaplen-cut']) {
  for (const n of sizes) {
    const { ms, ok } = run(kind, n);
    console.log(`${kind.padEnd(12)} n=${String(n).padStart(9)}  ${ms.toFixed(0).padStart(7)} ms  ${ok ? 'ok' : 'WRONG OUTPUT'}`);
    if (ms > limitMs) break;
  }
}
