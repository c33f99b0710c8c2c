// Lists the mutants Stryker's instrumenter (the one `stryker run` uses, same version) makes for a file, without running anything:
//   node reports/mutation/hand-run/list-mutants.mjs src/tls/session.ts /tmp/mutants.json
// Locations are the instrumenter's: 0-based lines and columns.
import { readFileSync, writeFileSync } from 'node:fs';
import { Instrumenter } from '../../../node_modules/@stryker-mutator/instrumenter/dist/src/index.js';
const [file, out] = process.argv.slice(2);
const logger = { isDebugEnabled: () => false, isTraceEnabled: () => false, debug() {}, trace() {}, info() {}, warn: console.warn, error: console.error, fatal: console.error };
const inst = new Instrumenter(logger);
const content = readFileSync(file, 'utf8');
const r = await inst.instrument([{ name: file, content, mutate: true }], { plugins: null, excludedMutations: [], ignorers: [], noHeader: true });
const ms = r.mutants.map((m) => ({ id: m.id, mutatorName: m.mutatorName, replacement: m.replacement, location: m.location }));
writeFileSync(out, JSON.stringify(ms, null, 1));
console.log(ms.length, 'mutants');
