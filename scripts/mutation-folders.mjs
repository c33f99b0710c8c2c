#!/usr/bin/env node
// Mutation scores per src folder, from the per-file Stryker reports named in
// reports/mutation/folders.json (issue 16 asks >= 80 % per folder):
//   node scripts/mutation-folders.mjs [--markdown]
// For each folder: the files scored and their score, the folder's score over those files
// (killed + timed out / mutants that compiled), and the files with no score and their
// lines of code (comments and blank lines not counted), so a score over part of a
// folder is never read as the folder's. Type-only and re-export-only sources (judged from
// their compiled module in dist/: run `npm run build` first) have nothing to mutate and are left out.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'reports/mutation');
const map = JSON.parse(readFileSync(path.join(dir, 'folders.json'), 'utf8'));
const FOLDERS = ['tcp', 'tls', 'timeline', 'report', 'findings', 'quic', 'http'];

/** Lines with code: not blank, not only a comment. */
function codeLines(file) {
  let n = 0;
  let inBlock = false;
  for (const raw of readFileSync(path.join(root, file), 'utf8').split('\n')) {
    const l = raw.trim();
    if (inBlock) {
      if (l.includes('*/')) inBlock = false;
      continue;
    }
    if (l === '' || l.startsWith('//')) continue;
    if (l.startsWith('/*')) {
      if (!l.includes('*/')) inBlock = true;
      continue;
    }
    n++;
  }
  return n;
}

/** A source whose compiled module is empty (interfaces and type aliases only) or only re-exports: nothing to mutate. */
function typeOnly(file) {
  const js = path.join(root, 'dist', path.relative('src', file)).replace(/\.tsx?$/, '.js');
  let code;
  try {
    code = readFileSync(js, 'utf8');
  } catch {
    return false;
  }
  return (
    code
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
      .replace(/export \{\};/g, '')
      // re-exports only (an index module): nothing to mutate either
      .replace(/export\s+(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s+from\s+['"][^'"]+['"];?/g, '')
      .trim() === ''
  );
}

const reports = new Map();
function counts(report, file) {
  if (!reports.has(report)) reports.set(report, JSON.parse(readFileSync(path.join(dir, report), 'utf8')));
  const f = reports.get(report).files[file];
  if (f === undefined) throw new Error(`${report} has no mutants of ${file}`);
  let killed = 0;
  let total = 0;
  for (const m of f.mutants) {
    if (m.status === 'CompileError' || m.status === 'Ignored') continue;
    total++;
    if (m.status === 'Killed' || m.status === 'Timeout') killed++;
  }
  return { killed, total };
}

const md = process.argv.includes('--markdown');
if (md) {
  console.log('| folder | files scored (score) | killed + timed out / mutants | score of the scored files | code lines scored | files not scored (code lines) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
}
for (const folder of FOLDERS) {
  // Sub-folders too (src/tls/decrypt belongs to src/tls).
  const files = readdirSync(path.join(root, 'src', folder), { recursive: true }).filter((n) => /\.tsx?$/.test(n)).map((n) => `src/${folder}/${n}`).sort();
  let killed = 0;
  let total = 0;
  let linesScored = 0;
  let linesAll = 0;
  const scored = [];
  const unscored = [];
  for (const file of files) {
    if (typeOnly(file)) continue;
    const lines = codeLines(file);
    linesAll += lines;
    const entry = map[file];
    if (entry === undefined) {
      unscored.push(`${path.relative(path.join(root, 'src', folder), path.join(root, file))} (${lines})`);
      continue;
    }
    let k = 0;
    let t = 0;
    for (const r of entry.reports) {
      const c = counts(r, file);
      k += c.killed;
      t += c.total;
    }
    killed += k;
    total += t;
    linesScored += lines;
    scored.push(`${path.relative(path.join(root, 'src', folder), path.join(root, file))} ${t ? ((100 * k) / t).toFixed(1) : '-'} %${entry.note ? ` (${entry.note})` : ''}`);
  }
  const score = total ? `${((100 * killed) / total).toFixed(1)} %` : '-';
  if (md) {
    console.log(`| \`src/${folder}\` | ${scored.join('; ') || '–'} | ${killed} / ${total} | ${score} | ${linesScored} of ${linesAll} | ${unscored.join(', ') || '–'} |`);
  } else {
    console.log(`src/${folder}: ${score} over ${scored.length} of ${scored.length + unscored.length} files (${killed}/${total}; ${linesScored} of ${linesAll} code lines)`);
    for (const s of scored) console.log(`  scored   ${s}`);
    if (unscored.length) console.log(`  no score ${unscored.join(', ')}`);
  }
}
