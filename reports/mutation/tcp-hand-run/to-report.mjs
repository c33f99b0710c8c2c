// Writes the hand runs of one file as a report in Stryker's JSON layout (the fields mutation-folders.mjs and
// mutation-survivors.mjs read): the first run's status per mutant, replaced by the re-run's where it re-ran.
import { readFileSync, writeFileSync } from 'node:fs';
const [rel, first, rerun, out, note] = process.argv.slice(2);
const a = JSON.parse(readFileSync(first, 'utf8'));
const b = rerun ? JSON.parse(readFileSync(rerun, 'utf8')) : {};
const mutants = Object.values(a).map((m) => {
  const r = b[m.id] ?? m;
  return {
    id: m.id, mutatorName: m.mutatorName, replacement: m.replacement,
    location: { start: { line: m.location.start.line + 1, column: m.location.start.column + 1 }, end: { line: m.location.end.line + 1, column: m.location.end.column + 1 } },
    status: r.status, statusReason: (r.detail ?? '') + (b[m.id] ? ' (re-run)' : ''),
  };
}).sort((x, y) => Number(x.id) - Number(y.id));
writeFileSync(out, JSON.stringify({ schemaVersion: '1.0', thresholds: { high: 80, low: 60 }, note, files: { [rel]: { language: 'typescript', source: readFileSync('/work/wt/tcp/' + rel, 'utf8'), mutants } } }, null, 1));
const c = {};
for (const m of mutants) c[m.status] = (c[m.status] ?? 0) + 1;
console.log(c);
