#!/usr/bin/env node
// The surviving (and uncovered) mutants of a Stryker JSON report, one line each,
// as Markdown: file:line, mutator, the original and the replacement.
//   node scripts/mutation-survivors.mjs reports/mutation/findings.json > reports/mutation/findings-survivors.md
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: mutation-survivors.mjs REPORT.json');
  process.exit(2);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const count = {};
const rows = [];
for (const [name, f] of Object.entries(r.files)) {
  const lines = f.source.split('\n');
  for (const m of f.mutants) {
    count[m.status] = (count[m.status] ?? 0) + 1;
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const { start, end } = m.location;
    const original = start.line === end.line ? lines[start.line - 1].slice(start.column - 1, end.column - 1) : `${lines[start.line - 1].slice(start.column - 1)} …`;
    const clip = (s) => (s.length > 70 ? `${s.slice(0, 67)}…` : s).replace(/\|/g, '\\|').replace(/`/g, "'");
    rows.push(`| ${name}:${start.line} | ${m.status === 'NoCoverage' ? 'no coverage' : 'survived'} | ${m.mutatorName} | \`${clip(original)}\` | \`${clip(m.replacement ?? '')}\` |`);
  }
}
const killed = (count.Killed ?? 0) + (count.Timeout ?? 0);
const valid = killed + (count.Survived ?? 0) + (count.NoCoverage ?? 0);
console.log(`# Surviving mutants: ${file}\n`);
console.log(`Score ${((100 * killed) / valid).toFixed(1)} % (${killed} killed or timed out of ${valid}; ${count.Survived ?? 0} survived, ${count.NoCoverage ?? 0} not covered; ${count.CompileError ?? 0} did not compile and are not counted).\n`);
console.log('| where | status | mutator | original | replacement |\n| --- | --- | --- | --- | --- |');
for (const l of rows) console.log(l);
