#!/usr/bin/env node
// Heap bytes per open TLS connection (issue 14), reproducibly.
//
// Usage: node scripts/heap-per-connection.mjs [scale] [--kind K] [--top N] [--keep FILE]
//   Generates `gen-adversarial.mjs K SCALE` (default concurrent-200k at 0.1: 20,000
//   connections, all open at once, each in the middle of its TLS handshake; --kind
//   pooled-200k: each set up, with a request and a response, then idle) in
//   a temporary directory, runs analyzeFile() from dist/ over it in a child
//   process (--expose-gc), and when the first connection closes (every
//   connection of the wave is open then) collects garbage, reads heapUsed and
//   writes a heap snapshot. Prints
//     - heap bytes per open connection: (heapUsed then - heapUsed before the
//       read) / open connections, the figure to compare;
//     - the snapshot's self sizes summed per type and constructor, and per
//       type, constructor and retainer (the first retaining edge: "Owner.field"),
//       as bytes per open connection, largest first.
//   Needs `npm run build` first. The snapshot (~150 MB at 0.1) is deleted
//   unless --keep FILE is given.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

if (process.argv[2] === '--child') {
  // Child: analyse, snapshot at the first close, print one JSON line.
  const [capture, snapPath] = process.argv.slice(3);
  const { analyzeFile } = await import(join(root, 'dist', 'analyze.js'));
  const v8 = await import('node:v8');
  global.gc();
  global.gc();
  const before = process.memoryUsage().heapUsed;
  let result;
  await analyzeFile(capture, {
    keepConnections: false,
    onConnection: () => {
      if (result) return;
      global.gc();
      global.gc();
      const heapUsed = process.memoryUsage().heapUsed;
      v8.writeHeapSnapshot(snapPath);
      result = { before, heapUsed };
    },
  });
  console.log(JSON.stringify(result));
  process.exit(0);
}

const args = process.argv.slice(2);
let scale = 0.1;
let top = 25;
let keep;
let kind = 'concurrent-200k';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--kind') kind = args[++i];
  else if (args[i] === '--keep') keep = args[++i];
  else scale = Number(args[i]);
}
const open = Math.round(200_000 * scale); // gen-adversarial: one wave of n connections
const dir = mkdtempSync(join(tmpdir(), 'heap-per-conn-'));
try {
  const capture = join(dir, 'c.pcap');
  const snapPath = join(dir, 'c.heapsnapshot');
  const gen = spawnSync(process.execPath, [join(here, 'gen-adversarial.mjs'), kind, capture, String(scale)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (gen.status !== 0) throw new Error('gen-adversarial failed');
  const child = spawnSync(process.execPath, ['--expose-gc', join(here, 'heap-per-connection.mjs'), '--child', capture, snapPath], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error('analysis failed');
  const { before, heapUsed } = JSON.parse(child.stdout.trim().split('\n').pop());
  const perConn = (heapUsed - before) / open;
  console.log(`${kind} ${scale}: ${open} open at the first close`);
  console.log(`heapUsed ${(heapUsed / 1048576).toFixed(1)} MiB (before the read ${(before / 1048576).toFixed(1)} MiB)`);
  console.log(`heap bytes per open connection: ${perConn.toFixed(0)}`);

  const snap = JSON.parse(readFileSync(snapPath, 'utf8'));
  const m = snap.snapshot.meta;
  const F = m.node_fields.length;
  const EF = m.edge_fields.length;
  const types = m.node_types[0];
  const etypes = m.edge_types[0];
  const iType = m.node_fields.indexOf('type');
  const iName = m.node_fields.indexOf('name');
  const iSize = m.node_fields.indexOf('self_size');
  const iEC = m.node_fields.indexOf('edge_count');
  const eType = m.edge_fields.indexOf('type');
  const eName = m.edge_fields.indexOf('name_or_index');
  const eTo = m.edge_fields.indexOf('to_node');
  const { nodes, edges, strings: S } = snap;
  const label = (i) => {
    const t = types[nodes[i + iType]];
    if (t === 'string' || t === 'concatenated string' || t === 'sliced string') return '(string)';
    if (t === 'code') return '(code)';
    const n = S[nodes[i + iName]];
    return `${t} ${n.length > 50 ? n.slice(0, 50) : n}`;
  };
  // First retainer of each node (property, element or internal edge): "Owner.field".
  const owner = new Map();
  let ei = 0;
  for (let i = 0; i < nodes.length; i += F) {
    const ec = nodes[i + iEC];
    for (let k = 0; k < ec; k++, ei += EF) {
      const et = etypes[edges[ei + eType]];
      if (et === 'weak' || et === 'shortcut') continue;
      const to = edges[ei + eTo];
      if (owner.has(to)) continue;
      const field = et === 'element' ? '[]' : et === 'hidden' ? '(hidden)' : String(et === 'context' || et === 'property' || et === 'internal' ? S[edges[ei + eName]] : edges[ei + eName]);
      owner.set(to, `${S[nodes[i + iName]].slice(0, 40)}.${field}`);
    }
  }
  const byType = new Map();
  const byOwner = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += F) {
    const size = nodes[i + iSize];
    total += size;
    const l = label(i);
    const a = byType.get(l) ?? [0, 0];
    a[0]++;
    a[1] += size;
    byType.set(l, a);
    const k = `${l}  <- ${owner.get(i) ?? '?'}`;
    const b = byOwner.get(k) ?? [0, 0];
    b[0]++;
    b[1] += size;
    byOwner.set(k, b);
  }
  console.log(`snapshot self sizes: ${(total / 1048576).toFixed(1)} MiB, ${(total / open).toFixed(0)} per open connection`);
  const show = (title, map) => {
    console.log(`\n${title} (bytes per open connection, count per open connection)`);
    for (const [k, [n, size]] of [...map].sort((x, y) => y[1][1] - x[1][1]).slice(0, top)) {
      console.log(`${(size / open).toFixed(0).padStart(7)} ${(n / open).toFixed(2).padStart(7)}  ${k}`);
    }
  };
  show('per type and constructor', byType);
  show('per type, constructor and first retainer', byOwner);
  if (keep) renameSync(snapPath, keep);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
