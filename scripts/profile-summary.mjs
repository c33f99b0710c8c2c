#!/usr/bin/env node
// Summarise a `node --cpu-prof` profile: self time by file (or package) and the top functions.
//   node scripts/profile-summary.mjs FILE.cpuprofile [topN]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i] ?? 0;
  self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const where = (url) => {
  if (!url) return '(native/vm)';
  const nm = /node_modules\/([^/]+)/.exec(url);
  if (nm) return `npm:${nm[1]}`;
  const d = /\/dist\/(.*)$/.exec(url);
  if (d) return d[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
};
const files = new Map();
const funcs = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const f = cf.functionName === '(garbage collector)' || cf.functionName === '(idle)' || cf.functionName === '(program)' ? cf.functionName : where(cf.url);
  files.set(f, (files.get(f) ?? 0) + t);
  const fn = `${cf.functionName || '(anonymous)'} ${where(cf.url)}:${cf.lineNumber + 1}`;
  funcs.set(fn, (funcs.get(fn) ?? 0) + t);
}
const pct = (t) => `${((t / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`total ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nself time by file:');
for (const [k, t] of [...files].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
console.log('\ntop functions:');
for (const [k, t] of [...funcs].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
