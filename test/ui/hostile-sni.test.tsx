/**
 * A capture is untrusted input: a ClientHello whose SNI carries terminal escape
 * sequences (window title, colour, clear screen) must reach neither the TUI nor
 * the text report. The capture is a real fixture with the 17 SNI bytes
 * rewritten in place (same length, so every length field stays valid).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatTextReport } from '../../src/output/text.js';
import { KEY, renderApp, linearDetail } from './harness.js';
import { analysis, fixture, makeTemp } from './fixtures.js';

const ORIGINAL = 'enabled.tls13.com';
const HOSTILE = '\x1b]0;PWN\x07\x1b[31m\x1b[2J'; // OSC set-title, SGR red, erase screen: 17 bytes
// Everything a terminal would act on: C0 (ESC, BEL, ...), DEL, C1.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('hostile SNI', () => {
  let tmp: ReturnType<typeof makeTemp>;
  let file: string;
  beforeAll(() => {
    expect(Buffer.byteLength(HOSTILE, 'latin1')).toBe(ORIGINAL.length);
    tmp = makeTemp();
    const bytes = readFileSync(fixture('arkime-curl-tls13.pcap'));
    const at = bytes.indexOf(Buffer.from(ORIGINAL));
    expect(at).toBeGreaterThan(0);
    expect(bytes.indexOf(Buffer.from(ORIGINAL), at + 1)).toBe(-1);
    Buffer.from(HOSTILE, 'latin1').copy(bytes, at);
    file = path.join(tmp.dir, 'hostile-sni.pcap');
    writeFileSync(file, bytes);
  });
  afterAll(() => tmp.done());

  test('the analysis keeps the raw name (so the test can fail)', async () => {
    const a = await analysis(file);
    expect(a.connections[0]!.tls!.sni).toBe(HOSTILE);
  });

  test('TUI: table, destinations and detail show no control character', async () => {
    const a = await analysis(file);
    for (const columns of [80, 120]) {
      const s = renderApp({ title: file, load: async () => a }, { columns, rows: 60 });
      try {
        const frames: string[] = [];
        frames.push(await s.waitFor('sort: setup'));
        await s.press(KEY.enter);
        frames.push(linearDetail(await s.waitFor('tcp.stream eq 0')));
        await s.press(KEY.escape, KEY.tab);
        frames.push(await s.waitFor('pool saves'));
        await s.press(KEY.tab);
        frames.push(await s.waitFor('avoided'));
        for (const f of s.stdout.frames.concat(frames)) expect(CONTROL.test(f)).toBe(false);
        // The name is shown, defused: each sequence became one '?'.
        expect(frames[1]).toMatch(/^SNI\s+\?\?\?$/m);
        expect(frames[2]).toContain('???:443');
      } finally {
        s.unmount();
      }
    }
  });

  test('text report shows no control character', async () => {
    const a = await analysis(file);
    const text = formatTextReport(a, { width: 120 });
    expect(CONTROL.test(text.replace(/\n/g, ''))).toBe(false);
    expect(text).toContain('???:443');
  });
});
