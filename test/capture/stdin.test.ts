/**
 * Reading '-' (stdin): a file redirected to stdin is read like a named file (1 MiB
 * chunks, not process.stdin's 64 KiB ones), a pipe through process.stdin, gzip
 * either way. Runs the built capture stage (dist/, as the CLI does) in a child
 * process whose stdin is the file or a pipe; expected frames come from the golden
 * files and from the records the test writes.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { fixturePath, goldenFrames } from './helpers.js';
import { pcapHeaderLE } from '../helpers/pcap.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-capture-stdin-'));
const distCapture = path.resolve(fixturePath('zeek-tls12-basic.pcap'), '../../dist/capture/index.js');

interface ChildResult {
  frames: number;
  lastEpoch: string;
  progress: number;
  totalBytes: number | null;
  bytes: number;
  gzip: boolean;
  error: string | null;
  warnings: string[];
  pipe: string | null;
}

/**
 * readCapture('-') in a child whose stdin is `file` (redirected), its bytes through node's
 * child pipe (a socket pair: read through process.stdin), or through a shell's pipe (a FIFO:
 * read on the thread pool, capture/pipe.ts).
 */
function readStdin(file: string, how: 'redirect' | 'pipe' | 'fifo'): ChildResult {
  const script =
    `import { readCapture, pipeReport } from ${JSON.stringify(pathToFileURL(distCapture).href)};` +
    `let frames = 0, progress = 0, totalBytes = null, lastEpoch = '';` +
    `const r = await readCapture('-', (f) => { frames++; lastEpoch = f.tsSec + '.' + String(f.tsNsec).padStart(9, '0'); },` +
    ` { onProgress: (p) => { progress++; totalBytes = p.totalBytes ?? null; } });` +
    `console.log(JSON.stringify({ frames, lastEpoch, progress, totalBytes, bytes: r.bytes, compression: r.meta.compression, error: r.error ?? null, warnings: r.warnings, pipe: pipeReport() ?? null }));`;
  const fd = how === 'redirect' ? openSync(file, 'r') : undefined;
  try {
    const r =
      how === 'fifo'
        ? spawnSync('/bin/sh', ['-c', 'cat "$0" | exec "$1" --input-type=module -e "$2"', file, process.execPath, script], {
            encoding: 'utf8',
            maxBuffer: 1 << 20,
          })
        : spawnSync(process.execPath, ['--input-type=module', '-e', script], {
            ...(fd !== undefined ? { stdio: [fd, 'pipe', 'pipe'] } : { input: readFileSync(file) }),
            encoding: 'utf8',
            maxBuffer: 1 << 20,
          });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as ChildResult;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A little-endian µs pcap of `count` records of `size` bytes (record i at 1_600_000_000 + i s). */
function buildPcap(count: number, size: number): Buffer {
  const head = pcapHeaderLE();
  const parts = [head];
  for (let i = 0; i < count; i++) {
    const rec = Buffer.alloc(16 + size, i & 0xff);
    rec.writeUInt32LE(1_600_000_000 + i, 0);
    rec.writeUInt32LE(0, 4);
    rec.writeUInt32LE(size, 8);
    rec.writeUInt32LE(size, 12);
    parts.push(rec);
  }
  return Buffer.concat(parts);
}

describe('stdin', () => {
  // 3,000 records of 3,000 bytes: 9 MB, 9 chunks of 1 MiB or 138 of 64 KiB.
  const big = buildPcap(3000, 3000);
  const bigFile = path.join(dir, 'big.pcap');
  writeFileSync(bigFile, big);

  test('a file redirected to stdin: every frame, its size for progress, read in 1 MiB chunks', () => {
    const r = readStdin(bigFile, 'redirect');
    expect(r).toMatchObject({ frames: 3000, lastEpoch: '1600002999.000000000', totalBytes: big.length, bytes: big.length, error: null, warnings: [] });
    expect(r.progress).toBeLessThanOrEqual(Math.ceil(big.length / (1024 * 1024)) + 1);
  });

  test.each(['pipe', 'fifo'] as const)('the same bytes through a %s: every frame, no size', (how) => {
    const r = readStdin(bigFile, how);
    expect(r).toMatchObject({ frames: 3000, lastEpoch: '1600002999.000000000', totalBytes: null, bytes: big.length, error: null, warnings: [] });
    // node's child pipe is a socket pair (process.stdin); a shell's is a FIFO (the thread pool).
    if (how === 'pipe') expect(r.pipe).toBeNull();
    else expect(r.pipe).toMatch(/^stdin is a pipe, .*, read on the thread pool$/);
  });

  test.each(['redirect', 'pipe', 'fifo'] as const)('a gzip capture, %s: inflated, the golden frames', (how) => {
    const name = 'zeek-tls12-basic.pcap';
    const golden = goldenFrames(name);
    const gz = path.join(dir, `${name}.gz`);
    writeFileSync(gz, gzipSync(readFileSync(fixturePath(name))));
    const r = readStdin(gz, how);
    expect(r).toMatchObject({ frames: golden.length, lastEpoch: golden[golden.length - 1]!.epoch, compression: 'gzip', error: null, warnings: [] });
  });
});
