#!/usr/bin/env node
/**
 * npm run coverage [-- <jest args, e.g. test/cli>]
 *
 * Coverage of the whole program, including the code that only runs in the
 * CLI subprocesses the tests start (`node dist/cli.js …`: cli.ts, output/json.ts,
 * output/info.ts, ui/index.tsx), which jest's own coverage cannot see.
 *
 *   1. build dist/ (tsc writes a source map next to every .js);
 *   2. run jest with --coverage --coverageProvider=v8 (coverage/jest/), with
 *      NODE_V8_COVERAGE=coverage/v8-children in the environment: every Node
 *      process started under the tests writes its V8 coverage there when it exits;
 *   3. keep the children's coverage of dist/**.js, merge it across processes
 *      (@bcoe/v8-coverage), convert it to istanbul through dist's source maps
 *      (v8-to-istanbul) so it is coverage of src/**.ts (coverage/children/);
 *   4. merge both (istanbul-lib-coverage) and write coverage/merged/ (lcov, html,
 *      coverage-final.json), print the per-folder/per-file table, the per-folder
 *      markdown table (coverage/merged/folders.md, the README's "Coverage"
 *      section) and the jest-only vs merged figures of the subprocess files.
 *
 * Type-only sources (no code at run time) are left out of the figures.
 * `npm run coverage -- --report-only` makes the reports again from coverage/jest
 * and coverage/children without running the tests.
 *
 * Exits with jest's status. Opt-in: `npm test` is not slowed by any of this.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { mergeProcessCovs } = require('@bcoe/v8-coverage');
const v8ToIstanbul = require('v8-to-istanbul');
const libCoverage = require('istanbul-lib-coverage');
const libReport = require('istanbul-lib-report');
const reports = require('istanbul-reports');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'coverage');
const dirs = {
  jest: join(out, 'jest'),
  raw: join(out, 'v8-children'),
  children: join(out, 'children'),
  merged: join(out, 'merged'),
};
/** The files that run only in subprocesses: their before/after figures are printed. */
const SUBPROCESS_FILES = ['src/cli.ts', 'src/output/json.ts', 'src/output/info.ts', 'src/ui/index.tsx'];

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** --report-only: steps 1-3 skipped, the tables and reports made again from coverage/jest and coverage/children. */
const reportOnly = process.argv[2] === '--report-only';
const jestArgs = reportOnly ? [] : process.argv.slice(2);
let jestStatus = 0;
if (!reportOnly) {
  rmSync(out, { recursive: true, force: true });
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // Some tests run the CLI as another user (the permission test runs it as nobody): it writes here too.
  chmodSync(dirs.raw, 0o1777);

  // 1. dist and its source maps, from the current sources.
  if (run('npm', ['run', 'build', '--silent']) !== 0) process.exit(1);
  jestStatus = await runJest();
  await childrenCoverage();
}

// 2. jest, with every process under it writing V8 coverage.
async function runJest() {
  const status = run(
  process.execPath,
  [
    join(root, 'node_modules/jest/bin/jest.js'),
    ...jestArgs, // first: --roots below takes every word after it
    '--coverage',
    '--coverageProvider=v8',
    `--coverageDirectory=${dirs.jest}`,
    '--coverageReporters=json',
    // Every source file, also those no test imports (jest finds them only under its roots).
    '--collectCoverageFrom=src/**/*.{ts,tsx}',
    '--roots=<rootDir>/test',
    '--roots=<rootDir>/src',
  ],
  { NODE_OPTIONS: '--experimental-vm-modules', NODE_V8_COVERAGE: dirs.raw },
  );
  if (!existsSync(join(dirs.jest, 'coverage-final.json'))) {
    console.error('coverage: jest wrote no coverage (see above)');
    process.exit(status || 1);
  }
  return status;
}

// 3. The children's coverage of dist/, merged over processes, mapped back to src/.
async function childrenCoverage() {
const distUrl = pathToFileURL(join(root, 'dist')).href + '/';
const processCovs = [];
let files = 0;
for (const name of readdirSync(dirs.raw)) {
  if (!name.endsWith('.json')) continue;
  files++;
  let cov;
  try {
    cov = JSON.parse(readFileSync(join(dirs.raw, name), 'utf8'));
  } catch {
    continue; // a process killed while writing its file
  }
  const result = cov.result.filter((s) => s.url.startsWith(distUrl) && s.url.endsWith('.js'));
  if (result.length > 0) processCovs.push({ result });
}
const mergedV8 = processCovs.length > 0 ? mergeProcessCovs(processCovs) : { result: [] };
const childMap = libCoverage.createCoverageMap({});
for (const script of mergedV8.result) {
  const conv = v8ToIstanbul(fileURLToPath(script.url), 0);
  await conv.load();
  conv.applyCoverage(script.functions);
  childMap.merge(conv.toIstanbul());
  conv.destroy();
}
// Only the sources themselves (a map could name something outside src/).
childMap.filter((f) => f.startsWith(join(root, 'src') + sep));
writeFileSync(join(dirs.children, 'coverage-final.json'), JSON.stringify(childMap.toJSON()));
console.log(`\ncoverage: ${files} V8 coverage files written by processes under the tests, ${processCovs.length} of them ran dist/; ${childMap.files().length} source files reached from dist/`);
rmSync(dirs.raw, { recursive: true, force: true }); // large, and nothing reads them again
}

// 4. jest's and the children's, merged.
const jestMap = libCoverage.createCoverageMap(JSON.parse(readFileSync(join(dirs.jest, 'coverage-final.json'), 'utf8')));
const children = libCoverage.createCoverageMap(JSON.parse(readFileSync(join(dirs.children, 'coverage-final.json'), 'utf8')));
/**
 * Type-only sources (interfaces, type aliases) compile to an empty module that no
 * process ever runs: V8 reports every line of them uncovered. They are left out.
 */
function typeOnly(src) {
  const js = join(root, 'dist', relative(join(root, 'src'), src)).replace(/\.tsx?$/, '.js');
  if (!existsSync(js)) return false;
  const code = readFileSync(js, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/export \{\};/g, '');
  return code.trim() === '';
}
const skipped = jestMap.files().filter(typeOnly);
for (const m of [jestMap, children]) m.filter((f) => !typeOnly(f));
if (skipped.length) console.log(`coverage: left out, type-only (no code at run time): ${skipped.map((f) => relative(root, f)).join(', ')}`);
const merged = libCoverage.createCoverageMap({});
merged.merge(jestMap);
merged.merge(children);

const context = libReport.createContext({ dir: dirs.merged, coverageMap: merged, defaultSummarizer: 'pkg' });
for (const kind of ['lcovonly', 'html', 'json']) reports.create(kind).execute(context);
reports.create('text', { maxCols: 120 }).execute(context);

/** Statements/branches/functions/lines covered in a set of files of a map. */
function summary(map, pred) {
  const s = libCoverage.createCoverageSummary();
  for (const f of map.files()) if (pred(relative(root, f))) s.merge(map.fileCoverageFor(f).toSummary());
  return s;
}
const pct = (m) => (m.total === 0 ? '–' : `${m.pct.toFixed(1)} %`);
const folderOf = (rel) => {
  const parts = rel.split(sep);
  return parts.length > 2 ? parts.slice(0, 2).join('/') : 'src (top level)';
};
const folders = [...new Set(merged.files().map((f) => folderOf(relative(root, f))))].sort();

const lines = [
  '| folder | lines (jest only) | lines | statements | branches | functions |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
];
for (const folder of folders) {
  const inFolder = (rel) => folderOf(rel) === folder;
  const m = summary(merged, inFolder);
  const j = summary(jestMap, inFolder);
  lines.push(`| ${folder} | ${pct(j.lines)} | ${pct(m.lines)} | ${pct(m.statements)} | ${pct(m.branches)} | ${pct(m.functions)} |`);
}
const all = () => true;
const mt = summary(merged, all);
const jt = summary(jestMap, all);
lines.push(`| **all** | ${pct(jt.lines)} | **${pct(mt.lines)}** | ${pct(mt.statements)} | ${pct(mt.branches)} | ${pct(mt.functions)} |`);
writeFileSync(join(dirs.merged, 'folders.md'), lines.join('\n') + '\n');
console.log(`\nper folder (also in coverage/merged/folders.md):\n${lines.join('\n')}`);

console.log('\nfiles run only as subprocesses: lines covered, jest only -> jest + subprocesses');
for (const rel of [...SUBPROCESS_FILES, '(all files)']) {
  const pred = rel === '(all files)' ? all : (r) => r === rel.split('/').join(sep);
  const j = summary(jestMap, pred);
  const m = summary(merged, pred);
  console.log(
    `  ${rel.padEnd(20)} lines ${pct(j.lines).padStart(8)} -> ${pct(m.lines).padStart(8)}   statements ${pct(j.statements).padStart(8)} -> ${pct(m.statements).padStart(8)}   branches ${pct(j.branches).padStart(8)} -> ${pct(m.branches).padStart(8)}   functions ${pct(j.functions).padStart(8)} -> ${pct(m.functions).padStart(8)}`,
  );
}
console.log(`\nreports: ${relative(root, dirs.merged)}/index.html, ${relative(root, dirs.merged)}/lcov.info`);
process.exit(jestStatus);
