/**
 * The vocabularies of src/timeline/types.ts (its only executable code: constant
 * lists) against where they are documented: the enums of
 * src/output/handshake_lens.proto (EventType, ConnectionState, Transport,
 * Severity; JSON names map to enum names by upper snake case, '-' as '_',
 * with the proto's own comments for '0-RTT' and '1-RTT'), README.md's findings
 * table, and RFC 9293 3.1 for the events TCP itself produces (its control
 * bits SYN, ACK, FIN, RST, and the SYN-ACK answer).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CONNECTION_STATES, EVENT_TYPES, FINDING_CODES, QUIC_EVENT_TYPES, SEVERITIES, TCP_EVENT_TYPES, TRANSPORTS,
} from '../../src/timeline/types.js';

const PROTO = readFileSync(path.resolve('src/output/handshake_lens.proto'), 'utf8');
const README = readFileSync(path.resolve('README.md'), 'utf8');

/** The values of a proto enum, name → number, without the *_UNSPECIFIED zero. */
function protoEnum(name: string): Map<string, number> {
  const m = new RegExp(`^enum ${name} \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(PROTO);
  if (m === null) throw new Error(`no enum ${name} in the proto`);
  const out = new Map<string, number>();
  for (const [, n, v] of m[1].matchAll(/^\s+([A-Z0-9_]+) = (\d+);/gm)) if (Number(v) !== 0) out.set(n, Number(v));
  return out;
}

/** A JSON name as a proto enum name: 'SYN-ACK' → SYN_ACK, 'ClientHello' → CLIENT_HELLO; the proto's comments for 0-RTT / 1-RTT. */
function protoName(json: string): string {
  if (json === '0-RTT') return 'ZERO_RTT';
  if (json === '1-RTT') return 'ONE_RTT';
  return json.replace(/([a-z])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase();
}

test('EVENT_TYPES: exactly the proto\'s EventType values, each once', () => {
  const names = EVENT_TYPES.map(protoName);
  expect(new Set(names).size).toBe(EVENT_TYPES.length);
  expect([...names].sort()).toEqual([...protoEnum('EventType').keys()].sort());
  expect(EVENT_TYPES.every((t) => t.length > 0)).toBe(true);
});

test('QUIC_EVENT_TYPES: the proto\'s QUIC group (21-27: packets and a readable CONNECTION_CLOSE) and HANDSHAKE_DONE (42)', () => {
  const e = protoEnum('EventType');
  const quic = EVENT_TYPES.filter((t) => {
    const n = e.get(protoName(t))!;
    return (n >= 21 && n <= 27) || n === 42;
  });
  expect([...QUIC_EVENT_TYPES].sort()).toEqual([...quic].sort());
  expect(QUIC_EVENT_TYPES.size).toBe(8);
});

test('TCP_EVENT_TYPES: SYN, SYN-ACK, ACK, FIN, RST (RFC 9293 3.1 control bits)', () => {
  expect([...TCP_EVENT_TYPES].sort()).toEqual(['ACK', 'FIN', 'RST', 'SYN', 'SYN-ACK']);
});

test('CONNECTION_STATES: exactly the proto\'s ConnectionState values (lower case, "-" for "_")', () => {
  const want = [...protoEnum('ConnectionState').keys()].map((n) => n.toLowerCase().replace(/_/g, '-'));
  expect([...CONNECTION_STATES].sort()).toEqual(want.sort());
});

test('TRANSPORTS and SEVERITIES: the proto\'s Transport and Severity values, lower case', () => {
  expect([...TRANSPORTS].sort()).toEqual([...protoEnum('Transport').keys()].map((n) => n.toLowerCase()).sort());
  expect([...SEVERITIES].sort()).toEqual([...protoEnum('Severity').keys()].map((n) => n.toLowerCase()).sort());
});

test('FINDING_CODES: the codes of README\'s findings table', () => {
  const from = README.indexOf('| code | severity | when |');
  const table = README.slice(from, README.indexOf('\n\n', from)); // the table alone, to its blank line
  const codes = [...table.matchAll(/^\| `([a-z-]+)` \| (?:info|warn|error) \|/gm)].map((m) => m[1]);
  expect(codes.length).toBeGreaterThan(10);
  expect([...FINDING_CODES].sort()).toEqual([...new Set(codes)].sort());
  expect(new Set(FINDING_CODES).size).toBe(FINDING_CODES.length);
});
