/**
 * The connections filter (issue 10): what the table shows is what matches.
 * A query is whitespace-separated terms, all of which must match:
 * - `field:value`: port:443 (either end's port), sni:, state:, version: (or
 *   ver:; '1.3', 'tls1.3' and 'TLS 1.3' alike), alpn:, ip: (either address),
 *   id:, mark: (the table's marks, e.g. mark:R); finding: terms are matched
 *   by view/findings.ts (filterConnections splits them off);
 * - `:443`: port 443 exactly (not 44312);
 * - a comparison `field OP number` with OP one of > >= < <= = and field one of
 *   setup, tcp, tls, life (ms), rtt (round trips), share (setup %), id, port;
 * - anything else: a piece of the row's text (addresses, SNI, state, version
 *   as 'tls 1.2' and 'tls1.2', ALPN, 'resumed', '#id'), case-insensitive.
 */
import type { ConnRow } from '../report/rows.js';
import { connectionMarks } from './marks.js';
import { sanitize } from './sanitize.js';
import { SORT_KEYS, sortValue, type SortKey } from './values.js';

type Test = (c: ConnRow) => boolean;

const squash = (s: string): string => s.toLowerCase().replace(/\s+/g, '');
/** '1.3', 'tls1.3', 'TLS 1.3' -> 'tls1.3'-comparable text. */
const versionText = (c: ConnRow): string => (c.tls ? squash(c.tls.version ?? 'tls?') : 'tcp');

/** A field of a numeric comparison (`setup>100`): the sort values, `life` for lifetime, share in percent. */
function numberOf(c: ConnRow, field: string): number | null {
  const key = field === 'life' ? 'lifetime' : field;
  if (!(SORT_KEYS as readonly string[]).includes(key)) return null;
  const v = sortValue(c, key as SortKey);
  return key === 'share' && v !== null ? v * 100 : v;
}

const COMPARE = /^(setup|tcp|tls|life|lifetime|rtt|share|id|port)(>=|<=|>|<|=)(-?\d+(?:\.\d+)?)$/;

function compare(v: number, op: string, n: number): boolean {
  switch (op) {
    case '>':
      return v > n;
    case '>=':
      return v >= n;
    case '<':
      return v < n;
    case '<=':
      return v <= n;
    default:
      return v === n;
  }
}

/** The text a plain term is looked for in. */
export function filterText(c: ConnRow): string {
  const ep = (e: { ip: string; port: number }) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
  return sanitize(
    [
      c.transport === 'quic' ? `#q${c.id} quic` : `#${c.id}`,
      ep(c.client),
      ep(c.server),
      c.state,
      c.midstream ? 'midstream' : '',
      c.tls?.sni ?? '',
      c.tls?.version ?? (c.tls ? 'tls' : 'tcp'),
      versionText(c),
      c.tls?.alpn ?? '',
      c.tls?.resumed ? 'resumed' : '',
    ].join(' '),
  ).toLowerCase();
}

function term(t: string): Test {
  const cmp = COMPARE.exec(t);
  if (cmp) {
    const [, field, op, num] = cmp;
    const n = Number(num);
    if (field === 'port') return (c) => compare(c.server.port, op, n) || compare(c.client.port, op, n);
    return (c) => {
      const v = numberOf(c, field);
      return v !== null && compare(v, op, n);
    };
  }
  const port = /^:(\d+)$/.exec(t);
  if (port) return (c) => c.server.port === Number(port[1]) || c.client.port === Number(port[1]);
  const fv = /^([a-z]+):(.+)$/.exec(t);
  if (fv) {
    const [, field, value] = fv;
    switch (field) {
      case 'port':
        return (c) => String(c.server.port) === value || String(c.client.port) === value;
      case 'sni':
        return (c) => sanitize(c.tls?.sni ?? '').toLowerCase().includes(value);
      case 'state':
        return (c) => c.state.startsWith(value);
      case 'version':
      case 'ver': {
        const v = squash(value).replace(/^(tls|ssl)/, '');
        return (c) => versionText(c).replace(/^(tls|ssl)/, '').startsWith(v) || versionText(c) === squash(value);
      }
      case 'alpn':
        return (c) => sanitize(c.tls?.alpn ?? '').toLowerCase().includes(value);
      case 'ip':
        return (c) => c.client.ip.toLowerCase().includes(value) || c.server.ip.toLowerCase().includes(value);
      case 'id':
        return (c) => String(c.id) === value;
      case 'mark':
        return (c) => connectionMarks(c).toLowerCase().includes(value);
      default:
        break; // not a field: plain text (an IPv6 address, 'host:port')
    }
  }
  const squashed = squash(t);
  return (c) => {
    const text = filterText(c);
    return text.includes(t) || text.replace(/\s+/g, '').includes(squashed);
  };
}

/** A predicate for `query` (see the file comment); an empty query matches everything. */
export function connectionQuery(query: string): Test {
  // 'TLS 1.2' typed with a space: join a version word with the number after it.
  const q = query.toLowerCase().replace(/\b(tls|ssl)\s+(\d)/g, '$1$2');
  const tests = q.split(/\s+/).filter(Boolean).map(term);
  return (c) => tests.every((t) => t(c));
}
