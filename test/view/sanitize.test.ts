import { sanitize, safe } from '../../src/view/sanitize.js';

// Any terminal control left in a string: C0 (incl. ESC), DEL, C1, bidi controls, separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

describe('sanitize', () => {
  test('clean text comes back unchanged (same string)', () => {
    for (const s of ['', 'example.com', 'xn--bcher-kva.example', 'bücher.example', '日本.example', '[2001:db8::1]:443', 'h2,http/1.1', '😀.example']) {
      expect(sanitize(s)).toBe(s);
    }
  });

  test('CSI sequences (colour, cursor moves, erase) become one ?', () => {
    expect(sanitize('a\x1b[31mred\x1b[0m')).toBe('a?red?');
    expect(sanitize('\x1b[2J\x1b[H')).toBe('??');
    expect(sanitize('x\x1b[10;20Hy')).toBe('x?y');
    expect(sanitize('x\x1b[?25ly')).toBe('x?y'); // hide cursor (private parameter)
  });

  test('OSC window title, terminated by BEL or ST, and hyperlinks', () => {
    expect(sanitize('a\x1b]0;pwned\x07b')).toBe('a?b');
    expect(sanitize('a\x1b]2;pwned\x1b\\b')).toBe('a?b');
    expect(sanitize('\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\')).toBe('?link?');
  });

  test('unterminated OSC/DCS swallow the rest (a terminal would too)', () => {
    expect(sanitize('ok\x1b]0;title without end')).toBe('ok?');
    expect(sanitize('ok\x1bP1$qm')).toBe('ok?');
  });

  test('DCS, SOS, PM, APC and two-character escapes', () => {
    expect(sanitize('a\x1bPq#0\x1b\\b')).toBe('a?b');
    expect(sanitize('a\x1b_apc\x1b\\b')).toBe('a?b');
    expect(sanitize('a\x1b^pm\x07b')).toBe('a?b');
    expect(sanitize('a\x1bXsos\x1b\\b')).toBe('a?b');
    expect(sanitize('a\x1bcb')).toBe('a?b'); // RIS: full reset
    expect(sanitize('a\x1b7b\x1b8')).toBe('a?b?'); // save/restore cursor
    expect(sanitize('end\x1b')).toBe('end?');
  });

  test('8-bit C1 introducers: CSI U+009B, OSC U+009D ... ST U+009C', () => {
    expect(sanitize('a\u009b31mb')).toBe('a?b');
    expect(sanitize('a\u009d0;t\u009cb')).toBe('a?b');
    expect(sanitize('a\u0085b')).toBe('a?b'); // NEL
  });

  test('other controls: NUL, BEL, BS, CR, LF, TAB, DEL each become ?', () => {
    expect(sanitize('a\x00b\x07c\x08d\re\nf\tg\x7fh')).toBe('a?b?c?d?e?f?g?h');
  });

  test('bidi overrides and isolates, line separators, lone surrogates', () => {
    expect(sanitize('abc\u202Egpj.exe')).toBe('abc?gpj.exe');
    expect(sanitize('\u2066x\u2069\u200f\u061c')).toBe('?x???');
    expect(sanitize('a\u2028b\u2029c')).toBe('a?b?c');
    expect(sanitize('a\ud800b\udc00c')).toBe('a?b?c');
  });

  test('the result never contains a control character (all single code units)', () => {
    const leaks: number[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const out = sanitize(`x${String.fromCharCode(c)}y`);
      if (CONTROL.test(out)) leaks.push(c);
    }
    expect(leaks).toEqual([]);
  });

  test('a malformed CSI ends at the first byte that cannot belong to it', () => {
    expect(sanitize('a\x1b[12\x1b[31mb')).toBe('a??b');
    expect(sanitize('a\x1b[1;2')).toBe('a?');
  });

  test('safe() maps null/undefined to the empty string', () => {
    expect(safe(null)).toBe('');
    expect(safe(undefined)).toBe('');
    expect(safe('\x1b[1mx')).toBe('?x');
  });
});
