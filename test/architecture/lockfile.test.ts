/**
 * `npm install` on a fresh clone must leave the tree clean: npm rewrites
 * package-lock.json when the lock's root disagrees with package.json (it once
 * said typescript "5.9" against "~5.9.3").
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

test('the lock file root declares exactly the dependencies of package.json', () => {
  const root = lock.packages[''];
  expect(root.dependencies ?? {}).toEqual(pkg.dependencies ?? {});
  expect(root.devDependencies ?? {}).toEqual(pkg.devDependencies ?? {});
  expect(root.version).toBe(pkg.version);
  expect(lock.version).toBe(pkg.version);
});
