// A small stand-in for jest's globals (describe / test / it, .each, .skip, beforeAll / afterAll; `expect` is
// jest's own package) that runs one bundled test file in one process: exit 1 at the first failing test
// (printing "FAIL <name>"), 0 when all pass. For run.mjs only: a jest process per mutant costs seconds.
import { expect } from '../../node_modules/expect/build/index.js';

const root = { name: '', tests: [], beforeAll: [], afterAll: [] };
let cur = root;
const fmt = (name, row) => {
  const args = Array.isArray(row) ? row : [row];
  let i = 0;
  return String(name).replace(/%[sidjpo#%]/g, (m) => (m === '%%' ? '%' : String(args[i++])));
};
const describe = (name, fn) => {
  const node = { name, tests: [], beforeAll: [], afterAll: [] };
  cur.tests.push({ node });
  const prev = cur;
  cur = node;
  fn();
  cur = prev;
};
describe.each = (rows) => (name, fn) => rows.forEach((r) => describe(fmt(name, r), () => (Array.isArray(r) ? fn(...r) : fn(r))));
describe.skip = () => {};
const test = (name, fn) => cur.tests.push({ name, fn });
test.each = (rows) => (name, fn) => rows.forEach((r) => test(fmt(name, r), () => (Array.isArray(r) ? fn(...r) : fn(r))));
test.skip = () => {};
Object.assign(globalThis, { describe, test, it: test, expect, beforeAll: (f) => cur.beforeAll.push(f), afterAll: (f) => cur.afterAll.push(f) });
await import(process.argv[2]);
let n = 0;
async function run(node, path) {
  for (const f of node.beforeAll) await f();
  for (const t of node.tests) {
    if (t.node) await run(t.node, `${path}${t.node.name} › `);
    else {
      try {
        await t.fn();
        n++;
      } catch (e) {
        console.log(`FAIL ${path}${t.name}\n ${String(e?.message ?? e).slice(0, 300)}`);
        process.exit(1);
      }
    }
  }
  for (const f of node.afterAll) await f();
}
await run(root, '');
console.log('PASS', n);
process.exit(0);
