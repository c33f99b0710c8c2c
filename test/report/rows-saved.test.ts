/**
 * A saved analysis's own setupShare (issue 16, reports/mutation/rows-survivors.md,
 * rows.ts `get setupShare`): a row made from a record whose setupShare is not
 * setup.ms / lifetimeMs (a .hlpb file written by another version or tool, or
 * edited) must read the record's value, null included, not recompute it.
 *
 * The file: a capture's analysis written as protobuf, then its connection
 * records decoded and re-encoded here with protobufjs straight from
 * src/output/handshake_lens.proto (the file format's own description, not our
 * reader or writer), with setup_share (Connection field 19) changed or removed.
 * The expected values are the ones written into the file; the connections left
 * alone must read the README's rule, setup.ms / lifetime at most 1, computed
 * here from the record.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { analyzeFile } from '../../src/analyze.js';
import { ProtobufWriter, readSavedAnalysis } from '../../src/output/protobuf.js';
import { RowStore } from '../../src/report/index.js';
import { connectionColumns } from '../../src/view/model.js';

const FIXTURES = path.resolve(process.cwd(), 'fixtures');
const PROTO = path.resolve(process.cwd(), 'src/output/handshake_lens.proto');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hl-rows-saved-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The capture's analysis saved with --format protobuf's writer. */
async function saved(capture: string, file: string): Promise<string> {
  const a = await analyzeFile(path.join(FIXTURES, capture));
  const out = path.join(dir, file);
  const w = new ProtobufWriter(createWriteStream(out), { file: a.capture.file });
  for (const c of a.connections) w.writeConnection(c);
  await w.end(a.capture);
  return out;
}

type Msg = { connection?: { setupShare?: number | null } & Record<string, unknown> } & Record<string, unknown>;

/**
 * Rewrites a .hlpb file ("HLPB" 00 00 00 01, then length-delimited Record messages) with
 * `edit` applied to the i-th connection record's decoded message.
 */
function rewrite(file: string, edit: (conn: NonNullable<Msg['connection']>, i: number) => void): void {
  const Record = protobuf.loadSync(PROTO).lookupType('handshake_lens.Record');
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('HLPB\0\0\0\x01');
  const reader = protobuf.Reader.create(bytes.subarray(8));
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let i = 0;
  while (reader.pos < reader.len) {
    const m = Record.toObject(Record.decodeDelimited(reader), { defaults: false }) as Msg;
    if (m.connection) edit(m.connection, i++);
    parts.push(Record.encodeDelimited(Record.fromObject(m)).finish());
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** The README's rule for a record's setupShare: setup ms / lifetime ms, at most 1; null without either. */
const rule = (setupMs: number | null, lifetimeMs: number): number | null => (setupMs !== null && lifetimeMs > 0 ? Math.min(1, setupMs / lifetimeMs) : null);

describe("a saved analysis's own setupShare", () => {
  test('lo-http-conn-per-request-3req.pcap saved, two records given other shares and one none: the rows read the file', async () => {
    const file = await saved('lo-http-conn-per-request-3req.pcap', 'edited.hlpb');
    const written: (number | null | 'kept')[] = ['kept', 0.25, null];
    rewrite(file, (conn, i) => {
      const w = written[i];
      if (w === undefined || w === 'kept') return;
      if (w === null) delete conn.setupShare;
      else conn.setupShare = w;
    });
    const back = await readSavedAnalysis(file);
    expect(back.connections.length).toBe(3);
    // The edits are in the records read back (the file says so, whatever setup.ms and lifetime give).
    for (const [i, r] of back.connections.entries()) {
      expect(r.setup.ms).not.toBeNull();
      expect(r.lifetimeMs).toBeGreaterThan(0);
      if (written[i] !== 'kept') expect(r.setupShare).toBe(written[i]);
      // Every edited value differs from the rule, so only the record's own value passes below.
      if (written[i] !== 'kept') expect(r.setupShare).not.toBe(rule(r.setup.ms, r.lifetimeMs));
    }
    const store = new RowStore();
    for (const r of back.connections) store.add(r);
    const rows = store.views();
    expect(rows.map((r) => r.id)).toEqual(back.connections.map((r) => r.id));
    expect(rows.map((r) => r.setupShare)).toEqual(
      back.connections.map((r, i) => (written[i] === 'kept' ? rule(r.setup.ms, r.lifetimeMs) : written[i])),
    );
    // What the connection table shows in its "setup %" column (src/view/model.ts) for the edited rows.
    const share = connectionColumns().find((c) => c.key === 'share')!;
    expect([share.cell(rows[1]!), share.cell(rows[2]!)]).toEqual(['25.0%', '-']); // '-': not known (src/view/format.ts NA)
  });

  test('a record without a setup (an unanswered SYN) whose file gives a share keeps it', async () => {
    const file = await saved('lo-tcp-syn-unanswered.pcap', 'unanswered.hlpb');
    rewrite(file, (conn) => {
      conn.setupShare = 0.5;
    });
    const back = await readSavedAnalysis(file);
    expect(back.connections.length).toBeGreaterThan(0);
    const store = new RowStore();
    for (const r of back.connections) {
      expect(rule(r.setup.ms, r.lifetimeMs)).not.toBe(0.5);
      store.add(r);
    }
    expect(store.views().map((r) => r.setupShare)).toEqual(back.connections.map(() => 0.5));
  });
});
