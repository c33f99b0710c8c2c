#!/usr/bin/env node
// Merges a Stryker JSON report with later re-runs of some of its lines (a re-run
// mutating `src/x.ts:40-60` against added tests): a mutant killed (or timed out)
// in a re-run counts as killed, since the union of the runs' test sets kills it;
// every other mutant keeps the base's status. The source must be unchanged
// between the runs (checked). Prints killed / survived / no coverage / score per file, as
// scripts/mutation.sh counts them (CompileError and Ignored left out).
//   node scripts/mutation-merge.mjs OUT.json BASE.json RERUN.json [RERUN.json ...]
//   node scripts/mutation-merge.mjs - REPORT.json     (counts only, nothing written)
import { readFileSync, writeFileSync } from 'node:fs';

const [out, baseFile, ...reruns] = process.argv.slice(2);
if (!out || !baseFile) {
  console.error('usage: mutation-merge.mjs OUT.json|- BASE.json [RERUN.json ...]');
  process.exit(2);
}
const base = JSON.parse(readFileSync(baseFile, 'utf8'));
const key = (m) => `${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column} ${m.mutatorName} ${m.replacement}`;
let replaced = 0;
for (const file of reruns) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  for (const [name, f] of Object.entries(r.files)) {
    const b = base.files[name];
    if (!b) throw new Error(`${file}: ${name} is not in ${baseFile}`);
    if (b.source !== f.source) throw new Error(`${file}: ${name} changed since ${baseFile}; re-run the whole file`);
    const byKey = new Map(b.mutants.map((m, i) => [key(m), i]));
    for (const m of f.mutants) {
      const i = byKey.get(key(m));
      if (i === undefined) throw new Error(`${file}: mutant ${key(m)} of ${name} is not in ${baseFile}`);
      const killed = (x) => x.status === 'Killed' || x.status === 'Timeout';
      if (killed(m) && !killed(b.mutants[i])) {
        b.mutants[i] = { ...m, killedBy: m.killedBy, rerun: file };
        replaced++;
      }
    }
  }
}
const total = { killed: 0, survived: 0, noCoverage: 0 };
for (const [name, f] of Object.entries(base.files)) {
  const c = { killed: 0, survived: 0, noCoverage: 0 };
  for (const m of f.mutants) {
    if (m.status === 'Killed' || m.status === 'Timeout') c.killed++;
    else if (m.status === 'Survived') c.survived++;
    else if (m.status === 'NoCoverage') c.noCoverage++;
  }
  for (const k of Object.keys(total)) total[k] += c[k];
  const valid = c.killed + c.survived + c.noCoverage;
  console.log(`${name}\tkilled ${c.killed}\tsurvived ${c.survived}\tno coverage ${c.noCoverage}\tscore ${((100 * c.killed) / valid).toFixed(1)} %`);
}
if (reruns.length > 0) console.log(`${replaced} mutants killed in ${reruns.join(', ')}`);
if (out !== '-') writeFileSync(out, JSON.stringify(base));
