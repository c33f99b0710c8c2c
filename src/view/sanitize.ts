/**
 * Make text that came from a capture (SNI, ALPN, certificate names, payload
 * text, file names) safe to print on a terminal.
 *
 * The rule, so that a hostile capture can neither move the cursor, change
 * colours, set the window title nor reorder the text around it:
 *  - every escape sequence, 7-bit (ESC ...) or 8-bit (C1 introducer), is
 *    replaced as a whole by one '?': CSI (ESC [ / U+009B) up to its final byte,
 *    OSC (ESC ] / U+009D), DCS (ESC P / U+0090), SOS (ESC X / U+0098),
 *    PM (ESC ^ / U+009E) and APC (ESC _ / U+009F) up to their terminator
 *    (BEL, ESC \ or U+009C) or, when unterminated, to the end of the string,
 *    and two-character sequences (ESC followed by any character);
 *  - every other C0 control (U+0000-U+001F, tab and newlines included, as
 *    they would break a table row), DEL (U+007F), C1 control (U+0080-U+009F),
 *    bidirectional control (U+061C, U+200E, U+200F, U+202A-U+202E,
 *    U+2066-U+2069), line/paragraph separator (U+2028, U+2029) and lone
 *    surrogate becomes one '?'.
 * Everything else is kept as is, so a clean string comes back unchanged
 * (and identical: `sanitize(s) === s`).
 */

// Fast check: is there anything to do at all?
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/;

const ESC = 0x1b;
const BEL = 0x07;
const ST8 = 0x9c;

function isStringIntroducer(c: number): boolean {
  // OSC, DCS, SOS, PM, APC (8-bit forms)
  return c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f;
}

/** Index just past a control string (OSC/DCS/SOS/PM/APC body) starting at i. */
function skipControlString(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === BEL || c === ST8) return i + 1;
    // ESC \ (ST) ends it; another ESC aborts it and starts a new sequence.
    if (c === ESC) return s.charCodeAt(i + 1) === 0x5c ? i + 2 : i;
    i++;
  }
  return i;
}

/** Index just past a CSI body starting at i (parameters, intermediates, final byte). */
function skipCsi(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 0x40 && c <= 0x7e) return i + 1; // final byte
    // Parameter (0x30-0x3f) and intermediate (0x20-0x2f) bytes continue it; anything
    // else makes it malformed: it ends here and the character is looked at again.
    if (c < 0x20 || c > 0x3f) return i;
    i++;
  }
  return i;
}

function isUnsafeChar(c: number): boolean {
  return (
    c <= 0x1f ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0x061c ||
    c === 0x200e ||
    c === 0x200f ||
    (c >= 0x2028 && c <= 0x202e) ||
    (c >= 0x2066 && c <= 0x2069)
  );
}

export function sanitize(s: string): string {
  if (!UNSAFE.test(s)) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === ESC) {
      const n = s.charCodeAt(i + 1);
      if (Number.isNaN(n)) i += 1;
      else if (n === 0x5b /* [ */) i = skipCsi(s, i + 2);
      else if (n === 0x5d || n === 0x50 || n === 0x58 || n === 0x5e || n === 0x5f) i = skipControlString(s, i + 2);
      else if (n >= 0xd800 && n <= 0xdbff) i += 1; // do not split a surrogate pair
      else i += 2;
      out += '?';
    } else if (c === 0x9b) {
      i = skipCsi(s, i + 1);
      out += '?';
    } else if (isStringIntroducer(c)) {
      i = skipControlString(s, i + 1);
      out += '?';
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (n >= 0xdc00 && n <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i += 2;
      } else {
        out += '?';
        i += 1;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '?';
      i += 1;
    } else if (isUnsafeChar(c)) {
      out += '?';
      i += 1;
    } else {
      // copy the run of safe characters at once
      let j = i + 1;
      while (j < s.length) {
        const d = s.charCodeAt(j);
        if (d === ESC || isUnsafeChar(d) || (d >= 0xd800 && d <= 0xdfff)) break;
        j++;
      }
      out += s.slice(i, j);
      i = j;
    }
  }
  return out;
}

/** sanitize() for a value that may be null/undefined ('' then). */
export function safe(s: string | null | undefined): string {
  return s == null ? '' : sanitize(s);
}
