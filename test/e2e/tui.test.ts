/**
 * The real CLI in a pseudo-terminal (python3's pty, via scripts/pty-run.py):
 * the TUI opens because stdout is a TTY, shows the connection table, opens a
 * detail with Enter and quits with q (exit code 0). NO_COLOR removes colour.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tsharkStreams } from '../ui/fixtures.js';
import { tsharkText } from '../helpers/tshark.js';

const root = process.cwd();
const cli = path.join(root, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

interface PtyResult {
  exit: number | null;
  ok: boolean;
  failed_step: number | null;
  output: string;
}

function ptyRun(args: string[], steps: object[], env: NodeJS.ProcessEnv, transcript: string): PtyResult {
  const r = spawnSync(
    'python3',
    [path.join(root, 'scripts/pty-run.py'), '--cols', '100', '--rows', '40', '--steps', JSON.stringify(steps), '--transcript', transcript, '--', 'node', cli, ...args],
    { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
  );
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PtyResult;
}

beforeAll(() => {
  if (!existsSync(cli) || statSync(cli).mtimeMs < newestMtime(path.join(root, 'src'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore', timeout: 180_000 });
  }
}, 200_000);

const env = (extra: Record<string, string | undefined>): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...extra };
  delete e.NODE_OPTIONS; // jest's --experimental-vm-modules is not for the CLI
  delete e.CI; // some libraries turn colour off under CI
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete e[k];
  return e;
};

// SGR sequences that set a foreground/background colour.
// eslint-disable-next-line no-control-regex
const COLOUR = /\x1b\[(?:[0-9;]*;)?(?:3[0-79]|4[0-79]|9[0-7]|10[0-7]|38;5;\d+|38;2;[\d;]+)m/;

describe('handshake-lens <capture> in a terminal', () => {
  const steps = [
    { wait: 'sort: setup', timeout: 20 },
    { send: '\r' },
    { wait: 'Connection #0', timeout: 10 },
    { send: '\u001b' },
    { wait: 'sort: setup', timeout: 10 },
    { send: 'q' },
  ];

  test('opens the table, Enter shows the detail, q exits 0', () => {
    const transcript = path.join(tmpdir(), `hl-tui-${process.pid}.bin`);
    const r = ptyRun(['fixtures/zeek-tls12-basic.pcap'], steps, env({ NO_COLOR: undefined, FORCE_COLOR: undefined }), transcript);
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(0);
    expect(r.output).toContain('68.233.76.12:443');
    expect(r.output).toContain('TCP handshake');
    expect(r.output).toMatch(/server → client\s+SYN-ACK\s+2\s+0/);
    const raw = readFileSync(transcript, 'latin1');
    // alternate screen entered and left, colour used
    expect(raw).toContain('\x1b[?1049h');
    // A plain first frame, written before Ink is imported, comes before the first frame Ink draws.
    const plain = raw.indexOf('reading zeek-tls12-basic.pcap…'.replace('…', '\u00e2\u0080\u00a6'));
    expect(plain).toBeGreaterThan(raw.indexOf('\x1b[?1049h'));
    expect(plain).toBeLessThan(raw.indexOf('68.233.76.12:443'));
    expect(raw).toContain('\x1b[?1049l');
    expect(COLOUR.test(raw)).toBe(true);
  });

  test('NO_COLOR: same screens without colour codes', () => {
    const transcript = path.join(tmpdir(), `hl-tui-nocolor-${process.pid}.bin`);
    const r = ptyRun(['fixtures/arkime-curl-tls13.pcap'], steps, env({ NO_COLOR: '1', FORCE_COLOR: undefined }), transcript);
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(0);
    expect(r.output).toContain('enabled.tls13.com');
    expect(COLOUR.test(readFileSync(transcript, 'latin1'))).toBe(false);
  });

  test('findings: failed handshakes in red, the findings tab, Enter filters the connections by code', () => {
    // fixtures/findings/j-tls-handshake-alerts.pcap: two handshakes end with alerts (tshark:
    // unknown_ca from the client, protocol_version from the server; fixtures/findings/expected.json).
    const transcript = path.join(tmpdir(), `hl-tui-findings-${process.pid}.bin`);
    const r = ptyRun(
      ['fixtures/findings/j-tls-handshake-alerts.pcap'],
      [
        { wait: 'sort: setup', timeout: 20 },
        { send: '\t\t\t' },
        { wait: 'finding code', timeout: 10 },
        { send: '\r' },
        { wait: 'filter: finding:handshake-failed', timeout: 10 },
        { send: 'q' },
      ],
      env({ NO_COLOR: undefined, FORCE_COLOR: undefined }),
      transcript,
    );
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(0);
    expect(r.output).toContain('failed (unknown_ca)');
    expect(r.output).toContain('2 handshakes failed: protocol_version ×1, unknown_ca ×1');
    expect(r.output).toMatch(/handshake-failed\s+error\s+2/);
    // error rows are red (SGR 31)
    expect(readFileSync(transcript, 'latin1')).toMatch(/\x1b\[31m[^\x1b]*failed \(/);
  });

  test('a file that is not a capture: the error line, q exits non-zero', () => {
    const transcript = path.join(tmpdir(), `hl-tui-err-${process.pid}.bin`);
    const r = ptyRun(['fixtures/README.md'], [{ wait: 'error: ', timeout: 20 }, { send: 'q' }], env({}), transcript);
    expect(r.failed_step).toBeNull();
    expect(r.exit).not.toBe(0);
    expect(r.exit).not.toBeNull();
  });
});

describe('issue 14: every connection in the table at any --memory, the detail read back from a temporary file', () => {
  test('--memory 64 (the least): the table lists all of tshark\'s TCP streams; Enter on the last row shows its record; the file is gone after q', () => {
    const file = 'fixtures/pool-rate-200req-conn-per-request.pcap';
    const streams = tsharkStreams(path.join(root, file)).length;
    expect(streams).toBe(200);
    const tmp = mkdtempSync(path.join(tmpdir(), 'hl-tui-rows-'));
    try {
      const transcript = path.join(tmp, 'transcript.bin');
      // The table's ids in setup order: the last row is the cheapest setup; its id and Wireshark filter show in the detail.
      const r = ptyRun(['--memory', '64', file], [
        { wait: `${streams} of ${streams} connections`, timeout: 20 },
        { send: 'G' },
        { send: '\r' },
        { wait: 'arrows scroll', timeout: 10 },
        { send: 'q' },
      ], env({ NO_COLOR: '1', TMPDIR: tmp }), transcript);
      expect(r.failed_step).toBeNull();
      expect(r.exit).toBe(0);
      const id = /connection #(\d+) {2}\(Esc back/.exec(r.output)?.[1];
      expect(id).toBeDefined();
      // The ladder's SYN is a frame of that tcp.stream in tshark's dissection.
      const syn = new RegExp(`Connection #${id} [^\\n]*\\n[^\\n]*frame[^\\n]*\\n\\s+0\\.000 client → server SYN\\s+(\\d+)`).exec(r.output.replace(/\r/g, ''))?.[1];
      expect(syn).toBeDefined();
      const stream = tsharkText(['-r', path.join(root, file), '-Y', `frame.number == ${syn}`, '-T', 'fields', '-e', 'tcp.stream']).trim();
      expect(stream).toBe(id);
      // The spill file (handshake-lens-*) was made in TMPDIR and removed on quitting.
      expect(readdirSync(tmp).filter((n) => n.startsWith('handshake-lens-'))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('capture on standard input, keys from the terminal', () => {
  test('cat capture | handshake-lens -: the TUI reads keys from /dev/tty, q exits 0', () => {
    const transcript = path.join(tmpdir(), `hl-tui-stdin-${process.pid}.bin`);
    const steps = [{ wait: 'sort: setup', timeout: 20 }, { send: '\r' }, { wait: 'Connection #0', timeout: 10 }, { send: 'q' }];
    const r = spawnSync(
      'python3',
      [
        path.join(root, 'scripts/pty-run.py'), '--cols', '100', '--rows', '40', '--steps', JSON.stringify(steps), '--transcript', transcript,
        '--', 'sh', '-c', `cat fixtures/zeek-tls12-basic.pcap | node ${cli} -`,
      ],
      { cwd: root, env: env({ NO_COLOR: '1' }), encoding: 'utf8', timeout: 60_000 },
    );
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as PtyResult;
    expect(res.failed_step).toBeNull();
    expect(res.exit).toBe(0);
    expect(res.output).toContain('stdin');
    expect(res.output).toContain('68.233.76.12:443');
    expect(res.output).not.toContain('Raw mode is not supported');
  });
});

describe('live: a capture arriving slowly on a pipe (replayed at its recorded pace)', () => {
  // fixtures/pool-sequential-5conns-1s.pcap: 5 connections one second apart
  // (tshark: tcp.stream 0..4, all to 127.0.0.1:443, SNI hl.test). --hold keeps the pipe
  // open after the last record, so anything on screen was shown before EOF.
  const replay = (extra: string) =>
    `exec node ${cli} - < <(exec node scripts/replay-pcap.mjs --hold --watch-pid $$ ${extra} fixtures/pool-sequential-5conns-1s.pcap 2>/dev/null)`;
  const run = (steps: object[], transcript: string): PtyResult => {
    const r = spawnSync(
      'python3',
      [
        path.join(root, 'scripts/pty-run.py'), '--cols', '120', '--rows', '30', '--steps', JSON.stringify(steps), '--transcript', transcript,
        '--', 'bash', '-c', replay(''),
      ],
      { cwd: root, env: env({ NO_COLOR: '1' }), encoding: 'utf8', timeout: 60_000 },
    );
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as PtyResult;
  };

  test('rows appear while reading; q stops and shows the report of everything read; q quits with 130', () => {
    const transcript = path.join(tmpdir(), `hl-tui-live-${process.pid}.bin`);
    const steps = [
      { wait: 'live · reading', timeout: 20 },
      // finished connections in the table while the pipe is open (--hold: it never closes, so
      // whatever is shown was shown before EOF); two or more, as a late start may skip '2 of 2'
      { waitRe: '\\b([2-9]) of \\1 connections', timeout: 20 },
      { send: 'q' },
      { wait: 'stopped after', timeout: 10 },
      { send: 'q' },
    ];
    const r = run(steps, transcript);
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(130);
    expect(r.output).toContain('127.0.0.1:443');
    expect(r.output).toContain('hl.test');
    // after the stop: the finished report, connections closed by FIN/FIN complete
    const after = r.output.slice(r.output.lastIndexOf('stopped after'));
    expect(after).toMatch(/connections: \d+ complete/);
    expect(after).toMatch(/ complete\s*\n/);
  });
});

describe('warnings are never hidden in the terminal UI', () => {
  test('a corrupt record: shown under the summary, printed after quitting, exit 1 as in text mode', () => {
    const file = 'fixtures/suricata-tls12-corrupt-last-record.pcap';
    const text = spawnSync('node', [cli, '--format', 'text', file], { cwd: root, env: env({}), encoding: 'utf8' });
    expect(text.status).toBe(1);
    const errLine = text.stderr.split('\n').find((l) => l.startsWith('error: '))!;
    expect(errLine).toContain('corrupt record');
    const transcript = path.join(tmpdir(), `hl-tui-corrupt-${process.pid}.bin`);
    const r = ptyRun([file], [{ wait: 'sort: setup', timeout: 20 }, { wait: 'corrupt record', timeout: 5 }, { send: 'q' }], env({ NO_COLOR: '1' }), transcript);
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(text.status);
    // after the UI closed (alternate screen left): the same error line as the text mode
    const raw = readFileSync(transcript, 'utf8');
    expect(raw.slice(raw.lastIndexOf('\x1b[?1049l'))).toContain(errLine);
  });

  test('a file cut short: the warning in the summary and on stderr after quitting, exit 0 as in text mode', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-cut-'));
    const file = path.join(dir, 'cut.pcap');
    // zeek-tls12-basic.pcap cut inside frame 6 (capinfos: frames of 1430 bytes from byte 2128)
    writeFileSync(file, readFileSync(path.join(root, 'fixtures/zeek-tls12-basic.pcap')).subarray(0, 3000));
    try {
      const text = spawnSync('node', [cli, '--format', 'text', file], { cwd: root, env: env({}), encoding: 'utf8' });
      expect(text.status).toBe(0);
      expect(text.stderr).toMatch(/warning: .*cut short/);
      const transcript = path.join(dir, 'cut.bin');
      const r = ptyRun([file], [{ wait: 'sort: setup', timeout: 20 }, { wait: 'cut short', timeout: 5 }, { send: 'q' }], env({ NO_COLOR: '1' }), transcript);
      expect(r.failed_step).toBeNull();
      expect(r.exit).toBe(0);
      const raw = readFileSync(transcript, 'utf8');
      expect(raw.slice(raw.lastIndexOf('\x1b[?1049l'))).toMatch(/warning: .*cut short/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file that cannot be opened: the error in the UI, the same line on stderr after quitting, exit 2 as in text mode', () => {
    const missing = path.join(tmpdir(), `hl-missing-${process.pid}.pcap`);
    const text = spawnSync('node', [cli, '--format', 'text', missing], { cwd: root, env: env({}), encoding: 'utf8' });
    expect(text.status).toBe(2);
    const errLine = text.stderr.trimEnd();
    expect(errLine).toMatch(/^error: cannot open .*: no such file$/);
    const transcript = path.join(tmpdir(), `hl-tui-missing-${process.pid}.bin`);
    const r = ptyRun([missing], [{ wait: 'no such file', timeout: 20 }, { send: 'q' }], env({ NO_COLOR: '1' }), transcript);
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(2);
    const raw = readFileSync(transcript, 'utf8');
    expect(raw.slice(raw.lastIndexOf('\x1b[?1049l'))).toContain(errLine);
  });
});

describe('issue 10: small terminals, key bursts, the legend (80×24 and 100×32)', () => {
  const sized = (cols: number, rows: number, args: string[], steps: object[], name: string): PtyResult => {
    const transcript = path.join(tmpdir(), `hl-tui-${name}-${cols}x${rows}-${process.pid}.bin`);
    const r = spawnSync(
      'python3',
      [
        path.join(root, 'scripts/pty-run.py'), '--cols', String(cols), '--rows', String(rows), '--steps', JSON.stringify(steps),
        '--transcript', transcript, '--', 'node', cli, ...args,
      ],
      { cwd: root, env: env({ NO_COLOR: '1' }), encoding: 'utf8', timeout: 60_000 },
    );
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as PtyResult;
  };
  /** The last screen drawn: from the last title bar on (ink redraws the whole frame). */
  const lastScreen = (out: string) => out.slice(out.lastIndexOf('handshake-lens  connections'));

  test.each([
    [80, 24],
    [100, 32],
  ])('%i×%i: the ladder and its ClientHello line are on the first screen of the detail view', (cols, rows) => {
    // A 3 s SYN retry before the TLS handshake: the longest ladder of the demo connections.
    const r = sized(cols, rows, ['fixtures/lo-tcp-syn-retransmit-then-tls13.pcap'], [
      { wait: 'sort: setup', timeout: 20 },
      { send: '\r' },
      // the ClientHello row itself, drawn whole (not a fixed pause)
      { waitRe: 'client → server\\s+ClientHello SNI hl\\.test\\s+7\\s+254', timeout: 10 },
      { send: 'q' },
    ], 'ladder');
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(0);
    const screen = lastScreen(r.output);
    expect(screen).toMatch(/client → server\s+ClientHello SNI hl\.test\s+7\s+254/); // frame 7, 254 bytes: tshark's tls.handshake of frame 7
    // The whole frame fits the terminal, no line longer than it.
    const lines = screen.replace(/\r/g, '').trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(rows);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(cols);
  });

  test.each([
    [80, 24],
    [100, 32],
  ])('%i×%i: keys in one burst are each handled (jjj moves three rows, Tab Tab two views); ? shows the legend', (cols, rows) => {
    // 5 connections (tshark tcp.stream 0..4); S sorts by connection id, so row 3 is #3.
    const r = sized(cols, rows, ['fixtures/pool-rate-5req-conn-per-request.pcap'], [
      { wait: 'sort: setup', timeout: 20 },
      { send: 'S' },
      { wait: 'sort: connection id', timeout: 10 },
      { send: 'jjj\r' },
      { wait: 'Connection #3 ', timeout: 10 },
      { send: '\u001b' },
      { wait: 'sort: connection id', timeout: 10 },
      { send: '\t\t' },
      { wait: 'Enter: the full verdict', timeout: 10 },
      { send: '?' },
      { wait: 'Columns of the pool view', timeout: 10 },
      { waitRe: 'saved %\\s+saved time as a share of connection time', timeout: 10 },
      { send: 'q' },
    ], 'burst');
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(0);
    expect(lastScreen(r.output)).toMatch(/saved %\s+saved time as a share of connection time/);
  });
});

/** dist/app/manifest.json (scripts/postbuild.mjs): the packages and dist modules in each chunk of the bundled CLI. */
function chunkOf(pkg: string): string {
  const manifest = JSON.parse(readFileSync(path.join(root, 'dist/app/manifest.json'), 'utf8')) as Record<string, { packages: string[]; modules: string[] }>;
  const chunks = Object.entries(manifest).filter(([, c]) => c.packages.includes(pkg)).map(([name]) => name);
  expect(chunks).toHaveLength(1);
  return chunks[0]!;
}

/** Runs the UI on a capture with a module hook that logs every URL resolved, in order; returns them. */
function resolvedUrls(extra: Record<string, string>, preloadExtra = ''): { urls: string[]; log: string; r: PtyResult } {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-bundle-'));
  try {
    const log = path.join(dir, 'resolved.log');
    const hooks = path.join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';\n` +
        `export async function resolve(spec, ctx, next) {\n` +
        `  const r = await next(spec, ctx);\n` +
        `  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n` +
        `  return r;\n}\n`,
    );
    const preload = path.join(dir, 'preload.mjs');
    writeFileSync(
      preload,
      `import { register } from 'node:module';\nimport { appendFileSync } from 'node:fs';\nimport { pathToFileURL } from 'node:url';\n` +
        `register(pathToFileURL(${JSON.stringify(hooks)}));\n` +
        preloadExtra.replaceAll('LOG', JSON.stringify(log)),
    );
    const e = env({ NO_COLOR: '1', ...extra });
    e.NODE_OPTIONS = `--import=${preload}`;
    const r = ptyRun(['fixtures/zeek-tls12-basic.pcap'], [{ wait: 'sort: setup', timeout: 20 }, { send: 'q' }], e, path.join(dir, 't.bin'));
    const text = readFileSync(log, 'utf8');
    return { urls: text.split('\n').filter(Boolean), log: text, r };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the built CLI is one bundle', () => {
  test('Ink, React and yargs come from the bundle\'s chunks, not from node_modules; no tsc module beside its bundled copy', () => {
    // scripts/postbuild.mjs bundles the CLI: importing Ink and React as installed cost ~0.9 s of CPU on Node 20.
    const { urls, r } = resolvedUrls({});
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(0);
    expect(urls.filter((u) => /\/node_modules\//.test(u))).toEqual([]);
    expect(urls.some((u) => u.endsWith(`/dist/app/${chunkOf('ink')}`))).toBe(true);
    expect(chunkOf('ink')).toBe(chunkOf('react-reconciler'));
    // Only the launcher and the bundle's own files: no tsc output module beside its bundled copy.
    const ours = urls.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6));
    expect(ours.filter((u) => !u.startsWith('app/') && u !== 'cli.js')).toEqual([]);
  });
});

describe('Ink\'s DEV=true switch still works with the bundled UI', () => {
  test('DEV=true: Ink says react-devtools-core is missing, the UI runs, exit 0', () => {
    // With DEV=true Ink imports its devtools module and reads its package.json relative to
    // itself; the bundle (scripts/postbuild.mjs) sends both to the installed Ink.
    const transcript = path.join(tmpdir(), `hl-tui-dev-${process.pid}.bin`);
    try {
      const r = ptyRun(['fixtures/zeek-tls12-basic.pcap'], [{ wait: 'sort: setup', timeout: 20 }, { send: 'q' }], env({ NO_COLOR: '1', DEV: 'true' }), transcript);
      expect(r.failed_step).toBeNull();
      expect(r.exit).toBe(0);
      expect(r.output).toContain('react-devtools-core');
      expect(r.output).toContain('68.233.76.12:443');
    } finally {
      rmSync(transcript, { force: true });
    }
  });
});

describe('the destinations the terminal UI lists follow --memory', () => {
  test('a scan of 1,300 addresses at --memory 64: 1,250 listed (20,000 × 64/1024), all counted', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-tui-scan-'));
    const scan = path.join(dir, 'scan.pcap');
    const transcript = path.join(dir, 'transcript');
    try {
      // One SYN to each of 1,300 addresses (generated on purpose: a scan).
      execFileSync(process.execPath, ['scripts/gen-adversarial.mjs', 'syn-scan', scan, '0.0013'], { cwd: root, stdio: 'pipe' });
      const r = ptyRun(
        [scan, '--memory', '64'],
        [{ wait: 'sort: setup', timeout: 20 }, { send: '\t' }, { wait: '1,250 of 1,300 destinations listed', timeout: 10 }, { send: 'q' }],
        env({ NO_COLOR: '1' }),
        transcript,
      );
      expect(r.failed_step).toBeNull();
      expect(r.exit).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the first screen comes before the argument parser is loaded', () => {
  test('handshake-lens FILE on a terminal: the plain first frame is written before yargs is loaded', () => {
    // A preload logs, in order, the first write of the plain frame to stdout and every module resolved
    // (a module hook: node:module register); yargs is in its own chunk of the bundle (dist/app/manifest.json).
    // yargs alone took ~0.15 s of CPU to import before the CLI was bundled.
    const frameLogger =
      `const write = process.stdout.write.bind(process.stdout);\nlet seen = false;\n` +
      `process.stdout.write = (chunk, ...rest) => {\n` +
      `  if (!seen && String(chunk).includes('reading zeek-tls12-basic.pcap')) { seen = true; appendFileSync(LOG, 'frame\\n'); }\n` +
      `  return write(chunk, ...rest);\n};\n`;
    const { urls, r } = resolvedUrls({}, frameLogger);
    expect(r.failed_step).toBeNull();
    expect(r.exit).toBe(0);
    const yargsChunk = urls.findIndex((u) => u.endsWith(`/dist/app/${chunkOf('yargs')}`));
    expect(yargsChunk).toBeGreaterThan(0);
    expect(urls.indexOf('frame')).toBeGreaterThanOrEqual(0);
    expect(urls.indexOf('frame')).toBeLessThan(yargsChunk);
  });
});
