import path from 'node:path';
import { analyzeFile } from '../../src/analyze.js';
import { displayWidth } from '../../src/view/format.js';
import { formatPoolReport, wrap } from '../../src/output/pool-text.js';
import { destinations, simulatePool } from '../../src/report/index.js';
import { rec } from '../report/records.js';

const fixture = (f: string) => path.resolve(process.cwd(), 'fixtures', f);

describe('formatPoolReport', () => {
  test('one keep-alive HTTP connection closed by the client after ~27 s idle (zeek pipelined fixture)', async () => {
    // tshark: one TCP conversation 192.168.1.104 <-> 63.245.209.11:80; last payload frame 45 at
    // 1258577885.406905, client FIN frame 47 at 1258577912.397670: 26.99 s idle before the close.
    const a = await analyzeFile(fixture('zeek-http-pipelined-keepalive.pcap'));
    const report = simulatePool(a.connections);
    const text = formatPoolReport(report, destinations(a.connections), { width: 100 });
    const lines = text.split('\n');
    expect(lines[0]).toBe("Keep-alive pool simulation: idle timeout 60.0s, pool size the observed peak concurrency per");
    const header = lines.findIndex((l) => l.startsWith('DESTINATION'));
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toMatch(/^63\.245\.209\.11:80 +1 +1 +1 +\S+ +0 +0\.00 +0\.0% .* will-not-help$/);
    expect(lines[header + 2]).toMatch(/^TOTAL +1 /);
    expect(text).toContain('Overall: will-not-help. Connection pooling would not help: the capture holds a single connection,');
    expect(text.replace(/\s+/g, ' ')).toContain(
      '- 63.245.209.11:80: will-not-help. Only one connection to 63.245.209.11:80 was seen; setup took',
    );
    expect(text.replace(/\s+/g, ' ')).toContain('The client closed 1 idle connection itself, after 27.0 s without data.');
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(100);
  });

  test('five destinations with one connection each (anydesk fixture, 5 tshark conversations)', async () => {
    const a = await analyzeFile(fixture('ndpi-pcapng-3if-anydesk-tls.pcapng'));
    const report = simulatePool(a.connections);
    const text = formatPoolReport(report, destinations(a.connections), { width: 80 });
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Of the 5 destinations, 5 had a single connection.');
    for (const key of ['192.168.1.187:7070', '51.83.238.219:80', '195.181.174.176:443', '192.168.1.178:7070', '51.83.239.144:80']) {
      expect(text).toMatch(new RegExp(`^${key.replace(/\./g, '\\.')} `, 'm'));
      expect(text).toContain(`- ${key}: will-not-help.`);
    }
    for (const l of text.split('\n')) expect(displayWidth(l)).toBeLessThanOrEqual(80);
    // Narrow terminals drop low-priority columns, never the verdict.
    const narrow = formatPoolReport(report, destinations(a.connections), { width: 50 });
    const head = narrow.split('\n').find((l) => l.startsWith('DESTINATION'))!;
    expect(head).toContain('VERDICT');
    expect(head).not.toContain('CERTS');
    for (const l of narrow.split('\n')) expect(displayWidth(l)).toBeLessThanOrEqual(50);
  });

  test('pool verdict with savings, and hostile SNI text is neutralised', () => {
    const T0 = 1_700_000_000;
    const sni = 'evil\u001b[2J\u001b]0;title\u0007.test';
    const conns = [0, 1, 2].map((o) => rec({ start: T0 + o, end: T0 + o + 0.2, setupMs: 40, sni, setupBytes: 6000, certBytes: 3000 }));
    const report = simulatePool(conns);
    const text = formatPoolReport(report, destinations(conns), { width: 140 });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('evil??.test:443');
    const row = text.split('\n').find((l) => l.startsWith('evil'))!;
    // 3 connections, peak 1, pool 1, 120 ms setup, 2 avoided, 80 ms saved = 13.3 % of 600 ms.
    expect(row).toMatch(/^evil\?\?\.test:443 +3 +1 +1 +120\.0 +2 +80\.0 +13\.3% +4 +11\.7 KiB +5\.86 KiB +- pool$/);
    expect(text).toContain('Overall: pool. Connection pooling would help');
  });
});

test('number columns grow to what they hold: 12,000 connections open at once, counted whole', () => {
  const T0 = 1_700_000_000;
  // 12,000 connections all open together (peak and pool 12,000), then 12,000 more that reuse them.
  const conns = Array.from({ length: 24_000 }, (_, i) =>
    rec({ id: i, start: T0 + (i < 12_000 ? 0 : 2), end: T0 + (i < 12_000 ? 1 : 3), setupMs: 10, sni: 'big.test' }),
  );
  const report = simulatePool(conns);
  // 100 cells (the width when not on a terminal): the room goes to the columns whose numbers need it.
  const text = formatPoolReport(report, destinations(conns), { width: 100 });
  const row = text.split('\n').find((l) => l.startsWith('big.test'))!;
  const total = text.split('\n').find((l) => l.startsWith('TOTAL'))!;
  // 24,000 connections, peak and pool 12,000, 240 s of setup, 12,000 avoided saving 120 s and 24,000 round trips.
  expect(row).toMatch(/^big\.test:443 +24,000 +12,000 +12,000 +240s +12,000 +120s +\S+ +24,000 /);
  expect(total).toMatch(/^TOTAL +24,000 /);
  expect(text).not.toContain('…');
});

test('wrap keeps a unit with its number', () => {
  expect(wrap('saved 62.1 ms (76.1 % of time) after 5.00 s.', 14, '', '  ')).toEqual(['saved 62.1 ms', '  (76.1 % of', '  time) after', '  5.00 s.']);
});
