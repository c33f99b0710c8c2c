/**
 * The fuzz harness on a small budget, deterministic (fixed seeds): mutants of
 * every fixture through the whole pipeline and every output, in-process
 * (scripts/fuzz.mjs has the mutators and the checks; `node scripts/fuzz.mjs
 * --mutations 100000 --seed N` runs a big one against dist/). A failing
 * mutant is saved in test/fuzz/regressions/ and fails the test with its origin.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOne, fixtureCorpus, fuzzRange, MUTATOR_NAMES, mutate, records, saveRegression } from '../../scripts/fuzz.mjs';
import { srcApi } from './api.js';

const corpus = fixtureCorpus(join(process.cwd(), 'fixtures'));
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hl-fuzz-test-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the mutators', () => {
  test('are deterministic in the seed and change the input', () => {
    const fx = corpus.find((f) => f.name === 'lo-tls13-full.pcap')!;
    const a = mutate(fx.data, 42);
    const b = mutate(fx.data, 42);
    expect(a.data.equals(b.data)).toBe(true);
    expect(a.steps).toEqual(b.steps);
    let changed = 0;
    for (let s = 0; s < 50; s++) if (!mutate(fx.data, s).data.equals(fx.data)) changed++;
    expect(changed).toBeGreaterThan(45);
  });

  test('every mutator is used over a few hundred seeds', () => {
    const fx = corpus.find((f) => f.name === 'ndpi-pcapng-nsres-tls12.pcapng')!;
    const seen = new Set<string>();
    for (let s = 0; s < 400; s++) for (const step of mutate(fx.data, s).steps) seen.add(step);
    expect([...seen].sort()).toEqual([...MUTATOR_NAMES].sort());
  });

  test.each(['lo-tls13-full.pcap', 'ndpi-pcapng-nsres-tls12.pcapng', 'multi-section-2shb-3if.pcapng'])(
    'the record walker finds every frame of %s (as capinfos counts them)',
    (name) => {
      const golden = JSON.parse(readFileSync(join(process.cwd(), 'test/golden', name, 'capinfos.json'), 'utf8'));
      const walked = records(corpus.find((f) => f.name === name)!.data);
      expect(walked.recs.filter((r) => r.dataLen > 0)).toHaveLength(golden.frames);
    },
  );
});

describe('the checks catch what they must', () => {
  test('an exception in any output is a failure; a file that is no capture is not', async () => {
    const p = join(tmp, 'ok.pcap');
    writeFileSync(p, corpus.find((f) => f.name === 'lo-tls13-full.pcap')!.data);
    // The budget is on the whole process's RSS: jest's own is several hundred MiB.
    expect(await checkOne(p, srcApi, { rssBudgetMiB: 4096 })).toBeNull();
    const broken = { ...srcApi, formatInfo: () => { throw new RangeError('Invalid time value'); } };
    expect(await checkOne(p, broken)).toMatchObject({ kind: 'exception', message: expect.stringMatching(/^RangeError: Invalid time value/) });
    const badJson = { ...srcApi, ndjsonLine: () => '{"cut' };
    expect(await checkOne(p, badJson)).toMatchObject({ kind: 'exception', message: expect.stringMatching(/^SyntaxError/) });
    // The one-destination-at-a-time digests are checked against the whole computations.
    const offDigest = { ...srcApi, destinationDigest: (...args: unknown[]) => {
      const d = srcApi.destinationDigest(...args);
      return { ...d, pool: { ...d.pool, total: { ...d.pool.total, connections: d.pool.total.connections + 1 } } };
    } };
    expect(await checkOne(p, offDigest)).toMatchObject({ kind: 'exception', message: expect.stringMatching(/destinationDigest/) });
    const offCompare = { ...srcApi, compareDigest: (...args: unknown[]) => ({ ...srcApi.compareDigest(...args), destinationCount: -1 }) };
    expect(await checkOne(p, offCompare)).toMatchObject({ kind: 'exception', message: expect.stringMatching(/compareDigest/) });
    expect(await checkOne(p, srcApi, { timeBudgetMs: 0 })).toMatchObject({ kind: 'time' });
    expect(await checkOne(p, srcApi, { rssBudgetMiB: 1 })).toMatchObject({ kind: 'memory' });
    const text = join(tmp, 'notes.pcap');
    writeFileSync(text, 'not a capture at all\n');
    expect(await checkOne(text, srcApi)).toBeNull();
  });
});

describe('fuzzing (fixed seeds, small budget)', () => {
  // Generous budgets: a loaded 2-core machine; the big runs use 10 s and 1 GiB.
  const budgets = { timeBudgetMs: 20_000, rssBudgetMiB: 4096 };
  // 500 per seed (1,000 until session 14: the suite passed its 5-minute budget when the
  // mutation-testing suites were added; the big runs are scripts/fuzz.mjs, README "Fuzzing").
  test.each([
    [1, 500],
    [2, 500],
  ])('seed %i: %i mutants, no exception, no budget overrun', async (seed, n) => {
    const failures = await fuzzRange({ api: srcApi, corpus, seed, from: 0, to: n, tmp, budgets });
    for (const f of failures) saveRegression(join(process.cwd(), 'test/fuzz/regressions'), f.data, f.ext, f);
    expect(failures.map((f) => `${f.kind} ${f.from}: ${f.message.split('\n')[0]}`)).toEqual([]);
  }, 120_000);
});
