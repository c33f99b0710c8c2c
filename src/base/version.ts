/** The package's version, read once from package.json (two levels above src/base/ and dist/base/). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    try {
      cached = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '';
    } catch {
      cached = '';
    }
  }
  return cached;
}
