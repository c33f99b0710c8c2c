/** The fixtures that have tshark goldens (test/golden/<name>/streams.json, and the same in its subfolders). */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Fixture subfolders whose goldens are checked too (test/golden/<dir>/<file>/). */
export const GOLDEN_SUBDIRS = ['findings', 'lossy'];

/** Names relative to fixtures/ (and test/golden/), top level first, then each subfolder. */
export function goldenFixtures(goldenDir: string): string[] {
  return [
    ...readdirSync(goldenDir).filter((f) => existsSync(join(goldenDir, f, 'streams.json'))),
    ...GOLDEN_SUBDIRS.flatMap((d) =>
      readdirSync(join(goldenDir, d))
        .filter((f) => existsSync(join(goldenDir, d, f, 'streams.json')))
        .map((f) => `${d}/${f}`),
    ),
  ];
}

/** One stream of test/golden/<fixture>/streams.json (scripts/make-golden.mjs, from tshark). */
export interface GoldenStream {
  stream: number;
  client: { ip: string; port: number } | null;
  server: { ip: string; port: number } | null;
  frames: Record<string, number | null>;
  rstFrom: 'client' | 'server' | null;
  synCount: number;
  synAckCount: number;
  initialRtt: number | null;
  sni: string | null;
  version: number | null;
  cipher: number | null;
  helloRetry: boolean;
  alertFrames: number[];
  packets: number;
}
