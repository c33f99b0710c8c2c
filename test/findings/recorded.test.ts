/**
 * Every capture recorded for the findings (fixtures/findings/, scripts/record-findings.sh)
 * gets exactly the findings its scenario must produce: fixtures/findings/expected.json,
 * written by scripts/make-findings-expected.mjs from the scenario's design and tshark's
 * fields (tcp.analysis.retransmission, tcp.analysis.zero_window, FIN/RST frames, alerts),
 * never from our output. Connections reach the findings in close order, as they would live.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { emptyFacts, FindingsEngine, type Finding } from '../../src/findings/index.js';
import type { ConnectionRecord } from '../../src/timeline/types.js';
import { tsharkFacts } from './tshark-facts.js';

const root = resolve(process.cwd());
const dir = join(root, 'fixtures/findings');

interface Expected {
  code: string;
  frame: number;
  detail?: Record<string, string | number>;
}
const expected: Record<string, Record<string, Expected[]>> = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

async function findingsOf(name: string): Promise<{ records: ConnectionRecord[]; findings: Map<number, Finding[]> }> {
  const closeOrder: ConnectionRecord[] = [];
  const a = await analyzeFile(join(dir, name), { onConnection: (c) => closeOrder.push(c) });
  const facts = tsharkFacts(join(dir, name), join(root, 'test/golden/findings', name, 'streams.json'));
  const engine = new FindingsEngine();
  const findings = new Map<number, Finding[]>();
  for (const rec of closeOrder) findings.set(rec.id, engine.connection(rec, facts.get(rec.id) ?? emptyFacts(), a.capture.end!));
  return { records: a.connections, findings };
}

/** The product's path: the TCP stage collects the facts, analyze.ts runs the engine (late findings applied). */
async function pipelineFindingsOf(name: string): Promise<{ records: ConnectionRecord[]; findings: Map<number, Finding[]> }> {
  const a = await analyzeFile(join(dir, name));
  return { records: a.connections, findings: new Map(a.connections.map((r) => [r.id, r.findings])) };
}

// Each test runs its own analysis (no beforeAll): mutation testing with perTest coverage then
// knows which test reaches which code, instead of counting it as reached by every test.
describe.each(Object.keys(expected).flatMap((n) => [[n, 'tshark facts'] as const, [n, 'pipeline'] as const]))('%s (%s)', (name, how) => {
  test('exactly the expected findings, at tshark\'s frames; details carry what the scenario designed (alert and sender, attempt and previous connection, who closed)', async () => {
    const { records, findings } = how === 'pipeline' ? await pipelineFindingsOf(name) : await findingsOf(name);
    expect(records.map((r) => String(r.id))).toEqual(Object.keys(expected[name]!));
    const ours: Record<string, { code: string; frame: number }[]> = {};
    const theirs: Record<string, { code: string; frame: number }[]> = {};
    const key = (x: { code: string; frame: number }): string => `${x.frame}:${x.code}`;
    for (const [id, exp] of Object.entries(expected[name]!)) {
      theirs[id] = exp.map((e) => ({ code: e.code, frame: e.frame })).sort((a, b) => key(a).localeCompare(key(b)));
      ours[id] = (findings.get(Number(id)) ?? []).map((f) => ({ code: f.code, frame: f.frame })).sort((a, b) => key(a).localeCompare(key(b)));
    }
    expect(ours).toEqual(theirs);

    for (const [id, exp] of Object.entries(expected[name]!)) {
      for (const e of exp) {
        if (!e.detail) continue;
        const f = (findings.get(Number(id)) ?? []).find((x) => x.code === e.code && x.frame === e.frame);
        expect(f).toBeDefined();
        const d = f!.detail;
        if ('alert' in e.detail) expect(d).toContain(`alert ${e.detail.alert} from the ${e.detail.from}`);
        if ('attempt' in e.detail) expect(d).toMatch(new RegExp(`^attempt ${e.detail.attempt}, .* \\(connection ${e.detail.previous}\\)$`));
        if ('who' in e.detail) expect(d).toMatch(new RegExp(`^the ${e.detail.who} closed`));
        if ('side' in e.detail) expect(d).toContain(`the ${e.detail.side} advertised a zero receive window`);
      }
    }
  });
});
