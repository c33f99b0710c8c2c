// CPU time per thread of one run, printed to stderr at exit (Linux: /proc/self/task/*/schedstat).
// A preload, not a command:
//
//   node --import ./scripts/bench-threads.mjs dist/cli.js bench-data/big.pcap.gz --format ndjson > /dev/null
//
// prints e.g. `threads: main 4.61 s, others 5.12 s (3.20, 0.71, 0.45, ...); main thread: 4.61 s running,
// 1.20 s waiting for a core, 0.35 s asleep, of 6.16 s`.
//
// Why: on a shared machine the wall time says little, but the main thread's own CPU time does: the
// main thread is the one that parses and analyses, so when the other threads' work (inflating gzip
// in a worker, reads and zlib on libuv's pool, V8's GC helpers) fits on another core, the wall time
// on a machine with a free core is about the main thread's CPU time plus start-up. "waiting for a
// core" is time it was runnable but other processes had the cores; "asleep" is time it waited for
// data (or timers) with nothing to do.
import { readdirSync, readFileSync, writeSync } from 'node:fs';

const t0 = performance.now();
process.on('exit', () => {
  let main = { run: 0, wait: 0 };
  const others = [];
  for (const tid of readdirSync('/proc/self/task')) {
    let run;
    let wait;
    try {
      [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    } catch {
      continue; // the thread ended meanwhile
    }
    if (tid === String(process.pid)) main = { run: run / 1e9, wait: wait / 1e9 };
    else if (run > 1e7) others.push(run / 1e9);
  }
  others.sort((a, b) => b - a);
  const wall = (performance.now() - t0) / 1000;
  const sum = others.reduce((a, b) => a + b, 0);
  const asleep = Math.max(0, wall - main.run - main.wait);
  writeSync(
    2,
    `threads: main ${main.run.toFixed(2)} s, others ${sum.toFixed(2)} s (${others.map((x) => x.toFixed(2)).join(', ')}); ` +
      `main thread: ${main.run.toFixed(2)} s running, ${main.wait.toFixed(2)} s waiting for a core, ${asleep.toFixed(2)} s asleep, of ${wall.toFixed(2)} s\n`,
  );
});
