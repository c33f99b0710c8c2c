// Make the compiled CLI executable (npm bin) after tsc.
import { chmodSync, existsSync } from 'node:fs';
const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
