#!/usr/bin/env node
// Same output before and after a performance change: runs two builds of the CLI over every
// capture under fixtures/ (recursively: .pcap, .pcapng, .gz) and any files given, in each
// of the output formats asked for, and compares stdout, stderr and the exit code byte for
// byte. Prints the differences and exits 1 when there is any.
//
//   node scripts/bench-same-output.mjs --a /tmp/before --b dist [--formats ndjson,json,text] [FILE ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const a = resolve(opt('--a', '/tmp/before'));
const b = resolve(opt('--b', join(ROOT, 'dist')));
const formats = opt('--formats', 'ndjson').split(',');

function captures(dir) {
  const out = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng|cap|gz)$/.test(e)) out.push(p);
  }
  return out;
}

const files = [...captures(join(ROOT, 'fixtures')), ...args];
const run = (dir, file, format) =>
  spawnSync(process.execPath, [join(dir, 'cli.js'), file, '--format', format], { maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
let differ = 0;
let bytes = 0;
for (const file of files) {
  for (const format of formats) {
    const x = run(a, file, format);
    const y = run(b, file, format);
    bytes += x.stdout.length;
    const same = x.status === y.status && x.stdout.equals(y.stdout) && x.stderr.equals(y.stderr);
    if (!same) {
      differ++;
      console.log(`DIFFERS: ${file} --format ${format} (exit ${x.status} / ${y.status}, stdout ${x.stdout.length} / ${y.stdout.length} bytes)`);
    }
  }
}
console.log(`${files.length} captures × ${formats.length} format(s), ${bytes} bytes of output: ${differ === 0 ? 'all identical' : `${differ} differ`}`);
process.exit(differ === 0 ? 0 : 1);
