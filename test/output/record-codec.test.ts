/**
 * The compact form of plain TCP records (src/output/record-codec.ts), which the
 * terminal UI's spill file holds instead of JSON text: what it reads back must
 * be what the JSON text read back gives (JSON.parse of JSON.stringify), on every
 * plain TCP record of every fixture, and on hand-made records with the values
 * JSON changes (non-finite numbers, -0), absent optional fields, strings beyond
 * one byte per code unit and values it has no exact form for (those go as JSON).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/analyze.js';
import { decodePlainTcp, encodePlainTcp, isPlainTcp, PLAIN_TCP_MARK, resetScratch } from '../../src/output/record-codec.js';
import { RecordSpill } from '../../src/output/spill.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';

const root = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Every capture under fixtures/ (compressed ones too), relative names. */
function captures(dir = root, rel = ''): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...captures(p, `${rel}${f}/`));
    else if (/\.(pcap|pcapng|cap)(\.gz|\.lz4)?$/.test(f)) out.push(`${rel}${f}`);
  }
  return out;
}

const viaJson = (c: ConnectionRecord): ConnectionRecord => JSON.parse(JSON.stringify(c)) as ConnectionRecord;

/** Encodes and decodes; the bytes are copied first, as the spill's reader gets its own buffer. */
function roundTrip(c: ConnectionRecord): ConnectionRecord | null {
  const b = encodePlainTcp(c);
  return b === null ? null : decodePlainTcp(Buffer.from(b));
}

/** A plain record of a fixture, to vary by hand. */
let sample: ConnectionRecord;
const seen = { records: 0, plain: 0, states: new Set<string>(), events: new Set<string>(), retransmission: 0, detail: 0, cost: 0, mss: 0 };

describe('plain TCP records in the compact form', () => {
  const names = captures();

  test('fixtures are found', () => {
    expect(names.length).toBeGreaterThan(100);
  });

  test.each(names)('%s: every plain TCP record reads back as its JSON text does', async (name) => {
    const a = await analyzeFile(join(root, name));
    for (const c of a.connections) {
      seen.records++;
      const back = roundTrip(c);
      if (!isPlainTcp(c)) {
        expect(back).toBeNull();
        continue;
      }
      // Every plain record of a real capture has an exact form here.
      expect(back).not.toBeNull();
      expect(JSON.stringify(back)).toBe(JSON.stringify(c));
      expect(back).toStrictEqual(viaJson(c));
      seen.plain++;
      seen.states.add(c.state);
      for (const e of c.events) seen.events.add(e.type);
      if (c.events.some((e) => e.retransmission !== undefined)) seen.retransmission++;
      if (c.events.some((e) => e.detail !== undefined)) seen.detail++;
      if (c.findings.some((f) => f.costMs !== undefined)) seen.cost++;
      if (c.tcp!.mss.client !== undefined || c.tcp!.mss.server !== undefined) seen.mss++;
      if (sample === undefined && c.findings.some((f) => f.costMs !== undefined) && c.tcp!.synRetransmitOffsetsMs.length > 0) sample = c;
    }
  });

  test('the fixtures gave plain records of every kind the form has a field for', () => {
    expect(seen.plain).toBeGreaterThan(20);
    expect(seen.plain).toBeLessThan(seen.records); // TLS and QUIC ones go as JSON
    for (const s of ['complete', 'reset', 'refused', 'unanswered', 'midstream']) expect(seen.states).toContain(s);
    for (const t of ['SYN', 'SYN-ACK', 'ACK', 'FIN', 'RST', 'ApplicationData']) expect(seen.events).toContain(t);
    expect(seen.retransmission).toBeGreaterThan(0);
    expect(seen.detail).toBeGreaterThan(0);
    expect(seen.cost).toBeGreaterThan(0);
    expect(seen.mss).toBeGreaterThan(0);
    expect(sample).toBeDefined();
  });

  test('numbers JSON writes as null, -0, absent and present optional fields', () => {
    const c = structuredClone(sample);
    c.start = -0;
    c.lifetimeMs = Infinity;
    c.setupShare = NaN;
    c.tcp!.handshakeMs = -Infinity;
    c.tcp!.synRetransmitOffsetsMs = [1.5, NaN, -0, 1e300];
    c.tcp!.mss = { server: 1460 };
    c.events[0]!.retransmission = false;
    c.events[0]!.inferred = true;
    c.events[0]!.detail = '';
    delete c.events[1]!.detail;
    c.findings[0]!.costMs = 0.000001;
    c.setup.roundTrips = null;
    c.teardown = { initiator: 'server', by: 'RST', ms: null, idleBeforeSec: 12.25 };
    c.resetBy = 'server';
    c.oneSided = 'client-only';
    c.httpProtocol = 'h2';
    c.requestsEstimated = true;
    c.setupMsPerRequest = 3.25;
    c.problems = ['gap of 10 bytes', 'another'];
    const back = roundTrip(c)!;
    expect(back).toStrictEqual(viaJson(c));
    expect(JSON.stringify(back)).toBe(JSON.stringify(c));
    expect(Object.is(back.start, 0)).toBe(true);
    expect(back.lifetimeMs).toBeNull();
    expect('client' in back.tcp!.mss).toBe(false);
    expect(back.events[0]!.retransmission).toBe(false);
  });

  test('every number of the record a value of its own, every optional field present: each read back in its place', () => {
    const c = structuredClone(sample);
    c.tcp!.mss = { client: 0, server: 0 };
    c.events[0]!.retransmission = true;
    c.events[0]!.inferred = false;
    c.problems = ['p'];
    let next = 1;
    let count = 0;
    const number = (x: unknown): x is number => typeof x === 'number';
    const walk = (o: Record<string, unknown> | unknown[]): void => {
      for (const k of Object.keys(o)) {
        const v = (o as Record<string, unknown>)[k];
        if (number(v) || v === null) {
          // Nullable fields hold numbers here; the enums (strings) and booleans stay as they are.
          if (v === null && ['resetBy', 'oneSided', 'httpProtocol', 'initiator', 'by', 'tls', 'quic'].includes(k)) continue;
          (o as Record<string, unknown>)[k] = next++;
          count++;
        } else if (typeof v === 'object') walk(v as Record<string, unknown>);
      }
    };
    walk(c as unknown as Record<string, unknown>);
    expect(count).toBeGreaterThan(40);
    const back = roundTrip(c)!;
    expect(back).toStrictEqual(viaJson(c));
  });

  test('records that outgrow the scratch buffer at any field: null strings, offsets, events and findings by the hundred', () => {
    const shapes: ConnectionRecord[] = [];
    for (let n = 0; n <= 120; n += 7) {
      const c = structuredClone(sample);
      // Null strings (each asks for room of its own) among the problems up to n = 56, then strings only.
      c.problems = Array.from({ length: n }, (_, i) => (i % 3 === 0 && n < 60 ? (null as unknown as string) : 'q'.repeat(i)));
      c.tcp!.synRetransmitOffsetsMs = Array.from({ length: n }, (_, i) => i / 7);
      // Every other event with a detail up to n = 56, then none: runs of fixed-size fields only.
      c.events = Array.from({ length: n }, (_, i) => ({ ...sample.events[0]!, frame: i + 1, ...(i % 2 && n < 60 ? { detail: 'd'.repeat(i) } : {}) }));
      c.findings = Array.from({ length: n }, (_, i) => ({ ...sample.findings[0]!, frame: i, ...(i % 5 === 0 ? { detail: null as unknown as string } : {}) }));
      shapes.push(c);
    }
    const expected = shapes.map((c) => JSON.stringify(c));
    for (const c of shapes) expect(roundTrip(c)).toStrictEqual(viaJson(c));
    try {
      // Every starting size from 1 to 1,400 bytes: the scratch's end falls on every field of the smaller
      // shapes, and on many places of the larger ones as it doubles.
      for (let start = 1; start <= 1400; start += 1) {
        shapes.forEach((c, k) => {
          resetScratch(start);
          const back = roundTrip(c);
          if (back === null || JSON.stringify(back) !== expected[k]) throw new Error(`shape ${k} from a scratch of ${start} bytes: ${back === null ? 'not encoded' : 'read back otherwise'}`);
        });
      }
    } finally {
      resetScratch(4096);
    }
  });

  test('strings: one byte per code unit, two (any code unit, lone surrogates too), empty, null', () => {
    const c = structuredClone(sample);
    c.client.ip = 'fe80::1%eth0';
    c.problems = ['é latin-1 ÿ', '→ 名前 😀', 'lone \ud800 high', 'lone \udc00 low', '', 'x'.repeat(70_000)];
    c.events[0]!.detail = 'SNI ex\u00e4mple and \u2028 line separator';
    (c.findings[0] as { detail: string | null }).detail = null;
    const back = roundTrip(c)!;
    expect(back).toStrictEqual(viaJson(c));
    expect(back.problems[2]).toBe('lone \ud800 high');
    expect(back.problems[5]).toHaveLength(70_000);
  });

  test('what has no exact form goes as JSON (null), and TLS, QUIC and request records are not plain', () => {
    const big = structuredClone(sample);
    big.lastFrame = 2 ** 31; // beyond a 32-bit integer
    expect(encodePlainTcp(big)).toBeNull();
    const frac = structuredClone(sample);
    frac.events[0]!.frame = 1.5;
    expect(encodePlainTcp(frac)).toBeNull();
    const odd = structuredClone(sample);
    (odd as { state: string }).state = 'not-a-state';
    expect(encodePlainTcp(odd)).toBeNull();
    const intNull = structuredClone(sample);
    intNull.events[0]!.frame = -0x80000000; // the form's null integer
    expect(encodePlainTcp(intNull)).toBeNull();
    const notBool = structuredClone(sample);
    (notBool as { midstream: unknown }).midstream = undefined;
    expect(encodePlainTcp(notBool)).toBeNull();
    const notString = structuredClone(sample);
    (notString.client as { ip: unknown }).ip = 10;
    expect(encodePlainTcp(notString)).toBeNull();
    expect(encodePlainTcp({ ...sample, tcp: null })).toBeNull();
    expect(encodePlainTcp({ ...sample, quic: {} as ConnectionRecord['quic'] })).toBeNull();
    const evType = structuredClone(sample);
    (evType.events[0] as { type: string }).type = 'Bogus';
    expect(encodePlainTcp(evType)).toBeNull();
    expect(encodePlainTcp({ ...sample, tls: {} as ConnectionRecord['tls'] })).toBeNull();
    expect(encodePlainTcp({ ...sample, transport: 'quic' })).toBeNull();
    expect(encodePlainTcp({ ...sample, requests: [{} as ConnectionRecord['requests'][number]] })).toBeNull();
    // After a refusal the next record encodes from a clean start.
    expect(roundTrip(sample)).toStrictEqual(viaJson(sample));
    expect(encodePlainTcp(sample)![0]).toBe(PLAIN_TCP_MARK);
  });

  test('a string takes a byte per code unit when all are Latin-1, else two, short or long', () => {
    const size = (p: string): number => {
      const c = structuredClone(sample);
      c.problems = [p];
      return encodePlainTcp(c)!.length;
    };
    const none = size('');
    for (const n of [1, 10, 23, 24, 25, 100]) {
      expect(size('a'.repeat(n)) - none).toBe(n);
      expect(size('é'.repeat(n)) - none).toBe(n);
      expect(size('a'.repeat(n - 1) + '→') - none).toBe(2 * n);
      expect(size('→' + 'a'.repeat(n - 1)) - none).toBe(2 * n);
      expect(size('é'.repeat(n - 1) + 'ÿ') - none).toBe(n);
    }
  });

  test('the compact form is several times smaller than the JSON text', () => {
    const n = encodePlainTcp(sample)!.length;
    expect(n * 2).toBeLessThan(Buffer.byteLength(JSON.stringify(sample)));
  });
});

describe('a compact spill file', () => {
  test('reads back the records and the JSON text a JSON spill does, late findings patched, larger than its buffer too', async () => {
    const name = join(root, 'findings/g-retry-after-connect-timeout.pcap');
    const compact = new RecordSpill(undefined, true);
    const json = new RecordSpill();
    try {
      const huge = { ...sample, id: 100_000, problems: ['y'.repeat(1 << 20)] };
      const a = await analyzeFile(name, {
        rows: true,
        onConnection: (c) => {
          compact.write(c);
          json.write(c);
        },
      });
      compact.write(huge);
      json.write(huge);
      const late = [{ code: 'retry' as const, severity: 'info' as const, frame: 1, detail: 'late' }];
      compact.addLate(0, late);
      json.addLate(0, late);
      expect(a.rows!.length).toBeGreaterThan(1);
      expect([...compact.records()]).toEqual([...json.records()]);
      for (const r of [...a.rows!, { transport: 'tcp' as const, id: 100_000 }]) {
        expect(compact.record(r.transport, r.id)).toStrictEqual(json.record(r.transport, r.id));
      }
      expect(compact.record('tcp', 0)!.findings.some((f) => f.detail === 'late')).toBe(true);
      expect(compact.record('tcp', 100_000)!.problems[0]).toHaveLength(1 << 20);
    } finally {
      compact.close();
      json.close();
    }
  });
});
