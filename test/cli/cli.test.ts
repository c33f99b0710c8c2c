/**
 * The CLI as a user meets it: exit codes, one-line errors, JSON/NDJSON for
 * scripts, stdin and gzip input. Expected counts come from the tshark goldens.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { ensureBuilt, fixture, repoRoot, runCli } from '../helpers/cli.js';

let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'hl-cli-'));
  chmodSync(tmp, 0o755); // the permission test runs the CLI as another user
});

function golden(name: string, file: string) {
  return JSON.parse(readFileSync(join(repoRoot, 'test/golden', name, file), 'utf8'));
}

/** One line on stderr, starting with error:, and nothing that looks like a stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp) {
  const lines = stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines;
}

describe('input that cannot be read', () => {
  test('a text file: one line naming its first bytes, exit 2', () => {
    const p = join(tmp, 'notes.txt');
    writeFileSync(p, '# hello, these are notes\n');
    const r = runCli([p, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = expectOneLineError(r.stderr, /^error: .*notes\.txt is not a pcap or pcapng file \(starts with 23 20 68 65\)$/);
    expect(lines).toHaveLength(1);
  });

  test('an empty file, exit 2', () => {
    const p = join(tmp, 'empty.pcap');
    writeFileSync(p, '');
    const r = runCli([p, '--format', 'json']);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /^error: .*empty\.pcap is empty$/);
  });

  test('a missing file, exit 2', () => {
    const r = runCli([join(tmp, 'nope.pcap'), '--format', 'text']);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /^error: cannot open .*nope\.pcap: /);
  });

  // root reads anything: as root, run the CLI as nobody so the check is real. That needs the
  // checkout to be readable by nobody (a clone under a 0700 home would not be): then it is skipped.
  const asRoot = process.getuid?.() === 0;
  const nobodyCanRun =
    !asRoot ||
    spawnSync(process.execPath, ['-e', `require("fs").accessSync(${JSON.stringify(join(repoRoot, "package.json"))}, 4)`], { uid: 65534, gid: 65534 }).status === 0;
  (nobodyCanRun ? test : test.skip)('a file without read permission: one line, exit 2', () => {
    const dir = join(tmp, 'locked');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    const p = join(dir, 'secret.pcap');
    copyFileSync(fixture('zeek-tls12-basic.pcap'), p);
    chmodSync(p, 0o000);
    const r = runCli([p, '--format', 'json'], asRoot ? { uid: 65534, gid: 65534 } : {});
    expect(r.code).toBe(2);
    const lines = expectOneLineError(r.stderr, /^error: cannot open .*secret\.pcap: permission denied$/);
    expect(lines).toHaveLength(1);
  });

  test('a directory, exit 2', () => {
    const d = join(tmp, 'adir');
    mkdirSync(d, { recursive: true });
    const r = runCli([d, '--format', 'json']);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /^error: cannot open .*adir/);
  });

  test('an unknown option: one line and a hint, exit 2', () => {
    const r = runCli([fixture('zeek-tls12-basic.pcap'), '--no-such-option']);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, /^error: Unknown argument/);
  });
});

describe('damaged captures report what is readable', () => {
  test('a file cut mid-record: everything before the cut, a warning, exit 0', () => {
    const src = readFileSync(fixture('zeek-tls12-basic.pcap'));
    // Walk the records to find where frame 15 starts, and cut 10 bytes into it.
    let off = 24;
    for (let i = 1; i < 15; i++) off += 16 + src.readUInt32LE(off + 8);
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, src.subarray(0, off + 10));
    const r = runCli([cut, '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.capture.frames).toBe(14);
    expect(doc.connections).toHaveLength(1);
    expect(doc.connections[0].lastFrame).toBe(14);
    expect(r.stderr).toMatch(/^warning: .*14.*\b/m);
    expect(r.stderr).toContain(String(off));
    expect(r.stderr).not.toMatch(/^error:/m);
  });

  test('a corrupt record length: the frames before it as tshark reads them, then one error line, exit 1', () => {
    const name = 'suricata-tls12-corrupt-last-record.pcap';
    const g = golden(name, 'capinfos.json');
    const streams = golden(name, 'streams.json');
    const r = runCli([fixture(name), '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.capture.frames).toBe(g.frames);
    expect(doc.connections).toHaveLength(streams.length);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/frame 7/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('output for scripts', () => {
  test('--format json: the documented names, frames as capinfos counts them', () => {
    const name = 'zeek-tls12-basic.pcap';
    const r = runCli([fixture(name), '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc.capture)).toEqual(expect.arrayContaining(['file', 'format', 'frames', 'start', 'end', 'warnings']));
    expect(doc.capture.frames).toBe(golden(name, 'capinfos.json').frames);
    const c = doc.connections[0];
    for (const k of ['id', 'client', 'server', 'midstream', 'state', 'firstFrame', 'lastFrame', 'start', 'end', 'events', 'tcp', 'tls', 'setup', 'teardown']) {
      expect(c).toHaveProperty(k);
    }
    for (const k of ['synRetransmits', 'synAckRetransmits', 'handshakeMs', 'initialRttMs']) expect(c.tcp).toHaveProperty(k);
    for (const k of ['version', 'versionCode', 'cipherSuite', 'cipherName', 'sni', 'alpnOffered', 'alpn', 'resumed', 'helloRetry', 'alerts', 'certificateBytes', 'handshakeMs', 'firstApplicationDataRecord']) {
      expect(c.tls).toHaveProperty(k);
    }
    for (const k of ['ms', 'roundTrips', 'bytes']) expect(c.setup).toHaveProperty(k);
    for (const k of ['initiator', 'ms']) expect(c.teardown).toHaveProperty(k);
    for (const e of c.events) expect(Object.keys(e)).toEqual(expect.arrayContaining(['type', 'from', 'frame', 'firstFrame', 'time']));
    expect(doc).toHaveProperty('summary');
  });

  test('--format ndjson: one connection per line, every tcp.stream once', () => {
    const name = 'suricata-ipv6-tls13.pcap';
    const streams = golden(name, 'streams.json');
    const r = runCli([fixture(name), '--format', 'ndjson']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(streams.length);
    const ids = lines.map((l) => JSON.parse(l).id).sort((a: number, b: number) => a - b);
    expect(ids).toEqual(streams.map((s: { stream: number }) => s.stream));
  });

  test('stdin and a gzip-compressed copy give the same connections as the file', () => {
    const name = 'arkime-curl-tls13.pcap';
    const bytes = readFileSync(fixture(name));
    const fromFile = JSON.parse(runCli([fixture(name), '--format', 'json']).stdout);
    const fromStdin = runCli(['-', '--format', 'json'], { input: bytes });
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout).connections).toEqual(fromFile.connections);
    const gz = join(tmp, `${name}.gz`);
    writeFileSync(gz, gzipSync(bytes));
    const fromGz = runCli([gz, '--format', 'json']);
    expect(fromGz.code).toBe(0);
    expect(JSON.parse(fromGz.stdout).connections).toEqual(fromFile.connections);
  });

  test('the file name does not decide the format', () => {
    const p = join(tmp, 'misnamed.txt');
    copyFileSync(fixture('ndpi-pcapng-nsres-tls12.pcapng'), p);
    const r = runCli(['info', p, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).format).toBe('pcapng');
  });
});

describe('findings on the command line', () => {
  // fixtures/findings/j-tls-handshake-alerts.pcap: tshark shows unknown_ca (client, frame 8) and
  // protocol_version (server) alerts ending the two handshakes (fixtures/findings/expected.json).
  const j = fixture('findings/j-tls-handshake-alerts.pcap');
  test('json and ndjson carry the findings; the text report says the handshakes failed', () => {
    const doc = JSON.parse(runCli([j, '--format', 'json']).stdout);
    expect(doc.connections.map((c: { findings: { code: string }[] }) => c.findings.map((f) => f.code))).toEqual([['handshake-failed'], ['handshake-failed']]);
    expect(doc.connections[0].findings[0]).toMatchObject({ severity: 'error', frame: 8, detail: 'alert unknown_ca from the client' });
    expect(doc.capture.vantage).toMatchObject({ handshakes: 2 });
    const lines = runCli([j, '--format', 'ndjson']).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.every((c) => c.findings.length === 1 && c.oneSided === null)).toBe(true);
    const text = runCli([j, '--format', 'text']).stdout;
    expect(text).toMatch(/^findings\s+2 handshakes failed: protocol_version ×1, unknown_ca ×1$/m);
    expect(text).toContain('failed (unknown_ca)');
  });

  test('thresholds are options: --slow-first-byte-ms 600 drops a 519 ms first byte; a bad value exits 2', () => {
    const f = fixture('findings/f-slow-first-byte-server-side.pcap');
    const codes = (args: string[]) => JSON.parse(runCli([f, '--format', 'json', ...args]).stdout).connections[0].findings.map((x: { code: string }) => x.code);
    expect(codes([])).toContain('slow-first-byte');
    expect(codes(['--slow-first-byte-ms', '600'])).not.toContain('slow-first-byte');
    const bad = runCli([f, '--format', 'json', '--slow-first-byte-ms', '-5']);
    expect(bad.code).toBe(2);
    expectOneLineError(bad.stderr, /^error: --slow-first-byte-ms must be a number of milliseconds >= 0/);
  });
});

describe('info', () => {
  // The multi-section file is two captures concatenated: not in time order, so first/last are the earliest/latest.
  test.each(['zeek-tls12-basic.pcap', 'pcapplusplus-http-bigendian-nanosec.pcap', 'ndpi-pcapng-3if-anydesk-tls.pcapng', 'multi-section-2shb-3if.pcapng'])(
    '%s: frames and first/last timestamps as capinfos',
    (name) => {
      const g = golden(name, 'capinfos.json');
      const r = runCli(['info', fixture(name), '--json']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.frames).toBe(g.frames);
      expect(j.first).toBeCloseTo(Number(g.first), 6);
      expect(j.last).toBeCloseTo(Number(g.last), 6);
      expect(j.tcpConnections).toBe(golden(name, 'streams.json').length);
    },
  );

  test('a concatenated pcapng: its sections and interfaces are counted', () => {
    const r = runCli(['info', fixture('multi-section-2shb-3if.pcapng'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.sections).toBe(2);
    expect(j.interfaces).toHaveLength(3);
    expect(j.durationSec).toBeGreaterThan(0);
  });

  test('text form names format, link type and resolution', () => {
    const r = runCli(['info', fixture('pcapplusplus-http-bigendian-nanosec.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Format:\s+pcap 2\.4, big-endian/);
    expect(r.stdout).toMatch(/Timestamp resolution:\s+ns/);
    expect(r.stdout).toMatch(/Link types:\s+Ethernet/);
  });
});

describe('text report when stdout is not a terminal', () => {
  test('piped output is the plain text report, with the SNI', () => {
    const r = runCli([fixture('arkime-curl-tls13.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('enabled.tls13.com');
    expect(r.stdout).not.toContain('\x1b[');
  });
});

describe('protobuf export', () => {
  test('capture -> .hlpb -> reopened without the capture -> the same JSON', () => {
    const name = 'suricata-ipv6-tls13.pcap';
    const direct = runCli([fixture(name), '--format', 'json']);
    expect(direct.code).toBe(0);
    const pb = runCli([fixture(name), '--format', 'protobuf']);
    expect(pb.code).toBe(0);
    expect(pb.stdoutBytes.subarray(0, 4).toString('latin1')).toBe('HLPB');
    const saved = join(tmp, 'analysis.hlpb');
    writeFileSync(saved, pb.stdoutBytes);
    const reopened = runCli([saved, '--format', 'json']);
    expect(reopened.code).toBe(0);
    const a = JSON.parse(direct.stdout);
    const b = JSON.parse(reopened.stdout);
    expect(b.connections).toEqual(a.connections);
    expect(b.summary).toEqual(a.summary);
    expect(b.capture.frames).toBe(a.capture.frames);
    // and the saved analysis feeds pool and compare like a capture
    const cmp = runCli(['compare', fixture(name), saved, '--format', 'json']);
    expect(cmp.code).toBe(0);
    const c = JSON.parse(cmp.stdout);
    expect(c.total.connections.before).toBe(a.connections.length);
    expect(c.total.connections.after).toBe(a.connections.length);
    expect(c.total.connections.diff).toBe(0);
  });
});

describe('a capture taken with a small snaplen', () => {
  test('is reported once, as such, with the count of cut frames', () => {
    // zeek-tls12-basic.pcap rewritten as `tcpdump -s 96` would have written it.
    const src = readFileSync(fixture('zeek-tls12-basic.pcap'));
    const parts: Buffer[] = [Buffer.from(src.subarray(0, 24))];
    parts[0]!.writeUInt32LE(96, 16); // snaplen in the file header
    for (let off = 24; off + 16 <= src.length; ) {
      const cap = src.readUInt32LE(off + 8);
      const keep = Math.min(cap, 96);
      const hdr = Buffer.from(src.subarray(off, off + 16));
      hdr.writeUInt32LE(keep, 8);
      parts.push(hdr, src.subarray(off + 16, off + 16 + keep));
      off += 16 + cap;
    }
    const p = join(tmp, 'snap96.pcap');
    writeFileSync(p, Buffer.concat(parts));
    // tshark's frame lengths: the frames longer than 96 bytes on the wire are the cut ones.
    const lines = readFileSync(join(repoRoot, 'test/golden/zeek-tls12-basic.pcap/frames.tsv'), 'utf8').trim().split('\n');
    const lenCol = lines[0]!.split('\t').indexOf('frame.len');
    const cut = lines.slice(1).filter((l) => Number(l.split('\t')[lenCol]) > 96).length;
    expect(cut).toBeGreaterThan(0);

    const r = runCli(['info', p, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.snaplenCut).toBe(cut);
    expect(j.warnings).toEqual([expect.stringMatching(new RegExp(`^${cut} frames were cut short by the capture's snaplen \\(at most 96 bytes kept\\)`))]);
    expect(Object.keys(j.decodeProblems).filter((k) => k.endsWith('truncated'))).toEqual([]);
  });
});

test('--version prints the package version', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const r = runCli(['--version']);
  expect(r.code).toBe(0);
  expect(r.stdout.trim()).toBe(pkg.version);
});

describe('numbers on the command line that make no sense', () => {
  // yargs takes them as numbers ('abc' as NaN): we refuse them as a wrong command line.
  test.each([
    [['pool', 'lo-tls13-full.pcap', '--pool-idle', '-1'], /^error: --pool-idle must be a number of seconds >= 0, got -1$/],
    [['pool', 'lo-tls13-full.pcap', '--pool-size', '0'], /^error: --pool-size must be a whole number >= 1, got 0$/],
    [['pool', 'lo-tls13-full.pcap', '--min-saved-share', '150'], /^error: --min-saved-share must be a percentage from 0 to 100, got 150$/],
    [['lo-tls13-full.pcap', '--format', 'text', '--top', 'abc'], /^error: --top must be a whole number >= 0, got something that is not a number$/],
    [['lo-tls13-full.pcap', '--format', 'text', '--top', '-5'], /^error: --top must be a whole number >= 0, got -5$/],
    [['lo-tls13-full.pcap', '--format', 'json', '--pool-size', '2.5'], /^error: --pool-size must be a whole number >= 1, got 2\.5$/],
  ])('%j: exit 2, one error line, no output', (args, message) => {
    const r = runCli(args.map((a) => (a.endsWith('.pcap') ? fixture(a) : a)));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = expectOneLineError(r.stderr, message);
    expect(lines.filter((l) => l.startsWith('error:'))).toHaveLength(1);
  });

  test('--top 0 and --pool-idle 0 are fine', () => {
    const r = runCli([fixture('lo-tls13-full.pcap'), '--format', 'text', '--top', '0', '--pool-idle', '0']);
    expect(r.code).toBe(0);
    // One connection in the capture, none shown: the singular.
    expect(r.stdout).toMatch(/^\.\.\. 1 more connection \(--top to show more\)$/m);
  });
});

describe('a file name with terminal escape sequences', () => {
  // Set the window title, clear the screen, turn text red: none of it may reach the terminal.
  const evil = 'x\x1b]0;owned\x07\x1b[2J\x1b[31m\u202e.pcap';

  test('in the report, the warnings and the error message it is shown sanitized', () => {
    const p = join(tmp, evil);
    // Cut in the middle of a record: the warning names the file.
    const bytes = readFileSync(fixture('lo-tls13-full.pcap'));
    writeFileSync(p, bytes.subarray(0, bytes.length - 10));
    const r = runCli([p, '--format', 'text']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('x????.pcap');
    expect(r.stderr).toMatch(/^warning: .*x\?\?\?\?\.pcap is cut short/);
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toMatch(/[\x1b\x07\u202e]/);
    }
    const info = runCli(['info', p]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^File: +.*x\?\?\?\?\.pcap$/m);
    expect(info.stdout + info.stderr).not.toMatch(/[\x1b\x07\u202e]/);
    const missing = runCli([join(tmp, `missing-${evil}`), '--format', 'json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot open .*missing-x\?\?\?\?\.pcap: no such file\n$/);
  });
});

const escapeRe = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('issue 10: usage, hints, one output flag, rates in JSON', () => {
  test('bare handshake-lens: short usage on stderr, exit 2', () => {
    const r = runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^usage: handshake-lens <capture>/);
    expect(r.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(6);
  });

  test('two captures: one error line suggesting compare, exit 2', () => {
    const r = runCli([fixture('pool-rate-5req-conn-per-request.pcap'), fixture('pool-rate-5req-keepalive.pcap')]);
    expect(r.code).toBe(2);
    const lines = expectOneLineError(r.stderr, /^error: two captures given .*: to compare them, run handshake-lens compare /);
    expect(lines.filter((l) => l.startsWith('error:'))).toHaveLength(1);
  });

  test('two captures around an option and its value: the hint names the two captures, not the value', () => {
    const a = fixture('pool-rate-5req-conn-per-request.pcap');
    const b = fixture('pool-rate-5req-keepalive.pcap');
    const r = runCli([a, '--rtt', '30', b]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, new RegExp(`^error: two captures given \\(${escapeRe(a)} ${escapeRe(b)}\\): to compare them, run handshake-lens compare ${escapeRe(a)} ${escapeRe(b)}$`));
  });

  test('three captures (a rotated capture in pieces): one error line naming mergecap to join them, exit 2', () => {
    const files = ['lo-tls12-full.pcap', 'lo-tls13-full.pcap', 'zeek-tls12-basic.pcap'].map(fixture);
    const r = runCli([files[0]!, '--format', 'json', files[1]!, files[2]!]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expectOneLineError(r.stderr, new RegExp(`^error: 3 captures given: .*mergecap -w merged\\.pcapng ${files.map(escapeRe).join(' ')}$`));
  });

  test("every boolean option of the --help between three captures: no capture taken for the option's value", () => {
    const help = runCli(['--help']);
    expect(help.code).toBe(0);
    // An option's entry is its first line (`  -f, --format …`) and the lines up to the next one.
    const entries = help.stdout.split(/\n(?=\s+(?:-\w, )?--[\w-]+)/);
    const booleans = entries
      .filter((e) => e.includes('[boolean]'))
      .map((e) => /--([\w-]+)/.exec(e)![1]!)
      .filter((name) => name !== 'help' && name !== 'version'); // these print and exit before any capture is read
    expect(booleans).toContain('follow');
    const files = ['lo-tls12-full.pcap', 'lo-tls13-full.pcap', 'zeek-tls12-basic.pcap'].map(fixture);
    for (const name of booleans) {
      const r = runCli([files[0]!, `--${name}`, files[1]!, files[2]!]);
      expect(r.code).toBe(2);
      expectOneLineError(r.stderr, new RegExp(`^error: 3 captures given: .*mergecap -w merged\\.pcapng ${files.map(escapeRe).join(' ')}$`));
    }
  });

  test.each([
    [['lo-tls13-full.pcap', '--format', 'xml'], /^error: --format must be one of text, json, ndjson, protobuf, tui; got "xml"$/],
    [['pool', 'lo-tls13-full.pcap', '--rtt', '-1'], /^error: --rtt must be a number of milliseconds >= 0, got -1$/],
    [['pool', 'lo-tls13-full.pcap', '--rtt', 'abc'], /^error: --rtt must be a number of milliseconds >= 0, got something that is not a number$/],
  ])('%j: yargs and our own messages on one line, exit 2', (args, message) => {
    const r = runCli(args.map((a) => (a.endsWith('.pcap') ? fixture(a) : a)));
    expect(r.code).toBe(2);
    const lines = expectOneLineError(r.stderr, message);
    expect(lines.filter((l) => l.startsWith('error:'))).toHaveLength(1);
    expect(lines.length).toBeLessThanOrEqual(2);
  });

  test('info --format json is info --json; info on a saved .hlpb describes it', () => {
    const f = fixture('lo-tls13-full.pcap');
    const a = runCli(['info', f, '--format', 'json']);
    const b = runCli(['info', f, '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual(JSON.parse(b.stdout));
    const saved = join(tmp, 'saved.hlpb');
    const p = spawnSync('node', [join(repoRoot, 'dist/cli.js'), f, '--format', 'protobuf']);
    writeFileSync(saved, p.stdout);
    const j = runCli(['info', saved, '--format', 'json']);
    expect(j.code).toBe(0);
    const info = JSON.parse(j.stdout);
    const streams = golden('lo-tls13-full.pcap', 'streams.json');
    const caps = golden('lo-tls13-full.pcap', 'capinfos.json');
    expect(info.format).toBe('handshake-lens analysis (protobuf)');
    expect(info.connections).toBe(streams.length);
    expect(info.capture.frames).toBe(caps.frames);
    expect(runCli(['info', saved]).stdout).toMatch(/^File type: +handshake-lens analysis \(protobuf\)/m);
  });

  test('pool --format json carries rates and the projection at --rtt', () => {
    const r = runCli(['pool', fixture('pool-rate-5req-conn-per-request.pcap'), '--format', 'json', '--rtt', '30']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.total.rates.requests).toBe(5);
    expect(j.total.projections[0]).toMatchObject({ rttMs: 30, source: 'option' });
    expect(j.options.rttMs).toBe(30);
    const main = JSON.parse(runCli([fixture('pool-rate-5req-conn-per-request.pcap'), '--format', 'json', '--rtt', '30']).stdout);
    expect(main.pool.projections[0]).toEqual(j.total.projections[0]);
    expect(main.pool.verdict).toBe(j.total.verdict);
  });

  test('a long capture: the text report shows the top 50 rows and says how many were left out', () => {
    const streams = golden('pool-rate-200req-conn-per-request.pcap', 'streams.json');
    const r = runCli([fixture('pool-rate-200req-conn-per-request.pcap'), '--format', 'text']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`... ${streams.length - 50} more connections (--top to show more)`);
  });
});
