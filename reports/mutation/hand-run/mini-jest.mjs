// A minimal jest stand-in for the hand run: describe / test / test.each / expect (the `expect` package jest uses),
// runs one bundled test file, exits 1 at the first failing test (printing its name), 0 when all pass.
import { expect } from '../../../node_modules/expect/build/index.js';
const tests = [];
const stack = [];
globalThis.expect = expect;
globalThis.describe = (name, fn) => { stack.push(name); fn(); stack.pop(); };
const test = (name, fn) => tests.push({ name: [...stack, name].join(' › '), fn });
test.each = (rows) => (name, fn) => { for (const r of rows) { const args = Array.isArray(r) ? r : [r]; test(name.replace('%s', String(args[0])), () => fn(...args)); } };
globalThis.test = test;
globalThis.it = test;
await import(process.argv[2]);
for (const t of tests) {
  try { await t.fn(); } catch (e) { console.log(`✕ ${t.name}`); process.exit(1); }
}
console.log(`passed ${tests.length}`);
process.exit(0);
