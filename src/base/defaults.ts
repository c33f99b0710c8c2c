/**
 * Defaults the command line names in its help (src/cli.ts), here so that it
 * can describe its options without loading the stages that use them (issue 14:
 * the terminal UI's first screen comes before the analysis modules are loaded).
 */

/** The memory ceiling the default caps are sized for (issue 15: 1 GiB for any input). */
export const DEFAULT_MEMORY_MIB = 1024;

/** Rows of each table of the text report at most. */
export const DEFAULT_TOP = 50;

/**
 * Destinations the terminal UI lists at most, largest total setup first, each with its pool
 * simulation (~1.7 KB together); the others are computed and counted one at a time, and the
 * totals and the verdict count them all (report/digest.ts). A scan of a million addresses.
 */
export const TUI_DESTINATIONS = 20_000;

/** TUI_DESTINATIONS at `--memory` MiB: in proportion, as the other caps (20,000 at the default 1024; at least 100). */
export function tuiDestinations(memoryMiB: number = DEFAULT_MEMORY_MIB): number {
  return Math.max(100, Math.round((TUI_DESTINATIONS * memoryMiB) / DEFAULT_MEMORY_MIB));
}
