/**
 * collectGarbage() runs a full collection without --expose-gc on the command
 * line (the protobuf writer asks for one before a big trailer).
 */
import { setImmediate as tick } from 'node:timers/promises';
import { collectGarbage } from '../../src/base/gc.js';

test('an object reachable only through a WeakRef is gone after collectGarbage()', async () => {
  let target: object | undefined = { payload: new Array(100_000).fill(0) };
  const ref = new WeakRef(target);
  target = undefined;
  // A WeakRef keeps its target alive until the job that made it (or deref()ed it) ends.
  await tick();
  expect(ref.deref()).toBeDefined(); // nothing collected it yet: the check below means something
  await tick();
  expect(collectGarbage()).toBe(true);
  expect(ref.deref()).toBeUndefined();
  // Asked again, it runs again.
  let second: object | undefined = {};
  const ref2 = new WeakRef(second);
  second = undefined;
  await tick();
  expect(collectGarbage()).toBe(true);
  expect(ref2.deref()).toBeUndefined();
});
