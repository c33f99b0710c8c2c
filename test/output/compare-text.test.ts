import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { formatComparison } from '../../src/output/compare-text.js';
import { displayWidth } from '../../src/view/format.js';
import { compareAnalyses } from '../../src/report/index.js';
import type { Analysis } from '../../src/report/index.js';
import { rec } from '../report/records.js';

const fixture = (f: string) => path.resolve(process.cwd(), 'fixtures', f);

describe('formatComparison', () => {
  test('two real captures: totals block and one line per destination', async () => {
    // tshark -z conv,tcp: suricata-ipv6-tls13 has 2 TCP conversations with SNI dns.google and
    // ipv6.google.com (port 443); zeek-tls13-psk-resumption has 1, to 174.138.9.219:443, no SNI.
    const before = await analyzeFile(fixture('suricata-ipv6-tls13.pcap'));
    const after = await analyzeFile(fixture('zeek-tls13-psk-resumption.pcap'));
    const c = compareAnalyses(before, after);
    expect(c.total.connections).toEqual({ before: 2, after: 1, diff: -1, ratio: 0.5 });
    expect(c.total.handshakes).toEqual({ before: 2, after: 1, diff: -1, ratio: 0.5 });
    expect(c.destinations.map((d) => d.key).sort()).toEqual(['174.138.9.219:443', 'dns.google:443', 'ipv6.google.com:443']);
    const text = formatComparison(c, { width: 100 });
    const lines = text.split('\n');
    expect(lines[0]).toBe(`Before: ${fixture('suricata-ipv6-tls13.pcap')}`);
    expect(lines[1]).toBe(`After:  ${fixture('zeek-tls13-psk-resumption.pcap')}`);
    expect(lines).toContain('connections                   2            1  -1 (-50.0%)');
    expect(lines).toContain('handshakes                    2            1  -1 (-50.0%)');
    const setupLine = lines.find((l) => l.startsWith('setup time, total'))!;
    const t = c.total.setupTotalMs;
    expect(setupLine).toContain(`${t.before!.toFixed(1)} ms`);
    expect(setupLine).toContain(`${t.after!.toFixed(1)} ms`);
    expect(lines.find((l) => l.startsWith('setup share'))).toMatch(/ [+-]\d+\.\d pts$/);
    expect(text).toMatch(/^dns\.google:443 +1 -> 0 +1 -> 0 /m);
    expect(text).toMatch(/^174\.138\.9\.219:443 +0 -> 1 +0 -> 1 /m);
    expect(text).toContain('1 fewer handshake after');
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(100);
  });

  test('hostile destination text is neutralised and empty sides print as -', () => {
    const T0 = 1_700_000_000;
    const mk = (file: string, connections: Analysis['connections']): Analysis => ({
      capture: { file, format: 'pcap', frames: 0, start: null, end: null, warnings: [] },
      connections,
    });
    const c = compareAnalyses(
      mk('a\u001b[31m.pcap', [rec({ start: T0, end: T0 + 1, sni: 'x\u009b1m.test', setupMs: 20 })]),
      mk('b.pcap', []),
    );
    const text = formatComparison(c, { width: 120 });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('Before: a?.pcap');
    expect(text).toMatch(/^x\?\.test:443 +1 -> 0 /m);
    expect(text).toMatch(/^setup time, p50 +20\.0 ms +- +-$/m);
  });
});
