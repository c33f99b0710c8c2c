/**
 * Builds ConnectionRecord objects for the pure-arithmetic tests (percentiles,
 * the pool simulation's edge cases). Real-capture tests live in *.fixtures.test.ts.
 */
import type { ConnectionRecord } from '../../src/timeline/types.js';

export interface Spec {
  id?: number;
  start: number;
  end: number;
  setupMs?: number | null;
  roundTrips?: number;
  setupBytes?: number;
  certBytes?: number;
  sni?: string | null;
  serverIp?: string;
  port?: number;
  midstream?: boolean;
  resumed?: boolean;
  tls?: boolean;
  teardown?: Partial<ConnectionRecord['teardown']>;
  findings?: ConnectionRecord['findings'];
}

let nextId = 0;

export function rec(s: Spec): ConnectionRecord {
  const id = s.id ?? nextId++;
  const setupMs = s.setupMs === undefined ? 10 : s.setupMs;
  const tls = s.tls ?? true;
  const lifetimeMs = (s.end - s.start) * 1000;
  return {
    id,
    transport: 'tcp',
    client: { ip: '10.0.0.1', port: 40000 + id },
    server: { ip: s.serverIp ?? '10.0.0.2', port: s.port ?? 443 },
    midstream: s.midstream ?? false,
    state: s.midstream ? 'midstream' : 'complete',
    resetBy: null,
    firstFrame: 1,
    lastFrame: 2,
    start: s.start,
    end: s.end,
    packets: 10,
    bytes: 1000,
    events: s.midstream ? [] : [{ type: 'SYN', from: 'client', frame: 1, firstFrame: 1, time: s.start, bytes: 0 }],
    tcp: {
      synRetransmits: 0,
      synAckRetransmits: 0,
      synRetransmitOffsetsMs: [],
      handshakeMs: s.midstream ? null : 1,
      initialRttMs: s.midstream ? null : 1,
      mss: {},
      retransmissions: 0,
      outOfOrder: 0,
      missingBytes: 0,
    },
    tls: tls
      ? {
          version: 'TLS 1.3',
          versionCode: 0x0304,
          cipherSuite: 0x1301,
          cipherName: 'TLS_AES_128_GCM_SHA256',
          sni: s.sni === undefined ? 'example.test' : s.sni,
          alpnOffered: [],
          versionsOffered: [0x0304],
          keyShareGroupsOffered: [29],
          keyShareGroup: 29,
          alpn: null,
          resumed: s.resumed ?? false,
          resumption: s.resumed ? 'psk' : null,
          earlyData: false,
          helloRetry: false,
          alerts: [],
          certificateBytes: s.certBytes ?? 0,
          certificateCount: 0,
          handshakeMs: setupMs,
          handshakeEndInferred: false,
          firstApplicationDataRecord: { client: null, server: null },
          startTls: false,
        }
      : null,
    setup: {
      ms: setupMs,
      roundTrips: s.roundTrips ?? 2,
      bytes: s.setupBytes ?? 5000,
      packets: 8,
      certificateBytes: s.certBytes ?? 0,
      endFrame: setupMs === null ? null : 2,
    },
    firstDataMs: { client: null, server: null },
    lifetimeMs,
    setupShare: setupMs !== null && lifetimeMs > 0 ? setupMs / lifetimeMs : null,
    teardown: { initiator: 'client', by: 'FIN', ms: 0, idleBeforeSec: 0, ...s.teardown },
    problems: [],
    oneSided: null,
    findings: s.findings ?? [],
  };
}
