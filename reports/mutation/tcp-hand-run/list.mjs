// The mutants StrykerJS's own instrumenter makes for one file (the package stryker run uses), as JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { Instrumenter } from '/work/main/node_modules/@stryker-mutator/instrumenter/dist/src/index.js';
const [file, out] = process.argv.slice(2);
const quiet = () => {};
const log = { isDebugEnabled: () => false, isTraceEnabled: () => false, isInfoEnabled: () => false, debug: quiet, trace: quiet, info: quiet, warn: console.warn, error: console.error, fatal: console.error };
const r = await new Instrumenter(log).instrument([{ name: file, content: readFileSync(file, 'utf8'), mutate: true }], { plugins: null, excludedMutations: [], ignorers: [], noHeader: true });
writeFileSync(out, JSON.stringify(r.mutants.map((m) => ({ id: m.id, mutatorName: m.mutatorName, replacement: m.replacement, location: m.location }))));
console.log(r.mutants.length, 'mutants');
