/** Pure view helpers: formatting, column layout, waterfall geometry, scrolling, progress. */
import {
  fmtBytes,
  fmtDuration,
  fmtInt,
  fmtMs,
  fmtPct,
  fit,
  layoutColumns,
  truncate,
  wrap,
  displayWidth,
  type Column,
} from '../../src/view/format.js';
import {
  bar,
  filterConnections,
  nextSortKey,
  progressInfo,
  progressLine,
  sortConnections,
  SORT_KEYS,
  waterfall,
} from '../../src/view/model.js';
import { colorEnabled, moveSelection, scrollOffset } from '../../src/ui/model.js';
import { analysis, fixture } from './fixtures.js';

describe('number formatting', () => {
  test('ms, durations, shares, bytes, integers', () => {
    expect([0.254, 12.34, 152.44, 1523.2, 12_500, 125_000].map(fmtMs)).toEqual(['0.25', '12.3', '152.4', '1523', '12.5s', '125s']);
    expect(fmtMs(null)).toBe('-');
    expect([0, 0.85, 12.34, 152, 1523, 12_345, 192_000, 7_500_000].map(fmtDuration)).toEqual([
      '0ms', '850us', '12.3ms', '152ms', '1.52s', '12.3s', '3m12s', '2h05m',
    ]);
    expect([0, 0.0312, 0.999, 1].map(fmtPct)).toEqual(['0.0%', '3.1%', '99.9%', '100%']);
    expect([512, 1536, 1024 ** 3 * 1.07].map(fmtBytes)).toEqual(['512 B', '1.50 KiB', '1.07 GiB']);
    expect([0, 999, 1000, 1234567, -4321].map(fmtInt)).toEqual(['0', '999', '1,000', '1,234,567', '-4,321']);
  });

  test('width: wide characters count 2; truncate and fit respect it', () => {
    expect(displayWidth('日本.example')).toBe(12);
    expect(truncate('abcdefgh', 5)).toBe('abcd…');
    expect(truncate('日本語のドメイン', 7)).toBe('日本語…');
    expect(fit('ab', 5, 'right')).toBe('   ab');
    expect(fit('abcdef', 4)).toBe('abc…');
  });

  test('wrap keeps words, indents continuation lines, cuts long words', () => {
    expect(wrap('one two three four', 9, '  ')).toEqual(['one two', '  three', '  four']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});

describe('layoutColumns', () => {
  const cols: Column<string>[] = [
    { key: 'a', title: 'A', align: 'left', min: 4, max: 20, priority: 100, cell: (r) => r },
    { key: 'b', title: 'B', align: 'right', min: 6, priority: 10, cell: () => 'b' },
    { key: 'c', title: 'C', align: 'right', min: 6, priority: 50, cell: () => 'c' },
  ];
  test('drops the lowest priority first, keeps the order', () => {
    expect(layoutColumns(cols, 18).map((c) => c.key)).toEqual(['a', 'b', 'c']);
    expect(layoutColumns(cols, 17).map((c) => c.key)).toEqual(['a', 'c']);
    expect(layoutColumns(cols, 10).map((c) => c.key)).toEqual(['a']);
  });
  test('spare width grows text columns up to their max, or to their widest cell', () => {
    expect(layoutColumns(cols, 40).find((c) => c.key === 'a')!.width).toBe(20);
    expect(layoutColumns(cols, 40, ['short', 'a bit longer']).find((c) => c.key === 'a')!.width).toBe(12);
  });
});

describe('view model on real connections', () => {
  test('waterfall of zeek-tls12-basic: phases in order, bars inside the width', async () => {
    const c = (await analysis(fixture('zeek-tls12-basic.pcap'))).connections[0]!;
    const w = waterfall(c, 50);
    expect(w.map((p) => p.name)).toEqual(['TCP handshake', 'client think time', 'TLS handshake', 'waiting for first data', 'data', 'teardown']);
    expect(w[0]!.startMs).toBe(0);
    expect(w[0]!.durationMs).toBeCloseTo(c.tcp!.handshakeMs!, 9);
    // The gap between the handshake's ACK and the ClientHello: the client's own time.
    const ack = c.events.find((e) => e.type === 'ACK')!;
    const hello = c.events.find((e) => e.type === 'ClientHello')!;
    expect(w[1]!.durationMs).toBeCloseTo((hello.time - ack.time) * 1000, 3);
    expect(w[2]!.durationMs).toBeCloseTo(c.tls!.handshakeMs!, 9);
    expect(w[5]!.endMs).toBeCloseTo(c.lifetimeMs, 9);
    for (const p of w) {
      expect(p.barLength).toBeGreaterThanOrEqual(1);
      expect(p.barOffset + p.barLength).toBeLessThanOrEqual(50);
    }
    // bars are proportional: the long wait for data takes most of the width
    expect(w[3]!.barLength).toBeGreaterThan(40);
    expect(bar(2, 3, 8)).toBe('  ███   ');
  });

  test('sorting: every key orders largest first, unknown last; id ascending', async () => {
    const conns = (await analysis(fixture('ndpi-pcapng-3if-anydesk-tls.pcapng'))).connections;
    expect(conns.length).toBeGreaterThan(2);
    let k = SORT_KEYS[0]!;
    for (let i = 0; i < SORT_KEYS.length; i++, k = nextSortKey(k)) {
      const sorted = sortConnections(conns, k);
      expect(sorted).toHaveLength(conns.length);
      if (k === 'id') expect(sorted.map((c) => c.id)).toEqual(conns.map((c) => c.id).sort((a, b) => a - b));
    }
    expect(nextSortKey('id')).toBe('setup');
    const bySetup = sortConnections(conns, 'setup').map((c) => c.setup.ms);
    const known = bySetup.filter((v) => v !== null) as number[];
    expect(bySetup.slice(0, known.length)).toEqual(known);
  });

  test('filter: all terms must match, case-insensitive', async () => {
    const conns = (await analysis(fixture('suricata-ipv6-tls13.pcap'))).connections;
    expect(filterConnections(conns, 'GOOGLE').length).toBe(2);
    expect(filterConnections(conns, 'dns.google').map((c) => c.tls?.sni)).toEqual(['dns.google']);
    expect(filterConnections(conns, 'google complete').map((c) => c.state)).toEqual(['complete']);
    expect(filterConnections(conns, '')).toHaveLength(2);
  });
});

describe('scrolling and progress', () => {
  test('scrollOffset keeps the selection in the window', () => {
    expect(scrollOffset(0, 0, 10, 100)).toBe(0);
    expect(scrollOffset(15, 0, 10, 100)).toBe(6);
    expect(scrollOffset(3, 6, 10, 100)).toBe(3);
    expect(scrollOffset(99, 0, 10, 100)).toBe(90);
    expect(moveSelection(5, -10, 100)).toBe(0);
    expect(moveSelection(5, 1000, 100)).toBe(99);
  });

  test('progress: fraction, rate and time left; none for an unknown size', () => {
    const p = progressInfo({ bytesRead: 256, totalBytes: 1024, frames: 10 }, 2000);
    expect(p).toEqual({ fraction: 0.25, bytesRead: 256, totalBytes: 1024, frames: 10, bytesPerSec: 128, framesPerSec: 5, etaSec: 6 });
    expect(progressLine(p, 100)).toMatch(/^\[#+\.+\]  25\.0%  256 B \/ 1\.00 KiB  10 frames  128 B\/s, 5 frames\/s  6s left$/);
    const s = progressInfo({ bytesRead: 2048, frames: 3 }, 1000);
    expect(s.fraction).toBeNull();
    expect(s.etaSec).toBeNull();
    expect(progressLine(s, 80)).toBe('reading: 2.00 KiB, 3 frames  2.00 KiB/s, 3 frames/s');
  });

  test('NO_COLOR set (non-empty) turns colour off', () => {
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({})).toBe(true);
  });
});
