#!/usr/bin/env node
// The capture and decode stages alone (no connection tracking, no output): reads a capture
// with readCapture and decodes every frame, with a fresh result per frame (decodeFrame) or
// one reused result (PacketDecoder, as the analysis does), or reads only. Prints CPU time
// (user+sys) and frame counts, one line per mode; run the modes in turn for an A/B.
//
//   npm run build && node scripts/bench-decode.mjs FILE [read|fresh|reused] ...
import { readCapture } from '../dist/capture/index.js';
import { PacketDecoder, decodeFrame } from '../dist/decode/index.js';

const [file, ...modes] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: bench-decode.mjs FILE [read|fresh|reused] ...');
  process.exit(2);
}
for (const mode of modes.length > 0 ? modes : ['read', 'fresh', 'reused']) {
  let tcp = 0;
  let frames = 0;
  const d = new PacketDecoder();
  const sink =
    mode === 'read'
      ? (f) => {
          frames++;
          tcp += f.capLen;
        }
      : mode === 'fresh'
        ? (f) => {
            frames++;
            if (decodeFrame(f.data, f.linkType).tcp !== undefined) tcp++;
          }
        : (f) => {
            frames++;
            if (d.decode(f.data, f.linkType).tcp !== undefined) tcp++;
          };
  const t = process.cpuUsage();
  await readCapture(file, sink);
  const u = process.cpuUsage(t);
  console.log(`${mode}: ${((u.user + u.system) / 1e6).toFixed(3)} s CPU, ${frames} frames, ${tcp}`);
}
