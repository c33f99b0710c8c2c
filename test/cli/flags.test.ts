/**
 * Every subcommand and every option of the CLI, as its own --help lists them,
 * has a test with a real effect on a real capture — here, or in the test file
 * the table below names (which must exist and mention the option). A new
 * subcommand, option or --format choice without an entry fails the first test.
 *
 * Expected effects come from tshark's dissection of the fixtures
 * (test/golden/<fixture>/frames.tsv, streams.json, capinfos.json, metrics.json),
 * never from our own output: a threshold is set to half and to twice a gap
 * measured in tshark's frame times, so the finding must appear and vanish.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, ensureBuilt, fixture, repoRoot, type CliRun } from '../helpers/cli.js';

beforeAll(() => ensureBuilt());

// ---------------------------------------------------------------------------
// Shared runs: the same command line runs once. The tests run concurrently (test.concurrent),
// so the CLI processes overlap: the whole file takes a few seconds, not one per run.
const runs = new Map<string, Promise<CliRun>>();
function start(args: string[], cmd = process.execPath, argv = [cliPath, ...args]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
  });
}
function cli(...args: string[]): Promise<CliRun> {
  const key = JSON.stringify(args);
  let r = runs.get(key);
  if (!r) runs.set(key, (r = start(args)));
  return r;
}
async function json(...args: string[]) {
  const r = await cli(...args);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
/** The text with its line wrapping undone. */
const flat = (t: string) => t.replace(/\s+/g, ' ');

// ---------------------------------------------------------------------------
// tshark's frames of a fixture (test/golden/<name>/frames.tsv).
interface Frame {
  n: number;
  t: number; // seconds
  src: string;
  flags: number;
  len: number;
  stream: number;
}
function frames(name: string): Frame[] {
  const [head, ...rows] = readFileSync(join(repoRoot, 'test/golden', name, 'frames.tsv'), 'utf8').trimEnd().split('\n');
  const col = (k: string) => head!.split('\t').indexOf(k);
  const [n, t, ip, ip6, sport, flags, len, stream] = ['frame.number', 'frame.time_epoch', 'ip.src', 'ipv6.src', 'tcp.srcport', 'tcp.flags', 'tcp.len', 'tcp.stream'].map(col);
  return rows
    .map((l) => l.split('\t'))
    .filter((c) => c[stream!] !== '')
    .map((c) => ({
      n: Number(c[n!]),
      t: Number(c[t!]),
      src: `${c[ip!] || c[ip6!]}:${c[sport!]}`,
      flags: Number(c[flags!]),
      len: Number(c[len!]),
      stream: Number(c[stream!]),
    }));
}
const SYN = 0x02;
const FIN = 0x01;
const RST = 0x04;
const ACK = 0x10;
/** The client of a stream: the sender of its first SYN without ACK. */
const clientOf = (fs: Frame[]) => fs.find((f) => (f.flags & (SYN | ACK)) === SYN)!.src;
const ms = (a: Frame, b: Frame) => (b.t - a.t) * 1000;
const last = <T,>(xs: T[]): T => xs[xs.length - 1]!;
const golden = (name: string, file: string) => JSON.parse(readFileSync(join(repoRoot, 'test/golden', name, file), 'utf8'));

const codesOf = (doc: { connections: { findings: { code: string }[] }[] }) => doc.connections.map((c) => c.findings.map((f) => f.code));
const hasCode = (doc: Parameters<typeof codesOf>[0], code: string) => codesOf(doc).some((cs) => cs.includes(code));

// ---------------------------------------------------------------------------
// The table: "<command> --<option>" (and "<command> --format <choice>") -> where it is tested.
const ANALYZE = '(default)';
/** Tested in depth elsewhere: the file must exist and mention the option. */
const ELSEWHERE: Record<string, string> = {
  [`${ANALYZE} --format text`]: 'test/cli/cli.test.ts',
  [`${ANALYZE} --format json`]: 'test/cli/cli.test.ts',
  [`${ANALYZE} --format ndjson`]: 'test/cli/cli.test.ts',
  [`${ANALYZE} --format protobuf`]: 'test/cli/cli.test.ts',
  [`${ANALYZE} --keylog`]: 'test/cli/keylog.test.ts',
  [`${ANALYZE} --follow`]: 'test/live/follow.test.ts',
  [`${ANALYZE} --memory`]: 'test/tcp/memory.test.ts',
  [`pool --memory`]: 'test/tcp/memory.test.ts',
  [`compare --memory`]: 'test/tcp/memory.test.ts',
  [`${ANALYZE} --version`]: 'test/cli/cli.test.ts',
  [`info --json`]: 'test/cli/cli.test.ts',
  [`info --format json`]: 'test/cli/cli.test.ts',
  [`compare --format json`]: 'test/cli/cli.test.ts',
};
/** Tested in this file: filled in by flagTest() while the tests are collected. */
const HERE = new Map<string, string>();
function flagTest(key: string, title: string, fn: () => Promise<void>): void {
  HERE.set(key, title);
  test.concurrent(`${key}: ${title}`, fn);
}

/** What --help of each command lists: options (with aliases) and --format's choices. */
async function helpOf(command: string | undefined): Promise<{ options: string[]; commands: string[] }> {
  const r = await (command ? cli(command, '--help') : cli('--help'));
  expect(r.code).toBe(0);
  const options: string[] = [];
  const commands: string[] = [];
  let section = '';
  // yargs wraps a long choices list onto its own line: read each option's block whole.
  let current: string | undefined;
  for (const line of r.stdout.split('\n')) {
    const head = /^([A-Z][a-z]+):$/.exec(line);
    if (head) {
      section = head[1]!;
      continue;
    }
    if (section === 'Commands') {
      const m = /^ {2}handshake-lens (\w+) /.exec(line);
      if (m) commands.push(m[1]!);
    }
    if (section !== 'Options') continue;
    const m = /^ {2}(?:-(\w), )? *--([a-z][a-z-]*)/.exec(line);
    if (m) {
      current = m[2]!;
      options.push(`--${current}`);
      if (m[1]) options.push(`-${m[1]}`);
    }
    // An option with choices is tested choice by choice: `--format json`, `--format text`, …
    const choices = /\[choices: ([^\]]+)\]/.exec(line);
    if (choices && current) {
      options.splice(options.indexOf(`--${current}`), 1);
      for (const c of choices[1]!.split(', ')) options.push(`--${current} ${JSON.parse(c)}`);
    }
  }
  return { options, commands };
}

describe('every subcommand and option has a test', () => {
  test('the options of each command, as --help lists them, are each in the table; the table names nothing --help does not list', async () => {
    const top = await helpOf(undefined);
    expect(top.commands.length).toBeGreaterThanOrEqual(3);
    const listed = new Set<string>();
    for (const command of [undefined, ...top.commands]) {
      for (const o of (await helpOf(command)).options) listed.add(`${command ?? ANALYZE} ${o}`);
    }
    // The alias -f is tested with the option it stands for: `-f <choice>` runs below.
    const untested = [...listed].filter((k) => !HERE.has(k) && !(k in ELSEWHERE));
    expect(untested).toEqual([]);
    const stale = [...HERE.keys(), ...Object.keys(ELSEWHERE)].filter((k) => !listed.has(k));
    expect(stale).toEqual([]);
    for (const cmd of ['info', 'pool', 'compare']) expect(top.commands).toContain(cmd);
  });

  test.each(Object.entries(ELSEWHERE))('%s: tested in %s', (key, file) => {
    const path = join(repoRoot, file);
    expect(existsSync(path)).toBe(true);
    const option = key.split(' ').slice(1); // ['--format', 'json'] or ['--keylog']
    const text = readFileSync(path, 'utf8');
    expect(text).toContain(`'${option[0]}'`);
    if (option[1]) expect(text).toContain(`'${option[0]}', '${option[1]}'`);
  });
});

// Help and version of every command: yargs' own. --help is what the table is read from.
for (const cmd of ['info', 'pool', 'compare']) {
  flagTest(`${cmd} --help`, 'the usage of the command, with its positionals', async () => {
    const r = await cli(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^handshake-lens ${cmd} <`));
  });
  flagTest(`${cmd} --version`, 'the package version', async () => {
    const r = await cli(cmd, '--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
  });
}
flagTest(`${ANALYZE} --help`, 'every command listed', async () => {
  const r = await cli('--help');
  expect(r.code).toBe(0);
  for (const cmd of ['info', 'pool', 'compare']) expect(r.stdout).toMatch(new RegExp(`^ {2}handshake-lens ${cmd} <`, 'm'));
});

// ---------------------------------------------------------------------------
describe('output', () => {
  const SEQ = 'pool-sequential-5conns-1s.pcap';

  flagTest(`${ANALYZE} -f`, '-f json is --format json', async () => {
    expect(await json(fixture(SEQ), '-f', 'json')).toEqual(await json(fixture(SEQ), '--format', 'json'));
  });

  flagTest(`${ANALYZE} --format tui`, 'without a terminal to read keys from: the plain text report', async () => {
    // A new session has no controlling terminal: /dev/tty cannot be opened, as under CI or cron.
    const r = await start([], 'setsid', ['-w', process.execPath, cliPath, fixture(SEQ), '--format', 'tui']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await cli(fixture(SEQ), '--format', 'text')).stdout);
  });

  flagTest(`${ANALYZE} --top`, '--top 2: two connection rows and how many were left out', async () => {
    const name = 'pool-rate-5req-conn-per-request.pcap';
    const streams: { stream: number }[] = golden(name, 'streams.json');
    const r = await cli(fixture(name), '--format', 'text', '--top', '2');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const start = lines.findIndex((l) => /^ {2}# server/.test(l));
    const end = lines.findIndex((l, i) => i > start && l.startsWith('... '));
    expect(start).toBeGreaterThan(0);
    const rows = lines.slice(start + 1, end);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(streams.map((s) => s.stream)).toContain(Number(/^\s+(\d+) /.exec(row)![1]));
    expect(lines[end]).toBe(`... ${streams.length - 2} more connections (--top to show more)`);
  });

  flagTest('compare --format text', 'the comparison as text: both captures counted', async () => {
    const before = 'pool-before-no-keepalive.pcap';
    const after = 'pool-after-keepalive.pcap';
    const r = await cli('compare', fixture(before), fixture(after), '--format', 'text');
    expect(r.code).toBe(0);
    const nb = golden(before, 'streams.json').length;
    const na = golden(after, 'streams.json').length;
    expect(nb).not.toBe(na);
    expect(r.stdout).toMatch(new RegExp(`^connections +${nb} +${na} `, 'm'));
    expect(r.stdout).not.toMatch(/^\s*[{[]/);
  });
  flagTest('compare -f', '-f json is --format json', async () => {
    const args = ['compare', fixture('pool-before-no-keepalive.pcap'), fixture('pool-after-keepalive.pcap')];
    expect(await json(...args, '-f', 'json')).toEqual(await json(...args, '--format', 'json'));
  });
  flagTest('info --format text', 'the same as no --format: the text form, frames as capinfos counts them', async () => {
    const r = await cli('info', fixture(SEQ), '--format', 'text');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe((await cli('info', fixture(SEQ))).stdout);
    expect(r.stdout).toMatch(new RegExp(`^Frames: +${golden(SEQ, 'capinfos.json').frames}$`, 'm'));
  });
  flagTest('info -f', '-f json is --json', async () => {
    expect(await json('info', fixture(SEQ), '-f', 'json')).toEqual(await json('info', fixture(SEQ), '--json'));
  });
  flagTest('pool -f', '-f json is --format json', async () => {
    expect(await json('pool', fixture(SEQ), '-f', 'json')).toEqual(await json('pool', fixture(SEQ), '--format', 'json'));
  });
  flagTest('pool --format json', 'the simulation report: a destination per server, its connections as tshark counts them', async () => {
    const j = await json('pool', fixture(SEQ), '--format', 'json');
    expect(j.destinations).toHaveLength(1);
    expect(j.destinations[0].connections).toBe(golden(SEQ, 'streams.json').length);
  });
  flagTest('pool --format text', 'the table and the verdict as text', async () => {
    const r = await cli('pool', fixture(SEQ), '--format', 'text');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^hl\\.test:443 +${golden(SEQ, 'streams.json').length} `, 'm'));
    expect(r.stdout).toMatch(/^Overall: pool\./m);
  });
  flagTest('compare --top', 'the first N destinations and a line for the rest; the totals over all', async () => {
    const args = ['compare', fixture('demo-loopback-mix.pcapng'), fixture('quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap')];
    const all = await cli(...args);
    const two = await cli(...args, '--top', '2');
    expect(two.code).toBe(0);
    const rows = (t: string) => t.slice(t.indexOf('Per destination')).split('\n').filter((l) => /^\S+:\d+ /.test(l));
    const n = rows(all.stdout).length;
    expect(n).toBeGreaterThan(2);
    // The key column takes the width of the keys shown (and the columns that fit with it): the
    // same destinations first, with the same connection counts.
    const head = (l: string) => l.split(/\s+/).slice(0, 4).join(' ');
    expect(rows(two.stdout).map(head)).toEqual(rows(all.stdout).slice(0, 2).map(head));
    expect(two.stdout).toContain(`... ${n - 2} more destinations (--top to show more)`);
    // The totals above the table are the same.
    expect(two.stdout.slice(0, two.stdout.indexOf('Per destination'))).toBe(all.stdout.slice(0, all.stdout.indexOf('Per destination')));
    expect((await cli(...args, '--top', '-1')).stderr).toMatch(/^error: --top must be a whole number >= 0/m);
  });
  flagTest('pool --top', 'the first N destinations of the table and a line for the rest; the TOTAL row and the verdicts over all', async () => {
    // 4 destinations (tshark: 16 TCP conversations to hl.test:4431, 127.0.0.1:9, ...).
    const mix = fixture('demo-loopback-mix.pcapng');
    const all = await cli('pool', mix);
    const one = await cli('pool', mix, '--top', '1');
    expect(one.code).toBe(0);
    // Cells compared with their spacing collapsed: the key column takes the width of the keys shown.
    const rows = (t: string) => t.split('\n').filter((l) => /^\S+:\d+ +\d/.test(l)).map((l) => l.replace(/ +/g, ' '));
    expect(rows(all.stdout)).toHaveLength(4);
    expect(rows(one.stdout)).toEqual(rows(all.stdout).slice(0, 1));
    expect(one.stdout).toMatch(/^\.\.\. 3 more destinations \(--top to show more\)$/m);
    const total = (t: string) => t.split('\n').find((l) => l.startsWith('TOTAL'))?.replace(/ +/g, ' ');
    expect(total(one.stdout)).toBe(total(all.stdout));
    expect(one.stdout).toContain(all.stdout.slice(all.stdout.indexOf('Rates '), all.stdout.indexOf('\n- ')));
    expect(one.stdout.match(/^- /gm)).toHaveLength(1);
    expect((await cli('pool', mix, '--top', '0')).stdout).toMatch(/^\.\.\. 4 more destinations/m);
    // One left: the singular.
    expect((await cli('pool', mix, '--top', '3')).stdout).toMatch(/^\.\.\. 1 more destination \(--top to show more\)$/m);
    expect((await cli('pool', mix, '--top', '4')).stdout).not.toMatch(/more destination/);
    expect((await cli('pool', mix, '--top', '-1')).stderr).toMatch(/^error: --top must be a whole number >= 0/m);
  });
});

// ---------------------------------------------------------------------------
// The pool simulation's options, on the default command (JSON's "pool") and on `pool`.
describe('pool options', () => {
  const SEQ = 'pool-sequential-5conns-1s.pcap'; // 5 connections one after the other, ~1 s apart
  const seq = frames(SEQ);
  const streams = [...new Set(seq.map((f) => f.stream))];
  const span = (s: number) => {
    const fs = seq.filter((f) => f.stream === s);
    return { first: fs[0]!, last: last(fs) };
  };
  /** Idle time between one connection's last frame and the next one's SYN. */
  const idleGapsMs = streams.slice(1).map((s, i) => ms(span(streams[i]!).last, span(s).first));
  const roundTrips: number[] = golden(SEQ, 'metrics.json').streams.map((s: { setup: { roundTrips: number } }) => s.setup.roundTrips);
  const meanRoundTrips = roundTrips.reduce((a, b) => a + b, 0) / roundTrips.length;
  const caps = golden(SEQ, 'capinfos.json');
  const captureMs = (Number(caps.last) - Number(caps.first)) * 1000;

  const total = async (cmd: 'analyze' | 'pool', ...opts: string[]) =>
    cmd === 'pool' ? (await json('pool', fixture(SEQ), '--format', 'json', ...opts)).total : (await json(fixture(SEQ), '--format', 'json', ...opts)).pool;

  test('the capture: five connections, each idle gap over half a second', () => {
    expect(streams).toHaveLength(5);
    expect(Math.min(...idleGapsMs)).toBeGreaterThan(500);
  });

  for (const cmd of ['analyze', 'pool'] as const) {
    const key = (o: string) => `${cmd === 'analyze' ? ANALYZE : 'pool'} ${o}`;

    flagTest(key('--pool-idle'), 'an idle timeout shorter than every idle gap avoids no handshake; the default (60 s) reuses one connection for all', async () => {
      expect((await total(cmd)).handshakesAvoided).toBe(streams.length - 1);
      const below = (Math.min(...idleGapsMs) / 2 / 1000).toFixed(3);
      const t = await total(cmd, '--pool-idle', below);
      expect(t.handshakesAvoided).toBe(0);
      expect(t.verdict).not.toBe('pool');
    });

    flagTest(key('--rtt'), "the projection at 30 ms: setup grows by the capture's round trips (from tshark) × 10 ms over the one at 20 ms", async () => {
      const p30 = (await total(cmd, '--rtt', '30')).projections;
      expect(p30[0]).toMatchObject({ rttMs: 30, source: 'option' });
      const p20 = (await total(cmd)).projections.find((p: { rttMs: number }) => p.rttMs === 20);
      expect(p30[0].setupMsPerConnection - p20.setupMsPerConnection).toBeCloseTo(10 * meanRoundTrips, 3);
    });

    // The threshold applies to the projection at --rtt (without --rtt it is not used: README, pool.ts).
    flagTest(key('--min-saved-ms'), "with --rtt 30: asking to save more per request than a whole new connection can cost there turns verdict 'pool' into another", async () => {
      expect((await total(cmd, '--rtt', '30')).verdict).toBe('pool');
      // No connection's setup at 30 ms RTT costs more than the capture's duration plus its round trips × 30 ms.
      const beyond = Math.ceil(captureMs + 30 * Math.max(...roundTrips));
      expect((await total(cmd, '--rtt', '30', '--min-saved-ms', String(beyond))).verdict).not.toBe('pool');
    });

    flagTest(key('--min-saved-share'), "asking to save 100 % of the connection time turns verdict 'pool' into another", async () => {
      expect((await total(cmd)).verdict).toBe('pool');
      expect((await total(cmd, '--min-saved-share', '100')).verdict).not.toBe('pool');
    });
  }

  // Two waves of 3 parallel connections, the second after the first has closed (tshark's frames):
  // a pool of k idle connections serves min(k, 3) of the second wave; by default k is the peak (3).
  const WAVES = 'pool-waves-2x3-parallel.pcap';
  const waves = (() => {
    const fs = frames(WAVES);
    const ids = [...new Set(fs.map((f) => f.stream))];
    const spans = ids.map((s) => ({ s, first: fs.find((f) => f.stream === s)!.t, last: last(fs.filter((f) => f.stream === s)).t }));
    const firstEnd = Math.min(...spans.map((x) => x.last));
    const one = spans.filter((x) => x.first < firstEnd);
    const oneEnd = Math.max(...one.map((x) => x.last));
    const two = spans.filter((x) => x.first > oneEnd);
    return { one: one.length, two: two.length, all: ids.length };
  })();
  const servedBy = (k: number) => Math.min(k, waves.one, waves.two);

  test('the waves capture: 3 connections at once, then 3 more after they closed', () => {
    expect(waves).toEqual({ one: 3, two: 3, all: 6 });
  });
  flagTest('pool --pool-size', 'a pool of 1 or 2 idle connections serves 1 or 2 of the second wave; by default (the peak, 3) all 3', async () => {
    const d = async (...o: string[]) => (await json('pool', fixture(WAVES), '--format', 'json', ...o)).destinations[0];
    expect(await d()).toMatchObject({ poolSize: waves.one, handshakesAvoided: servedBy(waves.one) });
    expect(await d('--pool-size', '1')).toMatchObject({ poolSize: 1, handshakesAvoided: servedBy(1) });
    expect(await d('--pool-size', '2')).toMatchObject({ poolSize: 2, handshakesAvoided: servedBy(2) });
  });
  flagTest(`${ANALYZE} --pool-size`, "JSON's pool: a pool of 1 serves 1 of the second wave; the text report names the size", async () => {
    expect((await json(fixture(WAVES), '--format', 'json')).pool.handshakesAvoided).toBe(servedBy(waves.one));
    expect((await json(fixture(WAVES), '--format', 'json', '--pool-size', '1')).pool.handshakesAvoided).toBe(servedBy(1));
    const r = await cli(fixture(SEQ), '--format', 'text', '--pool-size', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Destinations \(pool: idle timeout 60s, size 3\)/m);
    expect((await cli(fixture(SEQ), '--format', 'text')).stdout).toMatch(/^Destinations \(pool: idle timeout 60s, size observed peak\)/m);
  });
});

// ---------------------------------------------------------------------------
// Findings' thresholds: each set to half and to twice a gap measured in tshark's frames.
describe('finding thresholds', () => {
  const analyze = (name: string, ...opts: string[]) => json(fixture(`findings/${name}`), '--format', 'json', ...opts);
  const g = (name: string) => frames(`findings/${name}`);
  const half = (x: number) => (x / 2).toFixed(3);
  const twice = (x: number) => (x * 2).toFixed(3);

  /** The gap, the finding's code, the fixture. */
  function threshold(option: string, name: string, code: string, gapMs: number, framesOf: (fs: Frame[]) => void = () => {}) {
    flagTest(`${ANALYZE} ${option}`, `${code} on ${name}: present at half the gap tshark shows, gone at twice`, async () => {
      framesOf(g(name));
      expect(gapMs).toBeGreaterThan(0);
      expect(hasCode(await analyze(name, option, half(gapMs)), code)).toBe(true);
      expect(hasCode(await analyze(name, option, twice(gapMs)), code)).toBe(false);
    });
  }

  // slow-first-byte: the client's request (its last payload segment) -> the server's first payload after it.
  {
    const name = 'f-slow-first-byte-server-side.pcap';
    const fs = g(name);
    const client = clientOf(fs);
    const resp = fs.find((f) => f.src !== client && f.len > 0)!;
    const req = last(fs.filter((f) => f.src === client && f.len > 0 && f.n < resp.n));
    threshold('--slow-first-byte-ms', name, 'slow-first-byte', ms(req, resp));
  }
  // response-timeout: the client's last request -> its FIN, nothing from the server in between.
  {
    const name = 'e-response-timeout.pcap';
    const fs = g(name);
    const client = clientOf(fs);
    const fin = fs.find((f) => f.src === client && f.flags & FIN)!;
    const req = last(fs.filter((f) => f.src === client && f.len > 0 && f.n < fin.n));
    expect(fs.some((f) => f.src !== client && f.len > 0)).toBe(false);
    threshold('--response-timeout-ms', name, 'response-timeout', ms(req, fin));
  }
  // handshake-failed (stall): the client's ClientHello (its first payload) -> its FIN. A capture of
  // the client's packets only: the server's answers are not in it.
  {
    const name = 'ns-tls13-mtu1500-cert-chain-client-only.pcap';
    const fs = frames(name);
    const client = clientOf(fs);
    const hello = fs.find((f) => f.src === client && f.len > 0)!;
    const fin = fs.find((f) => f.src === client && f.flags & FIN)!;
    expect(fs.every((f) => f.src === client)).toBe(true);
    const gap = ms(hello, fin);
    flagTest(`${ANALYZE} --handshake-stall-ms`, `handshake-failed on ${name}: present at half the ClientHello→FIN gap tshark shows, gone at twice`, async () => {
      const doc = (v: string) => json(fixture(name), '--format', 'json', '--handshake-stall-ms', v);
      expect(hasCode(await doc(half(gap)), 'handshake-failed')).toBe(true);
      expect(hasCode(await doc(twice(gap)), 'handshake-failed')).toBe(false);
    });
  }
  // idle-close: the longest silence between payload segments (either way) before the server's FIN.
  const idleName = 'i-nginx-idle-close-stale-reuse.pcap';
  const idleGap = (() => {
    const fs = g(idleName);
    const client = clientOf(fs);
    const fin = fs.find((f) => f.src !== client && f.flags & FIN)!;
    const marks = [...fs.filter((f) => f.len > 0 && f.n < fin.n), fin];
    return Math.max(...marks.slice(1).map((f, i) => ms(marks[i]!, f)));
  })();
  threshold('--idle-close-ms', idleName, 'idle-close', idleGap);
  // connect-timeout: the last unanswered SYN -> the end of the capture.
  {
    const name = 'd-connect-timeout-firewall.pcap';
    const fs = g(name);
    const s0 = fs.filter((f) => f.stream === 0);
    expect(s0.every((f) => f.flags === SYN)).toBe(true);
    threshold('--connect-timeout-tail-ms', name, 'connect-timeout', ms(last(s0), last(fs)));
  }
  // retry: a refused connection (RST) -> the next SYN to the same server. The gaps double (backoff).
  const retryName = 'g-retry-backoff.pcap';
  const retryGaps = (() => {
    const fs = g(retryName);
    const ids = [...new Set(fs.map((f) => f.stream))];
    return ids.slice(1).map((s, i) => {
      const rst = fs.find((f) => f.stream === ids[i] && f.flags & RST)!;
      const syn = fs.find((f) => f.stream === s && f.flags & SYN)!;
      return { stream: s, gap: ms(rst, syn) };
    });
  })();
  const window = (retryGaps[1]!.gap + retryGaps[2]!.gap) / 2; // between the 2nd and 3rd gap
  const retriesWithin = (w: number) => retryGaps.filter((x) => x.gap < w).map((x) => x.stream);
  flagTest(`${ANALYZE} --retry-window-ms`, `retry on ${retryName}: only the connections started within the window after a refusal (tshark's gaps)`, async () => {
    const retried = (doc: Parameters<typeof codesOf>[0]) => codesOf(doc).flatMap((cs, i) => (cs.includes('retry') ? [i] : []));
    expect(retried(await analyze(retryName))).toEqual(retriesWithin(30_000)); // the default window
    expect(retried(await analyze(retryName, '--retry-window-ms', window.toFixed(3)))).toEqual(retriesWithin(window));
    expect(retriesWithin(window)).toHaveLength(2);
  });

  // slow-handshake (QUIC): the first Initial -> the later of the two Finished, with the key log (tshark's
  // decrypted Handshake packets, test/golden-quic/keys) and frame times (test/golden-quic).
  {
    const name = 'quic-ipv6-one-request';
    const keysGolden = JSON.parse(readFileSync(join(repoRoot, 'test/golden-quic/keys', `${name}.pcap.json`), 'utf8')).connections[0];
    const quicFrames: { frame: number; time: string }[] = JSON.parse(readFileSync(join(repoRoot, 'test/golden-quic', `${name}.pcap.json`), 'utf8')).frames;
    const at = (n: number) => Number(quicFrames.find((f) => f.frame === n)!.time) * 1000;
    const end = Math.max(keysGolden.handshake.client['20'], keysGolden.handshake.server['20']);
    const gap = at(end) - at(keysGolden.firstFrame);
    flagTest(`${ANALYZE} --slow-handshake-ms`, `slow-handshake on ${name}: present at half the Initial→Finished gap tshark shows (with keys), gone at twice`, async () => {
      const doc = (v: string) => json(fixture(`quic/${name}.pcap`), '--format', 'json', '--keylog', join(repoRoot, 'fixtures/quic', `${name}.keys`), '--slow-handshake-ms', v);
      expect(gap).toBeGreaterThan(0);
      expect(hasCode(await doc(half(gap)), 'slow-handshake')).toBe(true);
      expect(hasCode(await doc(twice(gap)), 'slow-handshake')).toBe(false);
    });
  }

  // `pool` shows the findings that bear on pooling: retries and stale reuse after an idle close.
  flagTest('pool --retry-window-ms', 'the note counts only the retries within the window', async () => {
    const note = async (...o: string[]) => /^note: (\d+) connections? (?:was a retry|were retries)/m.exec((await cli('pool', fixture(`findings/${retryName}`), ...o)).stdout)?.[1];
    expect(await note()).toBe(String(retriesWithin(30_000).length));
    expect(await note('--retry-window-ms', window.toFixed(3))).toBe(String(retriesWithin(window).length));
  });
  flagTest('pool --idle-close-ms', "the stale-reuse note names the server's idle timeout only while idle-close is found", async () => {
    const out = async (...o: string[]) => flat((await cli('pool', fixture(`findings/${idleName}`), ...o)).stdout);
    const said = new RegExp(`the server closed idle connections after ${(idleGap / 1000).toFixed(1)}\\d* s`);
    expect(await out('--idle-close-ms', half(idleGap))).toMatch(said);
    expect(await out('--idle-close-ms', twice(idleGap))).toMatch(/note: 1 connection sent data after the peer had closed it/);
    expect(await out('--idle-close-ms', twice(idleGap))).not.toMatch(/the server closed idle connections/);
  });
  // The other thresholds change findings that `pool` does not show (its output is the simulation
  // and the pooling notes): that it reads them shows in its refusing a bad value, as the default command does.
  for (const option of ['--slow-first-byte-ms', '--response-timeout-ms', '--handshake-stall-ms', '--connect-timeout-tail-ms', '--slow-handshake-ms']) {
    flagTest(`pool ${option}`, 'read and checked: a negative value exits 2 naming it (its findings are not part of the pool report)', async () => {
      const r = await cli('pool', fixture('pool-sequential-5conns-1s.pcap'), option, '-1');
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`error: ${option} must be a number of milliseconds >= 0, got -1`);
    });
  }
});

// ---------------------------------------------------------------------------
describe('--keylog on the other commands', () => {
  const K = 'keylog/lo-http1-keepalive-5req-keylog';
  const keys = fixture(`${K}.keys.log`);
  flagTest('pool --keylog', 'requests are counted from the decrypted HTTP, not estimated from data bursts', async () => {
    expect((await json('pool', fixture(`${K}.pcap`), '--format', 'json')).total.rates.requestsEstimated).toBe(true);
    expect((await json('pool', fixture(`${K}.pcap`), '--format', 'json', '--keylog', keys)).total.rates.requestsEstimated).toBe(false);
  });
  flagTest('compare --keylog', 'both captures decrypted: requests counted, not estimated', async () => {
    const c = async (...o: string[]) => JSON.stringify(await json('compare', fixture(`${K}.pcap`), fixture(`${K}.pcap`), '--format', 'json', ...o));
    expect(await c()).toContain('"requestsEstimated":true');
    expect(await c('--keylog', keys)).not.toContain('"requestsEstimated":true');
  });
  test('info takes no --keylog (a key log changes none of its figures): exit 2', async () => {
    const r = await cli('info', fixture(`${K}.pcap`), '--keylog', keys);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: Unknown argument: keylog');
  });
});

// ---------------------------------------------------------------------------
// The exit statuses the README documents (section "Bad input"), each provoked for real.
describe('exit codes', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Bad input'), readme.indexOf('\n## ', readme.indexOf('## Bad input') + 1));
  const documented = [...new Set(section.split('\n').flatMap((l) => /^\|.*\| (\d+) \|$/.exec(l)?.[1] ?? []))].map(Number).sort((a, b) => a - b);
  const tested = new Set<number>();
  const exitTest = (code: number, title: string, fn: () => Promise<void>) => {
    tested.add(code);
    test.concurrent(`exit ${code}: ${title}`, fn);
  };

  test('every exit status in the README has a test, and only those', () => {
    expect(documented.length).toBeGreaterThanOrEqual(4);
    expect([...tested].sort((a, b) => a - b)).toEqual(documented);
  });

  exitTest(0, 'a whole capture read: the report, nothing on stderr', async () => {
    const r = await cli(fixture('pool-sequential-5conns-1s.pcap'), '--format', 'text');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^connections +5 connections/m);
    expect(r.stderr).toBe('');
  });

  exitTest(1, 'a corrupt record: the report of the frames before it, then one error line', async () => {
    const name = 'suricata-tls12-corrupt-last-record.pcap';
    const r = await cli(fixture(name), '--format', 'ndjson');
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(golden(name, 'streams.json').length);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toHaveLength(1);
  });

  exitTest(2, 'input that cannot be read, and a wrong command line', async () => {
    const missing = await cli(join(repoRoot, 'fixtures/no-such-capture.pcap'), '--format', 'json');
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^error: cannot open .*no-such-capture\.pcap: no such file\n$/);
    const wrong = await cli('pool', fixture('pool-sequential-5conns-1s.pcap'), '--format', 'ndjson');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^error: --format must be one of text, json; got "ndjson"\n/);
  });

  exitTest(130, 'Ctrl-C while reading a live source: what was read is written, the open connection marked open', async () => {
    // stdin a pipe (a live source): the first connection whole and the second up to its first FIN,
    // record by record from the pcap file; the pipe stays open, as tcpdump's would.
    const name = 'pool-sequential-5conns-1s.pcap';
    const fs = frames(name);
    const cut = fs.find((f) => f.stream === 1 && f.flags & FIN)!.n; // frames before this one are sent
    const bytes = readFileSync(fixture(name));
    let off = 24;
    for (let n = 1; n < cut; n++) off += 16 + bytes.readUInt32LE(off + 8);
    const child = spawn(process.execPath, [cliPath, '-', '--format', 'ndjson'], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    // A connection closed by FIN/FIN is written within about a second: then the reader has the bytes.
    const firstLine = new Promise<void>((res) =>
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('\n')) res();
      }),
    );
    child.stdin.write(bytes.subarray(0, off));
    await firstLine;
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const conns = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(conns.map((c) => c.id)).toEqual([0, 1]);
    expect(conns[0].state).toBe('complete');
    expect(conns[1].state).toBe('open');
    expect(err).not.toMatch(/^error:/m);
    child.stdin.destroy();
  });
});
