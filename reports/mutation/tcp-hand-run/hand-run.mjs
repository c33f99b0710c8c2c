// Runs StrykerJS's mutants of one file (list.mjs) by hand on the copy /tmp/htcp/hand: each mutant is type-checked
// with a TypeScript language service over tsconfig.json (CompileError, as Stryker's checker), then the test files
// are bundled with the mutated source (esbuild) and run by mini-jest.mjs, stage 1 first, stage 2 only if stage 1
// passes: Killed at the first failure, Timeout past TIMEOUT ms, Survived when every suite passes.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import ts from '/work/main/node_modules/typescript/lib/typescript.js';
const tree = '/tmp/htcp/hand';
const [rel, mutantsFile, outFile, stage1, stage2] = process.argv.slice(2);
const TIMEOUT = Number(process.env.TIMEOUT ?? 15000);
const file = path.join(tree, rel);
const original = readFileSync(file, 'utf8');
const mutants = JSON.parse(readFileSync(mutantsFile, 'utf8'));
const only = process.env.ONLY ? new Set(process.env.ONLY.split(',')) : undefined;
const results = existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : {};
const cfg = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(tree, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, tree);
let current = original;
let version = 0;
const ls = ts.createLanguageService({
  getScriptFileNames: () => cfg.fileNames,
  getScriptVersion: (f) => (path.resolve(f) === file ? String(version) : '0'),
  getScriptSnapshot: (f) => (path.resolve(f) === file ? ts.ScriptSnapshot.fromString(current) : existsSync(f) ? ts.ScriptSnapshot.fromString(readFileSync(f, 'utf8')) : undefined),
  getCurrentDirectory: () => tree,
  getCompilationSettings: () => cfg.options,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory,
  directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories,
}, ts.createDocumentRegistry());
// Stryker's checker does not report unused declarations (TS 6133, 6138, ...): IGNORE_UNUSED=1 leaves them out too.
const UNUSED = new Set([6133, 6138, 6192, 6196, 6198, 6199, 6205]);
const errs = () => ls.getSyntacticDiagnostics(file).concat(ls.getSemanticDiagnostics(file)).filter((d) => !(process.env.IGNORE_UNUSED && UNUSED.has(d.code)));
if (errs().length) throw new Error('the original does not type-check');
const lines = original.split('\n');
const offset = (p) => { let o = 0; for (let i = 0; i < p.line; i++) o += lines[i].length + 1; return o + p.column; };
function suite(t) {
  const b = path.join(path.dirname(t), `.mutb-${path.basename(t, '.test.ts')}.mjs`);
  const e = spawnSync('/work/main/node_modules/.bin/esbuild', [t, '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${b}`, '--log-level=error'], { cwd: tree, encoding: 'utf8' });
  if (e.status !== 0) return { status: 'Killed', detail: 'bundle: ' + e.stderr.slice(0, 200) };
  const r = spawnSync('node', ['/tmp/htcp/mini-jest.mjs', path.join(tree, b)], { cwd: tree, encoding: 'utf8', timeout: TIMEOUT, killSignal: 'SIGKILL' });
  if (r.error || r.signal) return { status: 'Timeout', detail: t };
  if (r.status !== 0) return { status: 'Killed', detail: `${t}: ${(r.stdout + r.stderr).split('\n').find((l) => l.startsWith('FAIL')) ?? r.stderr.slice(0, 200)}` };
  return undefined;
}
try {
  for (const m of mutants) {
    if (results[m.id] || (only && !only.has(m.id))) continue;
    const a = offset(m.location.start), b = offset(m.location.end);
    current = original.slice(0, a) + m.replacement + original.slice(b);
    version++;
    const e = errs();
    let res;
    if (e.length) res = { status: 'CompileError', detail: ts.flattenDiagnosticMessageText(e[0].messageText, ' ').slice(0, 150) };
    else {
      writeFileSync(file, current);
      const t0 = Date.now();
      for (const t of [...stage1.split(','), ...(stage2 ? stage2.split(',') : [])]) if ((res = suite(t))) break;
      res ??= { status: 'Survived', detail: '' };
      res.ms = Date.now() - t0;
      writeFileSync(file, original);
    }
    results[m.id] = { ...m, ...res, line: m.location.start.line + 1, original: original.slice(a, b).slice(0, 120) };
    writeFileSync(outFile, JSON.stringify(results, null, 1));
    console.log(m.id, m.location.start.line + 1, m.mutatorName, res.status, (res.detail ?? '').slice(0, 100));
  }
} finally {
  writeFileSync(file, original);
}
