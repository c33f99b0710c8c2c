#!/usr/bin/env node
// Throughput of the capture reader (and the frame decoder when built) on a large capture.
// Usage: npm run bench [-- <capture> [--no-decode] [--chunk <bytes>]]
// Prints frames, MB, seconds, frames/s, MB/s and peak RSS. Figures, not a test.
import { existsSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const noDecode = args.includes('--no-decode');
const chunkAt = args.indexOf('--chunk');
const chunkSize = chunkAt >= 0 ? Number(args[chunkAt + 1]) : undefined;
const positional = args.filter((a, i) => !a.startsWith('--') && !(chunkAt >= 0 && i === chunkAt + 1));
const file = positional[0] ?? 'bench-data/big.pcap';

if (!existsSync(file)) {
  console.error(`bench: ${file} not found.`);
  console.error('Make it with: bash scripts/make-bench-capture.sh   (writes bench-data/big.pcap, ~1.1 GiB)');
  console.error('or pass another capture: npm run bench -- path/to/capture.pcap');
  process.exit(1);
}

const { readCapture } = await import(new URL('../dist/capture/index.js', import.meta.url).href);
let decodeFrame;
const decodeUrl = new URL('../dist/decode/index.js', import.meta.url);
if (!noDecode && existsSync(decodeUrl)) ({ decodeFrame } = await import(decodeUrl.href));

let tcpFrames = 0;
let capBytes = 0;
const sink = decodeFrame
  ? (f) => {
      capBytes += f.capLen;
      if (decodeFrame(f.data, f.linkType).tcp) tcpFrames++;
    }
  : (f) => {
      capBytes += f.capLen;
    };

const size = statSync(file).size;
const t0 = performance.now();
const result = await readCapture(file, sink, chunkSize ? { chunkSize } : {});
const seconds = (performance.now() - t0) / 1000;
const mb = size / 1e6;
const peakRssMB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

const row = (k, v) => console.log(`${k.padEnd(12)} ${v}`);
row('file', `${file} (${result.meta.format}${result.meta.gzip ? ', gzip' : ''})`);
row('stages', decodeFrame ? 'read + decodeFrame' : 'read only');
row('frames', result.frames.toLocaleString('en-US'));
if (decodeFrame) row('tcp frames', tcpFrames.toLocaleString('en-US'));
row('MB', `${mb.toFixed(1)} (file), ${(capBytes / 1e6).toFixed(1)} (captured frame bytes)`);
row('seconds', seconds.toFixed(3));
row('frames/s', Math.round(result.frames / seconds).toLocaleString('en-US'));
row('MB/s', (mb / seconds).toFixed(1));
row('peak RSS', `${peakRssMB.toFixed(1)} MB`);
for (const w of result.warnings) row('warning', w);
if (result.error) row('error', result.error);
