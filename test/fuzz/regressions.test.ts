/**
 * Inputs that once failed the fuzz harness (test/fuzz/regressions/, each with a
 * .txt saying where it came from and how it failed), replayed through the whole
 * pipeline and every output.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkOne } from '../../scripts/fuzz.mjs';
import { srcApi } from './api.js';

const dir = join(process.cwd(), 'test/fuzz/regressions');
const inputs = existsSync(dir) ? readdirSync(dir).filter((f) => !f.endsWith('.txt') && !f.endsWith('.md')).sort() : [];

test('the regression folder is read', () => {
  expect(existsSync(join(dir, 'README.md'))).toBe(true);
});

test.each(inputs.length ? inputs : ['(none yet)'])('%s', async (name) => {
  if (name === '(none yet)') return;
  expect(await checkOne(join(dir, name), srcApi, { timeBudgetMs: 20_000, rssBudgetMiB: 4096 })).toBeNull();
}, 60_000);
