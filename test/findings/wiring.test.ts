/**
 * How analyze.ts wires the findings: late retry findings applied to a kept record,
 * the tracker's bounds turned into capture warnings, and the facts the TCP stage
 * collects agreeing with tshark's on every recording (same findings either way:
 * recorded.test.ts).
 */
import { join, resolve } from 'node:path';
import { analyzeFile, applyLateFindings, trackerWarnings } from '../../src/analyze.js';
import type { ConnectionRecord, Finding } from '../../src/timeline/types.js';

const dir = join(resolve(process.cwd()), 'fixtures/findings');

const f = (code: Finding['code'], frame: number, detail: string): Finding => ({ code, severity: 'info', frame, detail });

test('a late finding replaces the one with the same code and frame, others are added, sorted by frame', () => {
  const rec = { findings: [f('syn-retransmit', 9, 'x'), f('retry', 3, 'attempt 2, 1 s after attempt 1 (connection 0)')] } as ConnectionRecord;
  applyLateFindings(rec, [f('retry', 3, 'attempt 3, 1 s after attempt 2 (connection 1)'), f('retry-no-backoff', 3, 'attempt 3: only 1 ms')]);
  expect(rec.findings.map((x) => [x.frame, x.code, x.detail])).toEqual([
    [3, 'retry', 'attempt 3, 1 s after attempt 2 (connection 1)'],
    [3, 'retry-no-backoff', 'attempt 3: only 1 ms'],
    [9, 'syn-retransmit', 'x'],
  ]);
});

test('tracker bounds become warnings; none when nothing was given up', () => {
  expect(trackerWarnings({ finalizedEarly: 0, heldEvictions: 0, holesGivenUp: 0, bytesGivenUp: 0 }, undefined)).toEqual([]);
  expect(trackerWarnings({ finalizedEarly: 2, heldEvictions: 1, holesGivenUp: 3, bytesGivenUp: 4096 }, { maxOpenConnections: 5, heldBudgetBytes: 8 << 20 })).toEqual([
    '2 connections were finalized early, in the state they had then: more than 5 were open at once (the longest idle went first)',
    '3 holes in 1 stream given up (4,096 bytes never seen, reported as gaps): more than 8 MiB was held ahead of holes across connections (the oldest went first)',
  ]);
});

test('later packets of connections finalized early are counted in the same warning', () => {
  expect(trackerWarnings({ finalizedEarly: 1, afterEarly: 1, heldEvictions: 0, holesGivenUp: 0, bytesGivenUp: 0 }, { maxOpenConnections: 5 })).toEqual([
    '1 connection was finalized early, in the state they had then: more than 5 were open at once (the longest idle went first); 1 later packet of theirs not analysed',
  ]);
  expect(trackerWarnings({ finalizedEarly: 3, afterEarly: 12_345, heldEvictions: 0, holesGivenUp: 0, bytesGivenUp: 0 }, { maxOpenConnections: 5 })[0]).toMatch(
    /; 12,345 later packets of theirs not analysed$/,
  );
});

test('a real capture with 4 connections open at once, read with room for 1: the warning says so', async () => {
  // a-syn-backlog-full.pcap: tshark shows 4 tcp.streams whose lifetimes overlap
  const a = await analyzeFile(join(dir, 'a-syn-backlog-full.pcap'), { tracker: { maxOpenConnections: 1 } });
  expect(a.capture.warnings.some((w) => /^\d+ connections? (was|were) finalized early, in the state they had then: more than 1 were open at once/.test(w))).toBe(true);
  const plain = await analyzeFile(join(dir, 'a-syn-backlog-full.pcap'));
  expect(plain.capture.warnings.some((w) => w.includes('finalized early'))).toBe(false);
});

test('thresholds reach the engine: a higher slow-first-byte threshold drops the 519 ms finding', async () => {
  // f-slow-first-byte-server-side.pcap: the response starts 519 ms after the request (tshark frames 4 -> 6)
  const def = await analyzeFile(join(dir, 'f-slow-first-byte-server-side.pcap'));
  expect(def.connections[0]!.findings.map((x) => x.code)).toContain('slow-first-byte');
  const high = await analyzeFile(join(dir, 'f-slow-first-byte-server-side.pcap'), { findings: { slowFirstByteMs: 600 } });
  expect(high.connections[0]!.findings.map((x) => x.code)).not.toContain('slow-first-byte');
});
