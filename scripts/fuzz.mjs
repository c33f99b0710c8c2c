#!/usr/bin/env node
// Mutation fuzzing of the whole pipeline, in-process: real fixtures are mutated
// (bit flips; pcap/pcapng record and block lengths; IPv4/IPv6/TCP header fields;
// TLS record, handshake and extension lengths; truncation; duplicated, dropped
// and reordered records), written to a temporary file, analysed with analyzeFile
// and put through every output: JSON document, NDJSON lines, protobuf (written
// and read back), text report, pool report (JSON and text), info (JSON and
// text), comparison, and the TUI's detail lines.
//
// A failure is an exception anywhere, a run over the time budget, a heap (RSS)
// over the memory budget, or output that is not valid JSON where JSON is due.
// Failing inputs are saved in test/fuzz/regressions/ (test/fuzz/regressions.test.ts
// replays them).
//
//   npm run build && node scripts/fuzz.mjs --mutations 100000 --seed 1
//   options: --seed N (default 1)  --mutations N (default 1000)  --time-budget ms (default 10000)
//            --rss-budget MiB (default 1024)  --out DIR (default test/fuzz/regressions)
//            --fixtures DIR (default fixtures)  --quiet
//            --max-seconds S: stop after S seconds (the summary says how many mutations ran)
//            --dist DIR: the build to fuzz (default dist/ of this checkout)
//
// The big run goes through a worker thread watched by this one: a mutant that
// hangs (no answer within 3 x the time budget) is killed with the worker,
// saved as a hang, and fuzzing goes on in a new worker from the next mutation.
//
// The functions (mutate, checkOne, fixtureCorpus) are shared with the jest test
// (test/fuzz/fuzz.test.ts), which hands in the pipeline from src/ instead of dist/.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------- random

/** mulberry32: small, fast, seedable. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  return { next, int, pick: (arr) => arr[int(arr.length)] };
}

// ---------------------------------------------------------------- structure

const PCAPNG_SHB = 0x0a0d0d0a;

/**
 * The records of a capture: [{ at, len, dataAt, dataLen }] where `at..at+len` is
 * the whole record (pcap record header + data, or pcapng block) and
 * `dataAt..+dataLen` the packet bytes (none for non-packet blocks). `head` is
 * the bytes before the first record (pcap file header). Stops at the first
 * record that does not fit.
 */
export function records(buf) {
  const out = { kind: 'raw', head: 0, le: true, recs: [] };
  if (buf.length < 24) return out;
  const magic = buf.readUInt32BE(0);
  if (magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1 || magic === 0xa1b23c4d || magic === 0x4d3cb2a1) {
    const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
    out.kind = 'pcap';
    out.le = le;
    out.head = 24;
    let p = 24;
    while (p + 16 <= buf.length) {
      const cap = le ? buf.readUInt32LE(p + 8) : buf.readUInt32BE(p + 8);
      if (p + 16 + cap > buf.length) break;
      out.recs.push({ at: p, len: 16 + cap, dataAt: p + 16, dataLen: cap, lenAt: [p + 8, p + 12] });
      p += 16 + cap;
    }
    return out;
  }
  if (magic === PCAPNG_SHB) {
    out.kind = 'pcapng';
    let p = 0;
    let le = true;
    while (p + 12 <= buf.length) {
      if (buf.readUInt32LE(p) === PCAPNG_SHB) le = buf.readUInt32LE(p + 8) === 0x1a2b3c4d;
      const type = le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
      const len = le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4);
      if (len < 12 || p + len > buf.length) break;
      const r = { at: p, len, dataAt: p, dataLen: 0, lenAt: [p + 4, p + len - 4], le, type };
      if (type === 6 && len >= 32) {
        r.dataAt = p + 28;
        r.dataLen = Math.min(le ? buf.readUInt32LE(p + 20) : buf.readUInt32BE(p + 20), len - 32);
        r.lenAt.push(p + 20, p + 24);
      }
      out.recs.push(r);
      p += len;
    }
  }
  return out;
}

/** Where the IP header of a packet starts (a guess good enough for fuzzing), or -1. */
function findIp(buf, at, len) {
  for (const off of [14, 16, 18, 4, 0, 20, 24, 22]) {
    const o = at + off;
    if (o + 40 > at + len) continue;
    const v = buf[o] >> 4;
    if (v === 4 && (buf[o] & 0xf) >= 5 && (buf[o + 9] === 6 || buf[o + 9] === 17)) return o;
    if (v === 6 && (buf[o + 6] === 6 || buf[o + 6] === 17)) return o;
  }
  return -1;
}

/** Offsets of TLS record headers (0x14-0x17, 0x03 0x00-0x04) in a packet. */
function findTls(buf, at, len) {
  const out = [];
  for (let i = at; i + 5 <= at + len; i++) {
    const t = buf[i];
    if (t >= 0x14 && t <= 0x17 && buf[i + 1] === 3 && buf[i + 2] <= 4) out.push(i);
  }
  return out;
}

// ---------------------------------------------------------------- mutations

const INTERESTING32 = [0, 1, 2, 3, 4, 11, 12, 13, 15, 16, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x4001, 0x7fff, 0x8000, 0xffff, 0x10000, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING16 = [0, 1, 2, 3, 4, 5, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x4001, 0x47ff, 0x4800, 0x7fff, 0x8000, 0xfffe, 0xffff];

function w32(buf, p, v, le) {
  if (p + 4 > buf.length) return;
  if (le) buf.writeUInt32LE(v >>> 0, p);
  else buf.writeUInt32BE(v >>> 0, p);
}
function w16be(buf, p, v) {
  if (p + 2 <= buf.length) buf.writeUInt16BE(v & 0xffff, p);
}

/** A record that carries a packet (or any record when none does). */
function packetRecord(r, s) {
  const withData = s.recs.filter((x) => x.dataLen > 0);
  return withData.length ? r.pick(withData) : r.pick(s.recs);
}

const MUTATORS = {
  bitflip(buf, r) {
    const n = 1 + r.int(8);
    for (let i = 0; i < n; i++) {
      const p = r.int(buf.length);
      buf[p] ^= 1 << r.int(8);
    }
    return buf;
  },
  bytes(buf, r) {
    const n = 1 + r.int(4);
    for (let i = 0; i < n; i++) buf[r.int(buf.length)] = r.pick([0, 0xff, 0x7f, 0x80, r.int(256)]);
    return buf;
  },
  recordLength(buf, r, s) {
    if (!s.recs.length) return MUTATORS.bitflip(buf, r);
    const rec = r.pick(s.recs);
    const at = r.pick(rec.lenAt);
    const le = rec.le ?? s.le;
    const cur = le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
    const v = r.next() < 0.5 ? r.pick(INTERESTING32) : cur + r.pick([-8, -4, -1, 1, 4, 8, 1024, 65536]);
    w32(buf, at, v, le);
    return buf;
  },
  ipHeader(buf, r, s) {
    if (!s.recs.length) return MUTATORS.bitflip(buf, r);
    const rec = packetRecord(r, s);
    const ip = findIp(buf, rec.dataAt, rec.dataLen);
    if (ip < 0) return MUTATORS.bitflip(buf, r);
    const v6 = buf[ip] >> 4 === 6;
    const tcp = v6 ? ip + 40 : ip + (buf[ip] & 0xf) * 4;
    switch (r.int(9)) {
      case 0: // IHL / version
        buf[ip] = (buf[ip] & 0xf0) | r.int(16);
        break;
      case 1: // total / payload length
        w16be(buf, v6 ? ip + 4 : ip + 2, r.pick(INTERESTING16));
        break;
      case 2: // fragment flags and offset / next header
        if (v6) buf[ip + 6] = r.pick([0, 6, 17, 44, 43, 59, 60, r.int(256)]);
        else w16be(buf, ip + 6, r.pick([0x2000, 0x0001, 0x1fff, 0x4000, r.int(65536)]));
        break;
      case 3: // TCP data offset
        if (tcp + 13 <= buf.length) buf[tcp + 12] = (r.int(16) << 4) | (buf[tcp + 12] & 0xf);
        break;
      case 4: // TCP flags
        if (tcp + 14 <= buf.length) buf[tcp + 13] = r.pick([0x02, 0x12, 0x10, 0x11, 0x04, 0x14, 0x18, 0x01, 0xff, 0x00, r.int(256)]);
        break;
      case 5: // sequence number
        w32(buf, tcp + 4, r.pick([0, 0xffffffff, 0x7fffffff, r.int(2 ** 32)]), false);
        break;
      case 6: // ack number
        w32(buf, tcp + 8, r.pick([0, 0xffffffff, r.int(2 ** 32)]), false);
        break;
      case 7: // ports
        w16be(buf, tcp + r.pick([0, 2]), r.pick([0, 443, 80, 65535, r.int(65536)]));
        break;
      default: // TCP options: length bytes
        if (tcp + 22 <= buf.length) buf[tcp + 20 + r.int(2)] = r.pick([0, 1, 2, 0xff, r.int(256)]);
    }
    return buf;
  },
  tlsLength(buf, r, s) {
    if (!s.recs.length) return MUTATORS.bitflip(buf, r);
    // A few tries to land on a packet with a TLS record in it.
    for (let k = 0; k < 8; k++) {
      const rec = packetRecord(r, s);
      const hits = findTls(buf, rec.dataAt, rec.dataLen);
      if (!hits.length) continue;
      const h = r.pick(hits);
      const end = rec.dataAt + rec.dataLen;
      switch (r.int(4)) {
        case 0: // record length
          w16be(buf, h + 3, r.pick(INTERESTING16));
          break;
        case 1: // handshake length (24 bits)
          if (h + 9 <= end) {
            const v = r.pick([0, 1, 4, 0x4000, 0xffff, 0x10000, 0x3ffff, 0x40000, 0xffffff, r.int(0x1000000)]);
            buf[h + 6] = v >>> 16;
            buf[h + 7] = (v >>> 8) & 0xff;
            buf[h + 8] = v & 0xff;
          }
          break;
        case 2: // handshake type
          if (h + 6 <= end) buf[h + 5] = r.pick([0, 1, 2, 4, 8, 11, 13, 14, 15, 16, 20, 24, 254, 255]);
          break;
        default: {
          // a 16-bit length somewhere inside the hello: extension block / extension / list lengths
          if (h + 12 > end) break;
          const p = h + 9 + r.int(Math.max(1, Math.min(end, h + 5 + buf.readUInt16BE(h + 3)) - h - 10));
          w16be(buf, p, r.pick(INTERESTING16));
        }
      }
      return buf;
    }
    return MUTATORS.bitflip(buf, r);
  },
  timestamp(buf, r, s) {
    // Packet times (pcap seconds/fraction, pcapng EPB high/low words) and the
    // pcapng interface options that scale them (if_tsresol, if_tsoffset).
    if (!s.recs.length) return MUTATORS.bitflip(buf, r);
    if (s.kind === 'pcapng' && r.next() < 0.4) {
      const idbs = s.recs.filter((x) => x.type === 1 && x.len > 20);
      if (idbs.length) {
        const idb = r.pick(idbs);
        // Somewhere in the options: an option value byte, or a whole 8-byte value.
        const p = idb.at + 16 + r.int(idb.len - 20);
        if (r.next() < 0.5) buf[p] = r.pick([0, 9, 0x7f, 0x80, 0x81, 0x96, 0xbf, 0xff, r.int(256)]);
        else for (let k = 0; k < 8 && p + k < idb.at + idb.len - 4; k++) buf[p + k] = r.pick([0, 0xff, 0x7f, 0x40, r.int(256)]);
        return buf;
      }
    }
    const rec = r.pick(s.recs.filter((x) => x.dataLen > 0).length ? s.recs.filter((x) => x.dataLen > 0) : s.recs);
    const le = rec.le ?? s.le;
    const at = s.kind === 'pcap' ? rec.at + 4 * r.int(2) : rec.at + 12 + 4 * r.int(2);
    w32(buf, at, r.pick([0, 1, 999_999, 1_000_000, 1_000_000_000, 0x7fffffff, 0x80000000, 0xffffffff, r.int(2 ** 32)]), le);
    return buf;
  },
  truncate(buf, r, s) {
    if (s.recs.length && r.next() < 0.5) {
      const rec = r.pick(s.recs);
      return buf.subarray(0, Math.max(1, rec.at + r.int(Math.min(rec.len, 40) + 1)));
    }
    return buf.subarray(0, 1 + r.int(buf.length));
  },
  duplicate(buf, r, s) {
    return rebuild(buf, s, (recs) => {
      const i = r.int(recs.length);
      const n = 1 + r.int(3);
      recs.splice(r.int(recs.length + 1), 0, ...Array(n).fill(recs[i]));
    }) ?? MUTATORS.bitflip(buf, r);
  },
  drop(buf, r, s) {
    return rebuild(buf, s, (recs) => {
      const n = 1 + r.int(Math.min(8, recs.length));
      for (let k = 0; k < n && recs.length > 1; k++) recs.splice(firstMovable(s) + r.int(recs.length - firstMovable(s)) || 0, 1);
    }) ?? MUTATORS.bitflip(buf, r);
  },
  reorder(buf, r, s) {
    return rebuild(buf, s, (recs) => {
      const lo = firstMovable(s);
      const n = 1 + r.int(6);
      for (let k = 0; k < n; k++) {
        const i = lo + r.int(recs.length - lo);
        const j = lo + r.int(recs.length - lo);
        [recs[i], recs[j]] = [recs[j], recs[i]];
      }
    }) ?? MUTATORS.bitflip(buf, r);
  },
};
export const MUTATOR_NAMES = Object.keys(MUTATORS);

/** pcapng: keep the first block (SHB) first, so the file stays pcapng. */
function firstMovable(s) {
  return s.kind === 'pcapng' ? 1 : 0;
}

/** The file with its record list changed by `edit`; null when it has too few records. */
function rebuild(buf, s, edit) {
  if (s.recs.length < 2) return null;
  const recs = s.recs.slice();
  edit(recs);
  // Records keep their own bytes, possibly mutated already; what follows the last parsed record goes last.
  const last = s.recs[s.recs.length - 1];
  const tail = buf.subarray(last.at + last.len);
  return Buffer.concat([buf.subarray(0, s.head), ...recs.map((x) => buf.subarray(x.at, x.at + x.len)), tail]);
}

/**
 * One mutant of `input`: 1-3 mutations stacked. Deterministic in (input, seed).
 * Returns { data, steps } (steps: the mutator names applied).
 */
export function mutate(input, seed) {
  const r = rng(seed);
  let buf = Buffer.from(input);
  const steps = [];
  const n = 1 + (r.next() < 0.7 ? 0 : r.int(3));
  for (let i = 0; i < n && buf.length > 0; i++) {
    const name = r.pick(MUTATOR_NAMES);
    const s = records(buf);
    buf = Buffer.from(MUTATORS[name](buf, r, s));
    steps.push(name);
  }
  return { data: buf, steps };
}

// ---------------------------------------------------------------- the pipeline

class Collect extends Writable {
  constructor() {
    super();
    this.chunks = [];
  }
  _write(chunk, _enc, cb) {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  bytes() {
    return Buffer.concat(this.chunks);
  }
}

/**
 * Everything the CLI does with a capture, in-process. `api` holds the
 * functions (from src/ under jest, from dist/ in the script); see loadDist().
 * Throws on any failure (exception, invalid JSON, a protobuf that does not read back).
 */
export async function runPipeline(path, api) {
  const a = await api.analyzeFile(path, {});
  // JSON document (--format json)
  const j = new Collect();
  await api.writeJsonDocument(j, a, api.summarize(a.connections));
  const doc = JSON.parse(j.bytes().toString('utf8'));
  if (doc.connections.length !== a.connections.length) throw new Error('json: connection count differs');
  // NDJSON (--format ndjson)
  for (const c of a.connections) JSON.parse(api.ndjsonLine(c));
  // protobuf (--format protobuf), and read back as `handshake-lens file.hlpb` does
  const pb = new Collect();
  const w = new api.ProtobufWriter(pb, { file: a.capture.file }, { close: false });
  for (const c of a.connections) w.writeConnection(c);
  await w.end(a.capture);
  const back = await api.readSavedAnalysisStream([pb.bytes()], 'mutant.hlpb');
  if (back.connections.length !== a.connections.length) throw new Error('protobuf: connection count differs after reading back');
  // text (--format text), full and with --top
  api.formatTextReport(a, { width: 100 });
  api.formatTextReport(a, { width: 60, top: 2, poolOptions: { idleTimeoutSec: 0, maxSize: 1 } });
  // pool, JSON and text
  const pool = api.simulatePool(a.connections, {});
  JSON.parse(JSON.stringify(pool));
  api.formatPoolReport(pool, api.destinations(a.connections), { width: 100 });
  // The reports' one-destination-at-a-time digest (text report, pool --top, TUI) against the whole computation.
  const dig = api.destinationDigest(a.connections, { top: 2 });
  if (JSON.stringify(dig.pool.total) !== JSON.stringify(pool.total) || JSON.stringify(dig.pool.destinations) !== JSON.stringify(pool.destinations.slice(0, 2))) {
    throw new Error('destinationDigest: the pool differs from simulatePool');
  }
  // The same digest over the reports' rows, where a row without an SNI finds its destination by its server endpoint.
  const store = new api.RowStore();
  for (const c of a.connections) store.add(c);
  const every = (conns) => JSON.stringify(api.destinationDigest(conns, { top: Infinity }));
  if (every(store.views()) !== every(a.connections)) {
    throw new Error('destinationDigest: the rows give other destinations than the records');
  }
  // info, JSON and text
  JSON.parse(JSON.stringify(api.infoJson(a)));
  api.formatInfo(a);
  // compare (with itself) and the TUI's detail view of every connection
  const cmp = api.compareAnalyses(a, back);
  JSON.parse(JSON.stringify(cmp));
  const cmpDig = api.compareDigest(a, back, { top: 2 });
  if (cmpDig.destinationCount !== cmp.destinations.length || JSON.stringify(cmpDig.destinations) !== JSON.stringify(cmp.destinations.slice(0, 2))) {
    throw new Error('compareDigest differs from compareAnalyses');
  }
  api.formatComparison(cmp, { width: 100 });
  for (const c of a.connections.slice(0, 200)) api.detailLines(c, 100);
  return a;
}

/** The pipeline functions from dist/ (after npm run build). */
export async function loadDist(dist = join(resolve(fileURLToPath(import.meta.url), '../..'), 'dist')) {
  const m = async (p) => import(pathToFileURL(join(dist, p)).href);
  const [analyze, json, protobuf, text, report, poolText, info, compareText, model, digest, compare] = await Promise.all([
    m('analyze.js'), m('output/json.js'), m('output/protobuf.js'), m('output/text.js'), m('report/index.js'),
    m('output/pool-text.js'), m('output/info.js'), m('output/compare-text.js'), m('view/model.js'),
    m('report/digest.js'), m('report/compare.js'),
  ]);
  return {
    analyzeFile: analyze.analyzeFile,
    writeJsonDocument: json.writeJsonDocument,
    ndjsonLine: json.ndjsonLine,
    ProtobufWriter: protobuf.ProtobufWriter,
    readSavedAnalysisStream: protobuf.readSavedAnalysisStream,
    formatTextReport: text.formatTextReport,
    summarize: report.summarize,
    simulatePool: report.simulatePool,
    destinations: report.destinations,
    compareAnalyses: report.compareAnalyses,
    destinationDigest: digest.destinationDigest,
    RowStore: report.RowStore,
    compareDigest: compare.compareDigest,
    formatPoolReport: poolText.formatPoolReport,
    infoJson: info.infoJson,
    formatInfo: info.formatInfo,
    formatComparison: compareText.formatComparison,
    detailLines: model.detailLines,
  };
}

/** The fixtures to mutate: [{ name, data }]. */
export function fixtureCorpus(dir) {
  return readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng)(\.gz|\.lz4)?$/.test(f))
    .sort()
    .map((name) => ({ name, data: readFileSync(join(dir, name)) }));
}

/**
 * Runs one input through the pipeline against the budgets.
 * Returns null when all is well, else { kind: 'exception'|'time'|'memory', message }.
 */
export async function checkOne(path, api, { timeBudgetMs = 10_000, rssBudgetMiB = 1024 } = {}) {
  const t0 = performance.now();
  try {
    await runPipeline(path, api);
  } catch (e) {
    // CaptureError: the input is not a capture at all, which the CLI reports in one line (exit 2). Not a failure.
    if (e && e.name === 'CaptureError') return null;
    return { kind: 'exception', message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) };
  }
  const ms = performance.now() - t0;
  if (ms > timeBudgetMs) return { kind: 'time', message: `took ${ms.toFixed(0)} ms (budget ${timeBudgetMs} ms)` };
  const rss = process.memoryUsage().rss / 2 ** 20;
  if (rss > rssBudgetMiB) return { kind: 'memory', message: `RSS ${rss.toFixed(0)} MiB (budget ${rssBudgetMiB} MiB)` };
  return null;
}

/** Save a failing input as a regression fixture: DIR/<kind>-<sha1 prefix>.<ext> and a .txt beside it. */
export function saveRegression(dir, data, ext, info) {
  mkdirSync(dir, { recursive: true });
  const id = createHash('sha1').update(data).digest('hex').slice(0, 12);
  const base = join(dir, `${info.kind}-${id}`);
  writeFileSync(`${base}.${ext}`, data);
  writeFileSync(`${base}.txt`, `${info.kind}: ${info.message}\nfrom: ${info.from}\n`);
  return `${base}.${ext}`;
}

export function extOf(name) {
  if (name.endsWith('.gz')) return 'pcap.gz';
  if (name.endsWith('.lz4')) return 'pcap.lz4';
  return name.endsWith('.pcapng') ? 'pcapng' : 'pcap';
}

/**
 * Fuzz mutations [from, to) of the run `seed`: mutation i mutates fixture
 * i % corpus.length with seed (seed * 1,000,003 + i). `onStart(i)` before each.
 * Returns the failures.
 */
export async function fuzzRange({ api, corpus, seed, from, to, tmp, budgets, onStart, onFailure }) {
  const failures = [];
  for (let i = from; i < to; i++) {
    onStart?.(i);
    const fx = corpus[i % corpus.length];
    const mseed = (Math.imul(seed, 1_000_003) + i) >>> 0;
    const { data, steps } = mutate(fx.data, mseed);
    const path = join(tmp, `m-${i}.${extOf(fx.name)}`);
    writeFileSync(path, data);
    const f = await checkOne(path, api, budgets);
    rmSync(path, { force: true });
    if (f) {
      const rec = { ...f, i, fixture: fx.name, steps, mseed, from: `${fx.name} seed ${seed} mutation ${i} (${steps.join('+')})`, data, ext: extOf(fx.name) };
      failures.push(rec);
      onFailure?.(rec);
    }
  }
  return failures;
}

// ---------------------------------------------------------------- main (big runs)

function parseArgs(argv) {
  const o = { maxSeconds: Infinity, seed: 1, mutations: 1000, timeBudgetMs: 10_000, rssBudgetMiB: 1024, out: 'test/fuzz/regressions', fixtures: 'fixtures', quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--seed') o.seed = Number(v());
    else if (a === '--mutations') o.mutations = Number(v());
    else if (a === '--time-budget') o.timeBudgetMs = Number(v());
    else if (a === '--rss-budget') o.rssBudgetMiB = Number(v());
    else if (a === '--out') o.out = v();
    else if (a === '--fixtures') o.fixtures = v();
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--max-seconds') o.maxSeconds = Number(v());
    else if (a === '--dist') o.dist = resolve(v());
    else {
      console.error(`fuzz: unknown option ${a}`);
      process.exit(2);
    }
  }
  if (!Number.isSafeInteger(o.seed) || !Number.isSafeInteger(o.mutations) || o.mutations < 0) {
    console.error('fuzz: --seed and --mutations must be whole numbers');
    process.exit(2);
  }
  return o;
}

async function workerMain() {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { from, to, seed, budgets, fixtures } = workerData;
  const api = await loadDist(workerData.dist);
  const corpus = fixtureCorpus(fixtures);
  const tmp = mkdtempSync(join(tmpdir(), 'hl-fuzz-'));
  try {
    await fuzzRange({
      api, corpus, seed, from, to, tmp, budgets,
      onStart: (i) => parentPort.postMessage({ start: i }),
      onFailure: (f) => parentPort.postMessage({ failure: { ...f, data: f.data } }),
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  parentPort.postMessage({ done: true });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const { Worker } = await import('node:worker_threads');
  const corpus = fixtureCorpus(o.fixtures);
  const budgets = { timeBudgetMs: o.timeBudgetMs, rssBudgetMiB: o.rssBudgetMiB };
  const t0 = performance.now();
  const kinds = {};
  let failures = 0;
  let next = 0;
  let lastReport = 0;
  let done = o.mutations;
  const record = (f) => {
    failures++;
    kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
    const file = saveRegression(o.out, Buffer.from(f.data), f.ext, f);
    console.log(`FAIL ${f.kind} ${f.from}: ${f.message.split('\n')[0]} -> ${file}`);
  };
  while (next < o.mutations) {
    // One worker for the rest of the range; replaced after a hang.
    const { hungAt } = await new Promise((resolveRun) => {
      const w = new Worker(fileURLToPath(import.meta.url), {
        workerData: { from: next, to: o.mutations, seed: o.seed, budgets, fixtures: o.fixtures, dist: o.dist },
      });
      let current = next;
      let since = performance.now();
      const watchdog = setInterval(() => {
        if (performance.now() - since > 3 * o.timeBudgetMs) {
          clearInterval(watchdog);
          void w.terminate();
          resolveRun({ hungAt: current });
        }
      }, 250);
      w.on('message', (m) => {
        if (m.start !== undefined) {
          if (performance.now() - t0 > o.maxSeconds * 1000) {
            clearInterval(watchdog);
            void w.terminate();
            done = m.start;
            next = o.mutations;
            resolveRun({});
            return;
          }
          current = m.start;
          next = m.start + 1;
          since = performance.now();
          if (!o.quiet && performance.now() - lastReport > 10_000) {
            lastReport = performance.now();
            const s = (performance.now() - t0) / 1000;
            console.log(`${m.start} mutations, ${s.toFixed(0)} s, ${failures} failures`);
          }
        } else if (m.failure) record(m.failure);
        else if (m.done) {
          clearInterval(watchdog);
          next = o.mutations;
          resolveRun({});
        }
      });
      w.on('error', (e) => {
        // The worker itself died (out of memory, a crash): the current mutant is the culprit.
        clearInterval(watchdog);
        resolveRun({ hungAt: current, error: e });
      });
    });
    if (hungAt !== undefined) {
      const fx = corpus[hungAt % corpus.length];
      const mseed = (Math.imul(o.seed, 1_000_003) + hungAt) >>> 0;
      const { data, steps } = mutate(fx.data, mseed);
      record({ kind: 'hang', message: `no answer within ${3 * o.timeBudgetMs} ms (or the worker died)`, from: `${fx.name} seed ${o.seed} mutation ${hungAt} (${steps.join('+')})`, data, ext: extOf(fx.name) });
      next = hungAt + 1;
    }
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `seed ${o.seed}: ${done} of ${o.mutations} mutations of ${corpus.length} fixtures in ${s.toFixed(1)} s; ` +
      `${failures} failures${failures ? ` (${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
  );
  process.exitCode = failures ? 1 : 0;
}

const { isMainThread } = await import('node:worker_threads');
const invoked = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (!isMainThread) {
  const { workerData } = await import('node:worker_threads');
  if (workerData && workerData.from !== undefined) await workerMain();
} else if (invoked) {
  await main();
}
