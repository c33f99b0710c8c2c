#!/usr/bin/env node
// Throughput of the capture reader (and the frame decoder when built) on a large capture,
// then of the whole analysis (capture -> decode -> tcp -> tls -> timeline) in its own process.
// Usage: npm run bench [-- <capture> [--no-decode] [--chunk <bytes>] [--no-analyze] [--tshark]]
// --tshark also counts tshark's tcp.stream values, to compare with our connection count.
// Prints frames, MB, seconds, frames/s, MB/s and peak RSS. Figures, not a test.
import { existsSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const noDecode = args.includes('--no-decode');
const analyzeOnly = args.includes('--analyze-only');
const noAnalyze = args.includes('--no-analyze');
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

if (analyzeOnly) {
  // The whole pipeline, streaming (records are not kept), as `--format ndjson` runs it.
  const { analyzeFile } = await import(new URL('../dist/analyze.js', import.meta.url).href);
  let connections = 0;
  const t0 = performance.now();
  const a = await analyzeFile(file, { keepConnections: false, onConnection: () => connections++ });
  const seconds = (performance.now() - t0) / 1000;
  const mb = statSync(file).size / 1e6;
  const row = (k, v) => console.log(`${k.padEnd(12)} ${v}`);
  row('stages', 'whole analysis (capture, decode, tcp, tls, timeline)');
  row('frames', a.capture.frames.toLocaleString('en-US'));
  row('connections', connections.toLocaleString('en-US'));
  row('seconds', seconds.toFixed(3));
  row('frames/s', Math.round(a.capture.frames / seconds).toLocaleString('en-US'));
  row('MB/s', (mb / seconds).toFixed(1));
  row('peak RSS', `${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB`);
  if (args.includes('--tshark')) {
    // tshark's count of tcp.stream values, for comparison (slow: tens of seconds on 1 GiB).
    const { execFileSync } = await import('node:child_process');
    const t1 = performance.now();
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'tcp.stream'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    const streams = new Set(out.toString().split('\n').filter((l) => l !== ''));
    row('tshark', `${streams.size.toLocaleString('en-US')} tcp.stream values (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
  }
  process.exit(0);
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

if (!noAnalyze) {
  // Its own process, so its peak RSS is its own.
  const { spawnSync } = await import('node:child_process');
  console.log('');
  const extra = args.includes('--tshark') ? ['--tshark'] : [];
  spawnSync(process.execPath, [new URL(import.meta.url).pathname, file, '--analyze-only', ...extra], { stdio: 'inherit' });
}
