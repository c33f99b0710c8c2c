/**
 * The JSON document written from a spill file (src/output/spill.ts): the same
 * bytes as the document written from every record kept in memory, late retry
 * findings included, and the temporary file gone afterwards.
 */
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { analyzeFile, applyLateFindings, type AnalyzeOptions } from '../../src/analyze.js';
import type { Finding } from '../../src/timeline/types.js';
import { writeJsonDocument } from '../../src/output/json.js';
import { RecordSpill } from '../../src/output/spill.js';
import { allRows, simulatePool, summarize } from '../../src/report/index.js';
import type { Analysis } from '../../src/report/types.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

async function doc(a: Analysis, spill?: RecordSpill): Promise<string> {
  let out = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  await writeJsonDocument(w, a, summarize(allRows(a)), { pool: simulatePool(allRows(a)).total }, spill);
  return out;
}

async function spilled(path: string, opts: AnalyzeOptions = {}): Promise<{ text: string; late: number; spill: RecordSpill }> {
  const spill = new RecordSpill();
  let late = 0;
  try {
    const a = await analyzeFile(path, {
      ...opts,
      rows: true,
      onConnection: (c) => spill.write(c),
      onLateFindings: (id, f) => {
        late++;
        spill.addLate(id, f);
      },
    });
    return { text: await doc(a, spill), late, spill };
  } finally {
    spill.close();
  }
}

describe('JSON document from the spill file', () => {
  test('late findings (found after their record was written) are patched in as applyLateFindings does', async () => {
    // No recording makes the findings engine report late (its own tests close records out of order:
    // test/findings/units.test.ts); here the spill gets late findings for two written records.
    const name = fx('findings/g-retry-backoff.pcap');
    const late: [number, Finding[]][] = [
      [1, [{ code: 'retry', severity: 'info', frame: 3, detail: 'attempt 9, replaced' }]],
      [2, [{ code: 'retry-no-backoff', severity: 'warn', frame: 1, detail: 'added, sorted first', costMs: 5 }]],
      [2, [{ code: 'retry', severity: 'info', frame: 99, detail: 'added last' }]],
    ];
    const whole = await analyzeFile(name);
    for (const [id, fs] of late) applyLateFindings(whole.connections.find((c) => c.id === id)!, fs);
    const spill = new RecordSpill();
    try {
      const a = await analyzeFile(name, { rows: true, onConnection: (c) => spill.write(c) });
      for (const [id, fs] of late) spill.addLate(id, fs);
      const text = await doc(a, spill);
      const conns = (JSON.parse(text) as Analysis).connections;
      expect(conns).toEqual(whole.connections);
      expect(conns[1]!.findings.some((f) => f.detail === 'attempt 9, replaced')).toBe(true);
      expect(conns[2]!.findings.map((f) => f.detail)[0]).toBe('added, sorted first');
    } finally {
      spill.close();
    }
  });

  test.each([
    'demo-loopback-mix.pcapng',
    'pool-rate-200req-keepalive.pcap',
    'quic/quic-tcp-tls-same-name.pcap',
    'findings/g-retry-backoff.pcap',
    'findings/i-nginx-idle-close-stale-reuse.pcap',
  ])('%s: the same bytes as from the records kept', async (name) => {
    const whole = await doc(await analyzeFile(fx(name)));
    const { text, spill } = await spilled(fx(name));
    expect(text).toBe(whole);
    expect(JSON.parse(text).connections.length).toBeGreaterThan(0);
    expect(existsSync(spill.path)).toBe(false);
    expect(existsSync(spill.dir)).toBe(false);
  });

  test.each(['findings/g-retry-after-connect-timeout.pcap', 'findings/g-retry-no-backoff.pcap'])(
    '%s: late retry findings are patched into their records',
    async (name) => {
      const whole = await doc(await analyzeFile(fx(name)));
      const { text, late } = await spilled(fx(name));
      expect(text).toBe(whole);
      expect(late).toBe(0); // recorded in order: nothing is late here (see the test above)
      // Every retry the records have is in the document.
      const codes = (JSON.parse(text) as Analysis).connections.flatMap((c) => c.findings.map((f) => f.code));
      expect(codes.filter((c) => c === 'retry').length).toBeGreaterThan(0);
    },
  );

  test('a record larger than the copy window goes through whole', async () => {
    const spill = new RecordSpill();
    try {
      const a = await analyzeFile(fx('lo-tls13-full.pcap'), { rows: true, onConnection: (c) => {
        spill.write({ ...c, problems: ['x'.repeat(3 << 20)] });
        spill.write(c);
      } });
      const texts = [...spill.records()];
      expect(texts).toHaveLength(2 * a.rows!.length);
      expect(JSON.parse(texts[0]!).problems[0]).toHaveLength(3 << 20);
    } finally {
      spill.close();
    }
    expect(existsSync(spill.dir)).toBe(false);
  });
});

/** The terminal UI's detail view reads one record back from the spill (RecordSpill.record). */
describe('one record read back', () => {
  test.each(['demo-loopback-mix.pcapng', 'quic/quic-tcp-tls-same-name.pcap', 'findings/g-retry-backoff.pcap'])(
    '%s: every record by transport and id, equal to the record analysed; null for one never written',
    async (name) => {
      const whole = await analyzeFile(fx(name));
      const spill = new RecordSpill();
      try {
        const a = await analyzeFile(fx(name), { rows: true, onConnection: (c) => spill.write(c) });
        expect(a.rows).toHaveLength(whole.connections.length);
        // In the order the table would ask (any), before and after the buffer is flushed by a read.
        for (const c of [...whole.connections].reverse()) expect(spill.record(c.transport, c.id)).toEqual(c);
        const maxId = Math.max(...whole.connections.map((c) => c.id));
        expect(spill.record('tcp', maxId + 1)).toBeNull();
        // QUIC and TCP ids are numbered apart: a QUIC id is not found as TCP unless a TCP record has it.
        for (const c of whole.connections.filter((x) => x.transport === 'quic')) {
          const tcp = whole.connections.find((x) => x.transport === 'tcp' && x.id === c.id) ?? null;
          expect(spill.record('tcp', c.id)).toEqual(tcp);
        }
      } finally {
        spill.close();
      }
      expect(spill.record('tcp', 0)).toBeNull(); // closed: nothing to read
    },
  );

  test('late findings are patched into the record read back, as into the document', async () => {
    const name = fx('findings/g-retry-backoff.pcap');
    const late: Finding[] = [{ code: 'retry', severity: 'info', frame: 3, detail: 'attempt 9, replaced' }];
    const whole = await analyzeFile(name);
    applyLateFindings(whole.connections.find((c) => c.id === 1)!, late);
    const spill = new RecordSpill();
    try {
      await analyzeFile(name, { rows: true, onConnection: (c) => spill.write(c) });
      spill.addLate(1, late);
      expect(spill.record('tcp', 1)).toEqual(whole.connections.find((c) => c.id === 1));
      expect(spill.record('tcp', 1)!.findings.some((f) => f.detail === 'attempt 9, replaced')).toBe(true);
    } finally {
      spill.close();
    }
  });
});
