/**
 * The tshark-derived metrics expectations (test/golden/<fixture>/metrics.json,
 * written by scripts/make-metrics-golden.mjs by its written rules) for tests
 * that need an independent value of a headline number.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface ExpectedMetrics {
  stream: number;
  tls: null | {
    handshakeMs: number | null;
    handshakeEndInferred: boolean;
    certificateBytes: number | null;
    certificateCount: number | null;
    versionsOffered: number[];
    keyShareGroupsOffered: number[];
    alpnOffered: string[];
  };
  setup: { ms: number | null; roundTrips: number; bytes: number; packets: number; certificateBytes: number | null; endFrame: number | null };
  firstDataMs: { client: number | null; server: number | null };
  lifetimeMs: number;
  teardown: { initiator: 'client' | 'server' | null; by: 'FIN' | 'RST' | null; ms: number | null };
  state: string;
}

/** One per tcp.stream, in stream order. `fixture` is a file name in fixtures/. */
export function expectedMetrics(fixture: string): ExpectedMetrics[] {
  const file = path.resolve(process.cwd(), 'test/golden', path.basename(fixture), 'metrics.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { streams: ExpectedMetrics[] }).streams;
}
