/**
 * Name tables checked against Wireshark's own value strings (`tshark -G values`),
 * which follow the IANA registries.
 */
import { alertName, cipherSuiteName, tlsVersionName } from '../../src/tls/index.js';
import { handshakeMessageType, isKnownAlert, isTls13, knownCipherSuites, tls13Draft } from '../../src/tls/names.js';
import { tshark } from './streams.js';

let valueStrings: string | undefined;
function values(field: string): Map<number, string> {
  const m = new Map<number, string>();
  valueStrings ??= tshark(['-G', 'values']);
  for (const line of valueStrings.split('\n')) {
    const cols = line.split('\t');
    if (cols[0] === 'V' && cols[1] === field) m.set(Number(cols[2]), cols[3]);
  }
  return m;
}

describe('cipherSuiteName', () => {
  const ws = values('tls.handshake.ciphersuite');

  test('tshark lists cipher suites', () => {
    expect(ws.size).toBeGreaterThan(300);
  });

  test('every suite in our table has Wireshark\'s (IANA) name', () => {
    const codes = knownCipherSuites();
    expect(codes.length).toBeGreaterThan(120);
    const mismatches = codes
      .filter((c) => ws.get(c) !== cipherSuiteName(c))
      .map((c) => `0x${c.toString(16)}: ours ${cipherSuiteName(c)} tshark ${ws.get(c)}`);
    expect(mismatches).toEqual([]);
  });

  test('covers all TLS 1.3 suites and the common ECDHE/DHE/RSA GCM, CBC and ChaCha20 ones', () => {
    for (const c of [0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca8, 0xcca9,
      0xccaa, 0x009e, 0x009f, 0x009c, 0x009d, 0xc013, 0xc014, 0xc009, 0xc00a, 0x0033, 0x0039, 0x002f, 0x0035,
      0x000a, 0x0004, 0x0005, 0x003c, 0x003d]) {
      expect(cipherSuiteName(c)).not.toBeNull();
    }
  });

  test('unknown suites are null', () => {
    expect(cipherSuiteName(0x0a0a)).toBeNull(); // GREASE
    expect(cipherSuiteName(0xffff)).toBeNull();
  });
});

describe('alertName', () => {
  const ws = values('tls.alert_message.desc');
  test('matches Wireshark\'s descriptions in snake_case', () => {
    const checked: number[] = [];
    for (const [code, label] of ws) {
      if (code === 1 || code === 121) continue; // End of Early Data (draft only), ECH Required (not in RFC 8446)
      expect(alertName(code)).toBe(label.toLowerCase().replace(/ /g, '_'));
      checked.push(code);
    }
    expect(checked.length).toBeGreaterThan(30);
    expect(alertName(40)).toBe('handshake_failure');
  });
  test('unknown descriptions', () => {
    expect(alertName(255)).toBe('alert_255');
  });
  test('isKnownAlert: exactly the descriptions Wireshark names (but its two outside RFC 8446)', () => {
    const known = [...ws.keys()].filter((c) => c !== 1 && c !== 121).sort((a, b) => a - b);
    const ours = Array.from({ length: 256 }, (_, c) => c).filter(isKnownAlert);
    expect(ours).toEqual(known);
  });
});

describe('handshakeMessageType', () => {
  // Wireshark lists SSLv2's types first and TLS's after under the same field: TLS's win.
  const ws = values('tls.handshake.type');
  const squash = (s: string) => s.toLowerCase().replace(/ /g, '');
  test("the types we name have Wireshark's names (without spaces)", () => {
    const named = Array.from({ length: 256 }, (_, c) => c).filter((c) => handshakeMessageType(c) !== 'Unknown');
    // RFC 8446 4 and RFC 5246 7.4, certificate_status of RFC 6066 8, and the drafts' HelloRetryRequest (6).
    expect(named).toEqual([0, 1, 2, 4, 5, 6, 8, 11, 12, 13, 14, 15, 16, 20, 22, 24]);
    for (const c of named) expect(squash(handshakeMessageType(c))).toBe(squash(ws.get(c) as string));
  });
  test('types outside those are Unknown', () => {
    for (const c of [3, 7, 21, 23, 25, 254, 255]) expect(handshakeMessageType(c)).toBe('Unknown');
  });
});

describe('tlsVersionName', () => {
  const ws = values('tls.record.version');
  test('SSL 2.0 .. TLS 1.3 and drafts agree with Wireshark', () => {
    for (const code of [0x0002, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304]) {
      expect(tlsVersionName(code)).toBe(ws.get(code));
    }
    for (let code = 0x7f0e; code <= 0x7f1c; code++) {
      // Wireshark: 'TLS 1.3 (draft 19)'; ours: 'TLS 1.3 draft 19'.
      expect(tlsVersionName(code)).toBe((ws.get(code) as string).replace(/[()]/g, ''));
    }
  });
  test("Facebook fizz's drafts agree with Wireshark", () => {
    for (const code of [0xfb17, 0xfb1a]) {
      // Wireshark: 'TLS 1.3 (Facebook draft 26)'; ours: 'TLS 1.3 Facebook draft 26'.
      expect(tlsVersionName(code)).toBe((ws.get(code) as string).replace(/[()]/g, ''));
    }
  });
  test('isTls13 and tls13Draft: the codes Wireshark names TLS 1.3, with its draft number', () => {
    const codes = [...ws.keys()];
    expect(codes.length).toBeGreaterThan(20);
    for (const code of codes) {
      const name = ws.get(code) as string;
      const draft = /^TLS 1\.3 \((?:Facebook )?draft (\d+)\)$/.exec(name);
      expect({ code, tls13: isTls13(code), draft: tls13Draft(code) }).toEqual({
        code, tls13: name.startsWith('TLS 1.3'), draft: draft ? Number(draft[1]) : null,
      });
    }
  });
  test('drafts are 0x7f00 + draft number (as Wireshark\'s 0x7f0e = draft 14 .. 0x7f1c = draft 28), also those it does not name', () => {
    expect([0x7f00, 0x7f01, 0x7fff].map((c) => [isTls13(c), tls13Draft(c), tlsVersionName(c)])).toEqual([
      [true, 0, 'TLS 1.3 draft 0'], [true, 1, 'TLS 1.3 draft 1'], [true, 255, 'TLS 1.3 draft 255'],
    ]);
    for (const c of [0x7eff, 0x8000, 0xfb16, 0xfb18, 0xfb19, 0xfb1b, 0x17f01, 0x0303]) {
      expect([c, isTls13(c), tls13Draft(c)]).toEqual([c, false, null]);
    }
  });
  test('unknown codes are 4-digit lower-case hex', () => {
    expect(tlsVersionName(0xfb1b)).toBe('0xfb1b');
    expect(tlsVersionName(0x0a0a)).toBe('0x0a0a');
  });
});
