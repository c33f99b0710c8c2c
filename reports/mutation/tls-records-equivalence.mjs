#!/usr/bin/env node
// Differential check of the surviving mutants of quick-tls-records-new.json (issue 16): each
// survivor is applied to the source kept in the report, compiled with esbuild into a temporary
// directory (src/ is never touched), and run next to the unmutated source on the same inputs:
//   records.ts: random streams (records of types 20..24 incl. empty ones, an SSLv2 hello,
//     garbage, bad headers, a 4096-byte candidate), cut into random feeds with gaps, startResync,
//     stop and endOfStream between them; every record (fields, body bytes, piece stamps), problem,
//     endOfStream result and the reader's public state after each call are compared;
//   sniff.ts: every buffer of 1 to 3 bytes;
//   handshake.ts: random messages (up to 70,000 bytes) in random feeds.
// An equivalent mutant shows no difference. What is not compared: a body piece being a view of
// the fed buffer or a copy (see the allocation test in test/tls/records-units.test.ts) and time.
//   node reports/mutation/tls-records-equivalence.mjs [scenarios=20000]
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { transformSync } from 'esbuild';

const N = Number(process.argv[2] ?? 20000);
const report = JSON.parse(readFileSync('reports/mutation/quick-tls-records-new.json', 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'tls-records-eq-'));
let built = 0;
async function build(file, mutant, fix = (js) => js) {
  const f = report.files[file];
  let src = f.source;
  if (mutant) {
    const lines = src.split('\n');
    const off = (p) => lines.slice(0, p.line - 1).reduce((a, l) => a + l.length + 1, 0) + p.column - 1;
    src = src.slice(0, off(mutant.location.start)) + mutant.replacement + src.slice(off(mutant.location.end));
  }
  const p = join(dir, `m${built++}.mjs`);
  writeFileSync(p, fix(transformSync(src, { loader: 'ts', format: 'esm' }).code));
  return import(p);
}
const digest = (s) => createHash('sha1').update(s).digest('hex'); // keeps the expected outputs small
const survivors = (file) => report.files[file].mutants.filter((m) => m.status === 'Survived');
const label = (file, m) => `${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} -> ${JSON.stringify(m.replacement).slice(0, 60)}`;
function rng(seed) {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}
let differing = 0;

// ---------------------------------------------------------------- records.ts
{
  const file = 'src/tls/records.ts';
  const O = await build(file, null);
  const scenarios = [];
  const rnd = rng(12345);
  const pick = (a) => a[rnd(a.length)];
  const rec = (type, len, ver) => {
    const b = Buffer.alloc(5 + len);
    for (let i = 5; i < b.length; i++) b[i] = pick([0, 3, 22, 0xaa, 1, 23]);
    b[0] = type;
    b.writeUInt16BE(ver, 1);
    b.writeUInt16BE(len, 3);
    return b;
  };
  for (let s = 0; s < N; s++) {
    const parts = [];
    if (rnd(4) === 0) {
      const len = pick([5, 8, 9, 20, 40]);
      const b = Buffer.alloc(2 + len, 0x11);
      b[0] = 0x80 | (len >> 8);
      b[1] = len & 0xff;
      parts.push(b);
    }
    for (let k = 1 + rnd(8); k > 0; k--) {
      const c = rnd(10);
      if (c < 6) parts.push(rec(pick([20, 21, 22, 23, 23, 24]), pick([0, 1, 2, 3, 5, 7, 12, 30, 60, 300, 1000]), pick([0x0303, 0x0301, 0x0304, 0x0300])));
      else if (c < 8) parts.push(Buffer.from(Array.from({ length: 1 + rnd(20) }, () => pick([0, 3, 3, 22, 23, 0x41, 1, 0x80, 4, 5]))));
      else if (c < 9) parts.push(rec(pick([19, 25, 99]), rnd(5), pick([0x0303, 0x0305, 0x0203])));
      else parts.push(Buffer.from([22, 3, 3, 0x10, 0x00]));
    }
    const bytes = Buffer.concat(parts);
    const ops = [];
    if (rnd(3) === 0) ops.push(['resync']);
    let pos = 0;
    let frame = 1;
    while (pos < bytes.length) {
      const c = rnd(12);
      if (c === 0) {
        const g = 1 + rnd(pick([3, 10, 40]));
        ops.push(['gap', g]);
        pos += g;
        continue;
      }
      if (c === 1 && rnd(20) === 0) ops.push(['stop']);
      if (c === 2) ops.push(['end']);
      const n = 1 + rnd(pick([1, 3, 8, 30, 200]));
      ops.push(['feed', bytes.subarray(pos, pos + n), frame++]);
      pos += n;
    }
    ops.push(['end']);
    if (rnd(2) === 0) ops.push(['gap', 1 + rnd(5)], ['feed', rec(22, 1, 0x0303), frame++], ['feed', rec(23, 2, 0x0303), frame++], ['end']);
    scenarios.push({ ops, keep: pick([() => true, (t) => t === 22, () => false]), sslv2: rnd(2) === 0 });
  }
  const run = (Mod, { ops, keep, sslv2 }) => {
    const out = [];
    const sink = {
      record: (x) => out.push(`R${JSON.stringify({ ...x, first: x.first.frame, last: x.last.frame, body: x.body && x.body.map((p) => [p.stamp.frame, p.data.toString('hex')]) })}`),
      problem: (t) => out.push(`P${t}`),
    };
    const r = new Mod.RecordReader('client', sink, { keep, sslv2 });
    try {
      for (const op of ops) {
        if (op[0] === 'feed') {
          const b = Buffer.from(op[1]);
          r.feed(b, { frame: op[2], tsSec: op[2], tsNsec: 0 });
          b.fill(0xee); // views are valid during the callback only
        } else if (op[0] === 'gap') r.gap(op[1]);
        else if (op[0] === 'resync') r.startResync();
        else if (op[0] === 'stop') r.stop('stopped by the caller');
        else out.push(`E${r.endOfStream()}`);
        out.push(`S${JSON.stringify([r.stopped, r.resyncing, r.records, r.offset, r.lastStamp?.frame, r.lastVersion, r.retained])}`);
      }
    } catch (e) {
      out.push(`X${e.message}`);
    }
    return digest(out.join('\n'));
  };
  const expected = scenarios.map((s) => run(O, s));
  for (const m of survivors(file)) {
    const M = await build(file, m);
    const d = scenarios.filter((s, i) => run(M, s) !== expected[i]).length;
    if (d > 0) differing++;
    console.log(`${label(file, m)}: ${d} of ${N} streams differ`);
  }
}

// ---------------------------------------------------------------- sniff.ts
{
  const file = 'src/tls/sniff.ts';
  const fix = (js) => js.replace(/import \{ MAX_RECORD \} from "\.\/session\.js";/, 'const MAX_RECORD = 16384 + 2048;');
  const O = await build(file, null, fix);
  for (const m of survivors(file)) {
    const M = await build(file, m, fix);
    let n = 0;
    let d = 0;
    const b3 = Buffer.alloc(3);
    for (let len = 1; len <= 3; len++) {
      for (let v = 0; v < 1 << (8 * len); v++) {
        for (let i = 0; i < len; i++) b3[i] = (v >> (8 * i)) & 0xff;
        n++;
        if (O.sniffTls(b3.subarray(0, len)) !== M.sniffTls(b3.subarray(0, len))) d++;
      }
    }
    if (d > 0) differing++;
    console.log(`${label(file, m)}: ${d} of ${n} inputs (every buffer of 1..3 bytes) differ`);
  }
}

// ---------------------------------------------------------------- handshake.ts
{
  const file = 'src/tls/handshake.ts';
  const fix = (js) => js.replace(/import \{ handshakeMessageType \} from "\.\/names\.js";/, 'const handshakeMessageType = (t) => `type ${t}`;');
  const O = await build(file, null, fix);
  // Each case is made again from its seed when run (70,000-byte messages: not all kept at once).
  const makeCase = (s) => {
    const rnd = rng(7 + s);
    const parts = [];
    for (let k = 1 + rnd(5); k > 0; k--) {
      const len = [0, 1, 3, 4, 5, 40, 300, 70000][rnd(8)];
      const b = Buffer.alloc(4 + len, rnd(256));
      b[0] = rnd(30);
      b.writeUIntBE(len, 1, 3);
      parts.push(b);
    }
    const all = Buffer.concat(parts);
    const cuts = [];
    for (let p = 0; p < all.length; ) {
      const n = 1 + rnd([1, 3, 4, 5, 8, 100, 100000][rnd(7)]);
      cuts.push(all.subarray(p, p + n));
      p += n;
    }
    return { cuts, max: [1000, 262144][s % 2] };
  };
  const cases = Math.min(N, 30000);
  const run = (Mod, { cuts, max }) => {
    const out = [];
    const sink = {
      message: (x) => out.push(JSON.stringify([x.type, x.length, x.first.frame, x.last.frame, x.body && x.body.toString('base64')])),
      problem: (t) => out.push(t),
    };
    const h = new Mod.HandshakeReader(sink, max, new Mod.ByteBudget(1 << 30));
    cuts.forEach((c, i) => {
      h.feed(c, { frame: i }, { frame: i + 100 });
      out.push(`${h.partial} ${h.retained} ${h.messages}`);
    });
    return digest(out.join('\n'));
  };
  const expected = Array.from({ length: cases }, (_, s) => run(O, makeCase(s)));
  for (const m of survivors(file)) {
    const M = await build(file, m, fix);
    let d = 0;
    for (let s = 0; s < cases; s++) if (run(M, makeCase(s)) !== expected[s]) d++;
    if (d > 0) differing++;
    console.log(`${label(file, m)}: ${d} of ${cases} message streams differ`);
  }
}
console.log(`${differing} survivor(s) with a difference`);
