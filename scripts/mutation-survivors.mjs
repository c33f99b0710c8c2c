#!/usr/bin/env node
// The surviving (and uncovered) mutants of a Stryker JSON report, one line each,
// as Markdown: file:line, mutator, the original and the replacement, and why it
// survives where that is known (an equivalent mutant: no observable difference).
//   node scripts/mutation-survivors.mjs reports/mutation/findings.json [reports/mutation/findings-notes.json] > reports/mutation/findings-survivors.md
// The notes file is a JSON list of {file, original, replacement, why}: a survivor whose
// file ends with `file`, whose original code contains `original` and whose replacement
// contains `replacement` gets `why` (matched by code, not line, so notes survive edits).
import { readFileSync } from 'node:fs';

const [file, notesFile] = process.argv.slice(2);
if (!file) {
  console.error('usage: mutation-survivors.mjs REPORT.json [NOTES.json]');
  process.exit(2);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const notes = notesFile ? JSON.parse(readFileSync(notesFile, 'utf8')) : [];
const used = new Set();
const count = {};
const rows = [];
let explained = 0;
for (const [name, f] of Object.entries(r.files)) {
  const lines = f.source.split('\n');
  for (const m of f.mutants) {
    count[m.status] = (count[m.status] ?? 0) + 1;
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const { start, end } = m.location;
    const original =
      start.line === end.line
        ? lines[start.line - 1].slice(start.column - 1, end.column - 1)
        : [lines[start.line - 1].slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1].slice(0, end.column - 1)].join('\n');
    const replacement = m.replacement ?? '';
    const i = notes.findIndex((n) => name.endsWith(n.file) && original.includes(n.original) && replacement.includes(n.replacement));
    const why = i >= 0 ? notes[i].why : '';
    if (i >= 0) {
      used.add(i);
      explained++;
    }
    const oneLine = (s) => s.replace(/\s*\n\s*/g, ' ');
    const clip = (s) => (s.length > 70 ? `${s.slice(0, 67)}…` : s).replace(/\|/g, '\\|').replace(/`/g, "'");
    rows.push(`| ${name}:${start.line} | ${m.status === 'NoCoverage' ? 'no coverage' : 'survived'} | ${m.mutatorName} | \`${clip(oneLine(original))}\` | \`${clip(oneLine(replacement))}\` | ${why.replace(/\|/g, '\\|')} |`);
  }
}
const killed = (count.Killed ?? 0) + (count.Timeout ?? 0);
const valid = killed + (count.Survived ?? 0) + (count.NoCoverage ?? 0);
console.log(`# Surviving mutants: ${file}\n`);
console.log(
  `Score ${((100 * killed) / valid).toFixed(1)} % (${killed} killed or timed out of ${valid}; ${count.Survived ?? 0} survived, ${count.NoCoverage ?? 0} not covered; ${count.CompileError ?? 0} did not compile and are not counted${count.Ignored ? `; ${count.Ignored} ignored` : ''}).`,
);
if (notesFile) console.log(`\n${explained} of the ${rows.length} are explained as equivalent or not worth a test (last column, from ${notesFile}).`);
console.log('\n| where | status | mutator | original | replacement | why it survives |\n| --- | --- | --- | --- | --- | --- |');
for (const l of rows) console.log(l);
const unused = notes.filter((_, i) => !used.has(i));
if (unused.length > 0) console.error(`mutation-survivors: ${unused.length} note(s) matched no survivor: ${unused.map((n) => `${n.file} ${n.original}`).join('; ')}`);
