/**
 * Name tables checked against Wireshark's own value strings (`tshark -G values`),
 * which follow the IANA registries.
 */
import { alertName, cipherSuiteName, tlsVersionName } from '../../src/tls/index.js';
import { knownCipherSuites } from '../../src/tls/names.js';
import { tshark } from './streams.js';

function values(field: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of tshark(['-G', 'values']).split('\n')) {
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
  test('unknown codes are 4-digit lower-case hex', () => {
    expect(tlsVersionName(0xfb1b)).toBe('0xfb1b');
    expect(tlsVersionName(0x0a0a)).toBe('0x0a0a');
  });
});
