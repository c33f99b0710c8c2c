// Stryker's mutants of one file (list-mutants.mjs) applied by hand, one at a time, when a `stryker run`
// cannot have the machine (the shared lock busy). Each mutant is type-checked by a TypeScript language
// service over the tree's tsconfig.json (CompileError, as Stryker's checker; IGNORE_UNUSED=1 leaves out the
// unused-declaration errors that checker does not report either), then written into a COPY of the tree
// (never a working tree: the file is rewritten per mutant and restored), and the test files, each bundled
// with it by esbuild, run in turn under mini-jest.mjs: Killed at the first failing test, Timeout past
// TIMEOUT ms (default 30000), Survived when all pass. Results go to OUT as they come; a re-run skips the
// mutants already there (ONLY=id,id,... runs just those). to-report.mjs turns OUT into a Stryker report.
//   git archive HEAD | tar -x -C /tmp/tree && ln -s $PWD/node_modules /tmp/tree/node_modules
//   node scripts/mutation-hand/list-mutants.mjs src/tls/session.ts /tmp/mutants.json
//   node scripts/mutation-hand/run.mjs /tmp/tree src/tls/session.ts /tmp/mutants.json /tmp/results.json test/tls/session-units.test.ts[,more]
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from '../../node_modules/typescript/lib/typescript.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const [tree, rel, mutantsFile, outFile, testList] = process.argv.slice(2);
if (!tree || !rel || !mutantsFile || !outFile || !testList) {
  console.error('usage: run.mjs TREE SRC_FILE MUTANTS.json OUT.json TEST_FILE[,TEST_FILE...]');
  process.exit(2);
}
const tests = testList.split(',');
const TIMEOUT = Number(process.env.TIMEOUT ?? 30000);
const only = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : undefined;
const file = path.join(tree, rel);
const original = readFileSync(file, 'utf8');
const mutants = JSON.parse(readFileSync(mutantsFile, 'utf8'));
const results = existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : {};
const cfg = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(tree, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, tree);
let current = original;
let version = 0;
const ls = ts.createLanguageService(
  {
    getScriptFileNames: () => cfg.fileNames,
    getScriptVersion: (f) => (path.resolve(f) === file ? String(version) : '0'),
    getScriptSnapshot: (f) =>
      path.resolve(f) === file ? ts.ScriptSnapshot.fromString(current) : existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined,
    getCurrentDirectory: () => tree,
    getCompilationSettings: () => cfg.options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  },
  ts.createDocumentRegistry(),
);
const UNUSED = new Set([6133, 6138, 6192, 6196, 6198, 6199, 6205]);
const errs = () =>
  ls.getSyntacticDiagnostics(file).concat(ls.getSemanticDiagnostics(file)).filter((d) => !(process.env.IGNORE_UNUSED && UNUSED.has(d.code)));
if (errs().length) throw new Error('the original does not type-check');
const lines = original.split('\n');
// The instrumenter's locations: 0-based lines and columns.
const offset = (p) => {
  let o = 0;
  for (let i = 0; i < p.line; i++) o += lines[i].length + 1;
  return o + p.column;
};
const bundle = path.join(tree, '.mutation-hand-bundle.mjs');
/** One test file against the mutated tree: undefined when it passes, else the mutant's status. */
function suite(t) {
  const b = spawnSync(path.join(tree, 'node_modules/.bin/esbuild'), [t, '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${bundle}`, '--log-level=error'], {
    cwd: tree,
    encoding: 'utf8',
  });
  if (b.status !== 0) return { status: 'Killed', detail: `bundle: ${b.stderr.slice(0, 200)}` };
  const r = spawnSync('node', [path.join(here, 'mini-jest.mjs'), bundle], { cwd: tree, encoding: 'utf8', timeout: TIMEOUT, killSignal: 'SIGKILL' });
  if (r.error || r.signal) return { status: 'Timeout', detail: t };
  if (r.status !== 0) return { status: 'Killed', detail: `${t}: ${((r.stdout ?? '') + (r.stderr ?? '')).split('\n').find((l) => l.startsWith('FAIL')) ?? ''}`.slice(0, 200) };
  return undefined;
}
try {
  for (const m of mutants) {
    if (results[m.id] || (only && !only.has(String(m.id)))) continue;
    const a = offset(m.location.start);
    const b = offset(m.location.end);
    current = original.slice(0, a) + m.replacement + original.slice(b);
    version++;
    const e = errs();
    let res;
    if (e.length) res = { status: 'CompileError', detail: ts.flattenDiagnosticMessageText(e[0].messageText, ' ').slice(0, 150) };
    else {
      writeFileSync(file, current);
      const t0 = Date.now();
      for (const t of tests) if ((res = suite(t))) break;
      res ??= { status: 'Survived', detail: '' };
      res.detail += ` (${((Date.now() - t0) / 1000).toFixed(1)} s)`;
      writeFileSync(file, original);
    }
    results[m.id] = res;
    writeFileSync(outFile, JSON.stringify(results, null, 1));
    console.log(m.id, m.location.start.line + 1, m.mutatorName, JSON.stringify(m.replacement).slice(0, 60), res.status, res.detail.slice(0, 100));
  }
} finally {
  writeFileSync(file, original);
  rmSync(bundle, { force: true });
}
