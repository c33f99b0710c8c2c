/**
 * Every headline number of every connection of every fixture against the
 * expectation computed from tshark's per-frame fields by the rules written in
 * scripts/make-metrics-golden.mjs (test/golden/<fixture>/metrics.json; never
 * from our own output). Whole lists, exact values; times to 1 µs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { expectedMetrics, type ExpectedMetrics } from './expected.js';

const goldenDir = join(resolve(process.cwd()), 'test/golden');
const fixturesDir = join(resolve(process.cwd()), 'fixtures');

type Expected = ExpectedMetrics;

/**
 * Where our code disagrees with the rule, per "fixture#stream field", and why.
 * The expectation stays the rule's; each entry must still disagree (a fixed one
 * fails until it is removed here). Reported to the integrator with the evidence.
 */
export const KNOWN_DIFFERENCES: Record<string, string> = {
};

/** Fields holding durations in ms (compared to 1 µs); everything else exactly. */
const TIME_FIELDS = new Set([
  'tls.handshakeMs',
  'setup.ms',
  'firstDataMs.client',
  'firstDataMs.server',
  'lifetimeMs',
  'teardown.ms',
]);

/** Our record in the shape of metrics.json. */
function ours(c: ConnectionRecord): Omit<Expected, 'stream'> {
  return {
    tls: c.tls
      ? {
          handshakeMs: c.tls.handshakeMs,
          handshakeEndInferred: c.tls.handshakeEndInferred,
          certificateBytes: c.tls.certificateBytes,
          certificateCount: c.tls.certificateCount,
          versionsOffered: c.tls.versionsOffered,
          keyShareGroupsOffered: c.tls.keyShareGroupsOffered,
          alpnOffered: c.tls.alpnOffered,
        }
      : null,
    setup: {
      ms: c.setup.ms,
      roundTrips: c.setup.roundTrips,
      bytes: c.setup.bytes,
      packets: c.setup.packets,
      certificateBytes: c.setup.certificateBytes,
      endFrame: c.setup.endFrame,
    },
    firstDataMs: { client: c.firstDataMs.client, server: c.firstDataMs.server },
    lifetimeMs: c.lifetimeMs,
    teardown: { initiator: c.teardown.initiator, by: c.teardown.by, ms: c.teardown.ms },
    state: c.state,
  };
}

/** Leaf fields of the expectation, as 'a.b' -> value (lists are leaves: compared whole). */
function leaves(o: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, o);
  }
  return out;
}

function same(field: string, a: unknown, b: unknown): boolean {
  if (TIME_FIELDS.has(field) && typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) < 0.0005;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Fixture subfolders with metrics goldens of their own (test/golden/<dir>/<file>/metrics.json). */
const SUBDIRS = ['findings', 'lossy'];
const inDir = (d: string) => (d ? readdirSync(join(goldenDir, d)).map((f) => `${d}/${f}`) : readdirSync(goldenDir));
const fixtures = ['', ...SUBDIRS]
  .flatMap(inDir)
  .filter((f) => existsSync(join(goldenDir, f, 'metrics.json')))
  .sort();

test('every fixture has expected metrics', () => {
  const captures = ['', ...SUBDIRS].flatMap((d) =>
    readdirSync(join(fixturesDir, d))
      .filter((f) => /\.(pcap|pcapng|cap)(\.gz|\.lz4)?$/i.test(f))
      .map((f) => (d ? `${d}/${f}` : f)),
  );
  expect(fixtures).toEqual(captures.sort());
});

describe.each(fixtures)('%s', (fixture) => {
  test('metrics follow the rules (tshark-derived)', async () => {
    const expected = expectedMetrics(fixture);
    const result = await analyzeFile(join(fixturesDir, fixture));
    const conns = result.connections.filter((c) => c.transport === 'tcp');
    expect(conns.map((c) => c.id)).toEqual(expected.map((e) => e.stream));

    const mismatches: string[] = [];
    const known: string[] = [];
    for (const exp of expected) {
      const c = conns.find((x) => x.id === exp.stream)!;
      const { stream, ...want } = exp;
      const got = leaves(ours(c));
      const wantLeaves = leaves(want);
      // Same set of fields (e.g. tls null on both sides or an object on both).
      const keys = new Set([...got.keys(), ...wantLeaves.keys()]);
      for (const k of keys) {
        const key = `${fixture}#${stream} ${k}`;
        const ok = same(k, got.get(k), wantLeaves.get(k));
        if (key in KNOWN_DIFFERENCES) {
          known.push(key);
          // A known difference must still be one: remove the entry once it is fixed.
          if (ok) mismatches.push(`${key}: listed in KNOWN_DIFFERENCES but now agrees; remove the entry`);
          continue;
        }
        if (!ok) {
          mismatches.push(
            `${key}: ours ${JSON.stringify(got.get(k))}, rule ${JSON.stringify(wantLeaves.get(k))}`,
          );
        }
      }
    }
    // Every listed difference of this fixture names a field that exists.
    const listed = Object.keys(KNOWN_DIFFERENCES).filter((k) => k.startsWith(`${fixture}#`));
    expect(listed.filter((k) => !known.includes(k))).toEqual([]);
    expect(mismatches).toEqual([]);
  });
});
