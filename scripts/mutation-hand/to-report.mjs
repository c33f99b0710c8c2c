// run.mjs's results as a Stryker JSON report (mutation-testing-report-schema) for scripts/mutation-survivors.mjs
// and mutation-folders.mjs, locations 1-based as in Stryker's own; later results files (a re-run of some
// mutants with newer tests) override the first one's status for their mutants.
//   node scripts/mutation-hand/to-report.mjs /tmp/tree/src/x.ts src/x.ts /tmp/mutants.json /tmp/results.json reports/mutation/quick-x-hand.json [/tmp/rerun.json ...]
import { readFileSync, writeFileSync } from 'node:fs';
const [srcFile, rel, mutantsFile, resultsFile, out, ...extra] = process.argv.slice(2);
const mutants = JSON.parse(readFileSync(mutantsFile, 'utf8'));
const res = JSON.parse(readFileSync(resultsFile, 'utf8'));
const over = {};
for (const f of extra) Object.assign(over, JSON.parse(readFileSync(f, 'utf8')));
const pos = (p) => ({ line: p.line + 1, column: p.column + 1 });
const report = {
  schemaVersion: '1', thresholds: { high: 80, low: 60, break: null },
  files: { [rel]: { language: 'typescript', source: readFileSync(srcFile, 'utf8'), mutants: mutants.map((m) => {
    const r = over[m.id] ?? res[m.id];
    if (!r) throw new Error(`no result for mutant ${m.id}`);
    return { id: String(m.id), mutatorName: m.mutatorName, replacement: m.replacement, location: { start: pos(m.location.start), end: pos(m.location.end) }, status: r.status, statusReason: r.detail };
  }) } },
};
writeFileSync(out, JSON.stringify(report));
const c = {};
for (const m of report.files[rel].mutants) c[m.status] = (c[m.status] ?? 0) + 1;
const k = (c.Killed ?? 0) + (c.Timeout ?? 0), t = k + (c.Survived ?? 0) + (c.NoCoverage ?? 0);
console.log(JSON.stringify(c), `${k}/${t}`, (100 * k / t).toFixed(1) + ' %');
