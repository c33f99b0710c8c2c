/**
 * The pipeline's stages form layers: data flows one way, and a lower stage
 * never imports a higher one. This test reads every import of src/ and checks
 * it against the stage order (type-only imports included: a type from a
 * higher stage couples the lower one to it just the same).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Stage rank: a module may import modules of its own rank or lower. */
const RANK: Record<string, number> = {
  base: 0,
  capture: 1,
  decode: 2,
  tcp: 3,
  quic: 3,
  tls: 4,
  http: 4,
  timeline: 5,
  findings: 6,
  report: 7,
  'analyze.ts': 8,
  view: 9,
  output: 10,
  ui: 10,
  'cli.ts': 11,
  'cli-lib.ts': 11,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

function stageOf(path: string): string {
  return relative(SRC, path).split(/[\\/]/)[0]!;
}

interface Edge {
  from: string;
  to: string;
}

function localImports(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  const out: Edge[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
    const target = resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'));
    out.push({ from: relative(SRC, file), to: relative(SRC, target) });
  }
  return out;
}

const all = files(SRC);

describe('stage layering', () => {
  test('every top-level entry of src/ has a rank', () => {
    const stages = new Set(all.map(stageOf));
    expect([...stages].filter((s) => RANK[s] === undefined)).toEqual([]);
  });

  test('the scan sees the pipeline (imports found in every stage that has some)', () => {
    const edges = all.flatMap(localImports);
    // A broken regex would find nothing and let everything pass.
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.some((e) => e.from.startsWith('timeline') && e.to.startsWith('tls'))).toBe(true);
  });

  test('no module imports a higher stage', () => {
    const bad = all
      .flatMap(localImports)
      .filter((e) => RANK[stageOf(join(SRC, e.to))]! > RANK[stageOf(join(SRC, e.from))]!)
      .map((e) => `${e.from} -> ${e.to}`);
    expect(bad).toEqual([]);
  });
});
