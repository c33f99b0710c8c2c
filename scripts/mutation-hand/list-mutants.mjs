// The mutants StrykerJS's own instrumenter (the one `stryker run` uses, same version) makes for one file,
// as JSON, without running anything. Locations are the instrumenter's: 0-based lines and columns.
//   node scripts/mutation-hand/list-mutants.mjs src/tls/session.ts /tmp/mutants.json
import { readFileSync, writeFileSync } from 'node:fs';
import { Instrumenter } from '../../node_modules/@stryker-mutator/instrumenter/dist/src/index.js';

const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: list-mutants.mjs SRC_FILE OUT.json');
  process.exit(2);
}
const quiet = () => {};
const logger = { isDebugEnabled: () => false, isTraceEnabled: () => false, isInfoEnabled: () => false, debug: quiet, trace: quiet, info: quiet, warn: console.warn, error: console.error, fatal: console.error };
const r = await new Instrumenter(logger).instrument([{ name: file, content: readFileSync(file, 'utf8'), mutate: true }], {
  plugins: null,
  excludedMutations: [],
  ignorers: [],
  noHeader: true,
});
const ms = r.mutants.map((m) => ({ id: m.id, mutatorName: m.mutatorName, replacement: m.replacement, location: m.location }));
writeFileSync(out, JSON.stringify(ms, null, 1));
console.log(ms.length, 'mutants');
