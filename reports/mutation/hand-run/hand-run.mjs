// Hand run of Stryker's mutants (list-mutants.mjs) for one file, when the Stryker lock is busy: each mutant is
// type-checked with a TypeScript language service over tsconfig.json (CompileError, as Stryker's checker would),
// then applied to a COPY of the tree (never the working tree: the file is rewritten for each mutant), the test
// files bundled with it by esbuild and run by mini-jest.mjs (Killed at the first failing test, Timeout past 30 s,
// Survived otherwise). Results are kept in OUT (a re-run skips the mutants already there).
//   git archive HEAD | tar -x -C /tmp/tree && ln -s $PWD/node_modules /tmp/tree/node_modules
//   node reports/mutation/hand-run/hand-run.mjs /tmp/tree src/tls/session.ts /tmp/mutants.json /tmp/results.json test/tls/session-units.test.ts
//   node reports/mutation/hand-run/to-report.mjs /tmp/tree/src/tls/session.ts src/tls/session.ts /tmp/mutants.json /tmp/results.json reports/mutation/quick-….json
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from '../../../node_modules/typescript/lib/typescript.js';
const here = path.dirname(fileURLToPath(import.meta.url));
const [tree, rel, mutantsFile, outFile, ...tests] = process.argv.slice(2);
const file = path.join(tree, rel);
const original = readFileSync(file, 'utf8');
const mutants = JSON.parse(readFileSync(mutantsFile, 'utf8'));
const results = existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : {};
const cfgPath = path.join(tree, 'tsconfig.json');
const cfg = ts.parseJsonConfigFileContent(ts.readConfigFile(cfgPath, ts.sys.readFile).config, ts.sys, tree);
let current = original;
let version = 0;
const host = {
  getScriptFileNames: () => cfg.fileNames,
  getScriptVersion: (f) => (path.resolve(f) === file ? String(version) : '0'),
  getScriptSnapshot: (f) => {
    if (path.resolve(f) === file) return ts.ScriptSnapshot.fromString(current);
    if (!existsSync(f)) return undefined;
    return ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8'));
  },
  getCurrentDirectory: () => tree,
  getCompilationSettings: () => cfg.options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories,
};
const ls = ts.createLanguageService(host, ts.createDocumentRegistry());
const errs = () => ls.getSemanticDiagnostics(file).concat(ls.getSyntacticDiagnostics(file));
if (errs().length) throw new Error('original does not type-check');
const lines = original.split('\n');
// Locations of the instrumenter's mutants: 0-based lines (the report adds 1), 0-based columns.
const offset = (p) => { let o = 0; for (let i = 0; i < p.line; i++) o += lines[i].length + 1; return o + p.column; };
for (const m of mutants) {
  if (results[m.id]) continue;
  const a = offset(m.location.start), b = offset(m.location.end);
  current = original.slice(0, a) + m.replacement + original.slice(b);
  version++;
  const e = errs();
  let status;
  let detail = '';
  if (e.length) { status = 'CompileError'; detail = ts.flattenDiagnosticMessageText(e[0].messageText, ' ').slice(0, 120); }
  else {
    writeFileSync(file, current);
    const t0 = Date.now();
    // The test files bundled with the mutated source (esbuild, no type check: that was done above), run by mini-jest.mjs.
    const b = spawnSync(path.join(tree, 'node_modules/.bin/esbuild'), [...tests, '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${path.join(tree, '.hand-run-bundle.mjs')}`, '--log-level=error'], { cwd: tree, encoding: 'utf8' });
    writeFileSync(file, original);
    if (b.status !== 0) throw new Error(b.stderr);
    const r = spawnSync('node', [path.join(here, 'mini-jest.mjs'), path.join(tree, '.hand-run-bundle.mjs')], { cwd: tree, encoding: 'utf8', timeout: 30000 });
    const out = (r.stdout ?? '') + (r.stderr ?? '');
    if (r.error && r.error.code === 'ETIMEDOUT') status = 'Timeout';
    else if (r.status === 0) status = 'Survived';
    else { status = 'Killed'; detail = (out.match(/✕ (.*)/) ?? [, ''])[1].slice(0, 120); }
    detail += ` (${((Date.now() - t0) / 1000).toFixed(1)} s)`;
  }
  results[m.id] = { status, detail };
  writeFileSync(outFile, JSON.stringify(results, null, 1));
  console.log(m.id, m.location.start.line + 1, m.mutatorName, JSON.stringify(m.replacement).slice(0, 60), status, detail);
}
current = original;
writeFileSync(file, original);
