/**
 * The saved-analysis (.hlpb) magic, apart from the reader and writer in
 * protobuf.ts: every run checks whether its input is a saved analysis, and
 * loading protobufjs for that check (57 files, ~65 ms of CPU at start-up,
 * a tenth of a small capture's whole run) is paid only when one is read or
 * written (issue 14).
 */

/** "HLPB" and the format version (1) as a big-endian uint32. */
export const MAGIC = Buffer.from([0x48, 0x4c, 0x50, 0x42, 0x00, 0x00, 0x00, 0x01]);
export const SCHEMA_VERSION = 1;

/** The file starts with the saved-analysis magic ("HLPB"). */
export function isSavedAnalysis(firstBytes: Buffer): boolean {
  return firstBytes.length >= 4 && firstBytes.subarray(0, 4).equals(MAGIC.subarray(0, 4));
}
