/**
 * The terminal UI's destination list scales with --memory as the other caps do
 * (src/base/defaults.ts): 20,000 at the default 1,024 MiB, in proportion, never
 * under 100.
 */
import { DEFAULT_MEMORY_MIB, TUI_DESTINATIONS, tuiDestinations } from '../../src/base/defaults.js';

test.each([
  [undefined, 20_000],
  [DEFAULT_MEMORY_MIB, 20_000],
  [2048, 40_000],
  [512, 10_000],
  [64, 1_250],
  [1, 100],
])('--memory %p lists %p destinations', (memory, listed) => {
  expect(TUI_DESTINATIONS).toBe(20_000);
  expect(tuiDestinations(memory)).toBe(listed);
});
