/**
 * The pipeline in one place: capture -> decode -> tcp -> tls -> timeline.
 * One pass, frames pushed synchronously from the reader; state lives only per
 * open connection.
 */
import { readCapture, type LiveReadOptions } from './capture/index.js';
import type { CaptureMeta, CaptureResult, Frame, ReadProgress } from './capture/types.js';
import { PacketDecoder, linkTypeName } from './decode/index.js';
import type { TcpConnection } from './tcp/connection.js';
import { ConnectionTracker, DEFAULT_MAX_OPEN, type TrackerOptions } from './tcp/tracker.js';
import { DEFAULT_HELD_BUDGET } from './tcp/reassembly.js';
import { trackerWarnings } from './tcp/budget-warnings.js';
import { FindingsEngine, type FindingOptions } from './findings/index.js';
import { before, epoch, type Stamp } from './base/stamp.js';
import { buildRecord } from './timeline/build.js';
import { ConnectionReader } from './timeline/reader.js';
import type { ConnectionRecord, Finding } from './timeline/types.js';
import { QuicTracker, type QuicConnection, type QuicTrackerOptions } from './quic/index.js';
import { QuicHandshakeReader } from './timeline/quic-reader.js';
import { buildQuicRecord } from './timeline/quic-build.js';
import { KeySource } from './timeline/keys.js';
import type { KeyLog } from './tls/keylog.js';
import type { Analysis } from './report/types.js';
import { RowStore, type RowView } from './report/rows.js';
import { TopN } from './report/top.js';
import { DEFAULT_MEMORY_MIB } from './base/defaults.js';
import type { LiveConnection, LivePhase, LiveReport } from './report/live.js';

/** Open connections shown in a live snapshot (the most recent ones). */
export const LIVE_OPEN_SHOWN = 2000;

/** Reading a live source (a pipe, a followed file): connections go out while reading. */
export interface LiveOptions {
  /** Wall-clock ms a closed connection waits for late packets before it is finalized (default 500). */
  lingerMs?: number;
  /** Timer period for that check and for the open-connection snapshot, ms (default 200). */
  sweepMs?: number;
  /** Fed with each finished record and, on the timer, the open connections (only when packets came). */
  report?: LiveReport;
  /** Wall clock, ms (default Date.now). */
  clock?: () => number;
}

export interface AnalyzeOptions {
  onProgress?: (p: ReadProgress) => void;
  onMeta?: (meta: CaptureMeta) => void;
  /** Each connection as it is finalized (close order, not id order). */
  onConnection?: (c: ConnectionRecord) => void;
  /** Keep the records in the returned analysis (default true; false for streaming output). */
  keepConnections?: boolean;
  tracker?: TrackerOptions;
  /** QUIC tracker options (open-connection cap, idle timeout, CRYPTO cap). */
  quic?: QuicTrackerOptions;
  /** Stop reading when aborted; what was read is analysed, open connections are marked open. */
  signal?: AbortSignal;
  /** Keep reading at the end of a file given by name until `signal` aborts. */
  follow?: boolean;
  /** Waits before each chunk is read while it returns a promise (ReadOptions.pace: the output's backpressure). */
  pace?: () => Promise<void> | undefined;
  /** A live source: closed connections are finalized within lingerMs of wall-clock time. */
  live?: LiveOptions;
  /** Thresholds of the findings (src/findings/types.ts, DEFAULT_FINDING_OPTIONS). */
  findings?: Partial<FindingOptions>;
  /**
   * TLS secrets to decrypt with (an NSS key log already read: --keylog). The
   * capture's own pcapng Decryption Secrets Blocks are used in any case.
   */
  keyLog?: KeyLog;
  /**
   * Keep a compact row (src/report/rows.ts) of every connection in `rows`
   * instead of whole records: the aggregates cover every connection at a few
   * hundred bytes each. `connections` then holds only the records of
   * `keepTop` (none without it), and `keepConnections` and `keptBytes` do not apply.
   */
  rows?: boolean;
  /** With `rows`: rows kept at most (default from memoryCaps, DEFAULT_MAX_ROWS at 1 GiB); later connections are counted in a warning. */
  maxRows?: number;
  /** With `rows`: the whole records of the first `n` connections by `compare` (the text report's table). */
  keepTop?: { n: number; compare: (a: ConnectionRecord, b: ConnectionRecord) => number };
  /**
   * Late findings (retry findings for a connection already handed to
   * onConnection), for a consumer that patches what it wrote (the JSON
   * document's spill file). Rows and kept records get them in any case.
   */
  onLateFindings?: (id: number, findings: Finding[]) => void;
  /**
   * Estimated heap bytes of kept records (keepConnections) past which later
   * records are no longer kept, only counted in a warning (default
   * DEFAULT_KEPT_BYTES). onConnection still sees every one.
   */
  keptBytes?: number;
  /**
   * Called once when the analysis starts holding many connections at once
   * (MANY_OPEN open, or MANY_KEPT kept records): the CLI then bounds how far
   * V8 grows its heap (src/cli.ts), which it does not do for ordinary captures
   * (it costs CPU for memory they do not need).
   */
  onManyConnections?: () => void;
  /**
   * The memory ceiling, MiB, the default caps are sized for (default
   * DEFAULT_MEMORY_MIB): open connections, bytes held ahead of holes and kept
   * records scale with it (memoryCaps). `tracker` and `keptBytes` given
   * explicitly win.
   */
  memoryMiB?: number;
}

/** The memory ceiling the default caps are sized for (issue 15: 1 GiB for any input). */
export { DEFAULT_MEMORY_MIB };

/** The caps that grow with memory, for a ceiling of `mib` MiB. */
export interface MemoryCaps {
  /** TrackerOptions.maxOpenConnections (DEFAULT_MAX_OPEN at 1 GiB). */
  maxOpenConnections: number;
  /** TrackerOptions.heldBudgetBytes (DEFAULT_HELD_BUDGET at 1 GiB). */
  heldBudgetBytes: number;
  /** AnalyzeOptions.keptBytes (DEFAULT_KEPT_BYTES at 1 GiB). */
  keptBytes: number;
  /** AnalyzeOptions.maxRows (DEFAULT_MAX_ROWS at 1 GiB). */
  maxRows: number;
}

/**
 * The caps in proportion to a memory ceiling of `mib` MiB: the defaults are
 * those of DEFAULT_MEMORY_MIB (1,024), and each scales linearly (at least 1
 * open connection and 1 MiB of each byte budget). 100,000 open connections in
 * the middle of a TLS handshake peak near 900 MiB at the default.
 */
export function memoryCaps(mib: number): MemoryCaps {
  const f = mib / DEFAULT_MEMORY_MIB;
  const bytes = (b: number): number => Math.max(1 << 20, Math.round(b * f));
  return {
    maxOpenConnections: Math.max(1, Math.round(DEFAULT_MAX_OPEN * f)),
    heldBudgetBytes: bytes(DEFAULT_HELD_BUDGET),
    keptBytes: bytes(DEFAULT_KEPT_BYTES),
    maxRows: Math.max(1, Math.round(DEFAULT_MAX_ROWS * f)),
  };
}

/**
 * Rows kept for the reports (AnalyzeOptions.rows) at the 1 GiB ceiling: ~235–280 B
 * each (with findings), so 1,500,000 take ~400 MB beside the tracker's 100,000 open
 * connections. 2,000,000 unanswered SYNs with every row kept peaked at 1,051 MiB,
 * past the ceiling; without a bound, a capture of tens of millions of connections
 * would meet V8's heap limit. Past it a connection is still written (JSON document,
 * NDJSON, protobuf) but not counted in the aggregates, and a warning says how many.
 */
export const DEFAULT_MAX_ROWS = 1_500_000;

/**
 * Bound on the whole records kept until the end (keepConnections: today the
 * terminal UI only, which shows any record's detail): the 2,000,000 unanswered
 * SYNs of issue 15 kept 1.7 GB of records and peaked at 4.2 GB RSS, at the
 * edge of V8's 4 GiB heap. The text report, JSON document, pool and compare
 * keep rows of every connection instead (AnalyzeOptions.rows: no bound needed,
 * ~235 B each); NDJSON and protobuf stream every record.
 */
export const DEFAULT_KEPT_BYTES = 256 * 1024 * 1024;
/** Open connections (TCP and QUIC) from which onManyConnections is called. */
export const MANY_OPEN = 20_000;
/** Kept records from which onManyConnections is called. */
export const MANY_KEPT = 50_000;

/**
 * Rough heap bytes of a kept record, from measurements on Node 20: 845 B for
 * a lone SYN's (one event, no finding), ~75 B per further event, ~230 B per
 * ALPN value offered, ~100 B per problem, ~300 B per finding (a SYN flood's
 * records carry two: 1,440 B each, measured), ~400 B for the TLS part.
 */
export function keptRecordBytes(r: ConnectionRecord): number {
  const tls = r.tls === null ? 0 : 400 + 230 * r.tls.alpnOffered.length;
  return 770 + 75 * r.events.length + tls + 100 * r.problems.length + 300 * r.findings.length;
}

/** Frame-level counts, in the spirit of capinfos. */
export interface FrameStats {
  frames: number;
  ipv4: number;
  ipv6: number;
  tcp: number;
  /** Frames that are neither IPv4 nor IPv6. */
  other: number;
  fragments: number;
  /** Frames captured shorter than they were on the wire (snaplen), and the longest such capture length. */
  snaplenCut: number;
  largestCut: number;
  /** Frames with a decode problem, by 'layer: reason'. */
  problems: Record<string, number>;
  /** Frames per link type name. */
  linkTypes: Record<string, number>;
  /** UDP datagrams (IP fragments excluded), those recognised as QUIC, and QUIC packets in them (coalesced ones count each). */
  udp: number;
  quicDatagrams: number;
  quicPackets: number;
}

export interface AnalysisResult extends Analysis {
  /** Every connection's row (AnalyzeOptions.rows), in id order as `connections`. */
  rows?: RowView[];
  meta: CaptureMeta | undefined;
  stats: FrameStats;
  read: CaptureResult & { stopped?: boolean };
}

/** Where an open connection stands, from what TCP and TLS saw so far. */
export function livePhase(c: TcpConnection, reader: ConnectionReader | undefined): LivePhase {
  if (c.teardownStarted) return 'closing';
  if (c.syns.length === 0 && c.synAcks.length === 0) return 'midstream';
  if (c.synAcks.length === 0) return 'SYN sent';
  if (c.handshakeAck === undefined && c.firstPayload[0] === undefined && c.firstPayload[1] === undefined) return 'SYN-ACK';
  if (reader?.session !== undefined && reader.tlsDone === undefined) return 'TLS…';
  return 'open';
}

/** Where an open QUIC connection stands, from its packets and the hellos read so far. */
export function quicLivePhase(c: QuicConnection, reader: QuicHandshakeReader | undefined): LivePhase {
  if (c.close !== undefined) return 'closing';
  if (c.midstream) return 'midstream';
  if (c.datagrams.server === 0) return 'Initial sent';
  if (c.confirmed === undefined && reader?.handshakeComplete !== true) return 'TLS…';
  return 'open';
}

export { trackerWarnings };

/** A live connection's last provisional record, rebuilt when it got packets since. */
interface Provisional {
  packets: number;
  phase: LivePhase;
  rec: ConnectionRecord;
}

/**
 * Appends to `open` the last of `count` open connections (in `conns`' order,
 * least recently active first) that fit in what is left of LIVE_OPEN_SHOWN,
 * each with its provisional record, rebuilt by `make` only when it got
 * packets since the last time.
 */
function addOpen<C extends { packets: number }>(
  open: LiveConnection[],
  conns: Iterable<C>,
  count: number,
  provisional: WeakMap<C, Provisional>,
  seenAt: WeakMap<C, number>,
  make: (c: C) => { phase: LivePhase; rec: ConnectionRecord },
  now: () => number,
): void {
  let skip = Math.max(0, count - Math.max(0, LIVE_OPEN_SHOWN - open.length));
  for (const c of conns) {
    if (skip > 0) {
      skip--;
      continue;
    }
    let p = provisional.get(c);
    if (p === undefined || p.packets !== c.packets) {
      p = { packets: c.packets, ...make(c) };
      provisional.set(c, p);
    }
    open.push({ record: p.rec, phase: p.phase, seenAtMs: seenAt.get(c) ?? now() });
  }
}

export async function analyzeFile(source: string, opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const useRows = opts.rows === true;
  const keep = !useRows && opts.keepConnections !== false;
  const records: ConnectionRecord[] = [];
  /** Kept TCP records by id, for late findings (a scan of `records` per late finding grew with records x late findings). */
  const keptTcp = new Map<number, ConnectionRecord>();
  /** Rows mode: every connection's row (columnar) and the top records kept whole. */
  const rows = new RowStore();
  const top = useRows && opts.keepTop ? new TopN(opts.keepTop.n, opts.keepTop.compare) : undefined;
  const caps = opts.memoryMiB === undefined ? undefined : memoryCaps(opts.memoryMiB);
  const maxRows = opts.maxRows ?? caps?.maxRows ?? DEFAULT_MAX_ROWS;
  /** Connections past maxRows: not in the aggregates. */
  let rowsDropped = 0;
  const keptMax = opts.keptBytes ?? caps?.keptBytes ?? DEFAULT_KEPT_BYTES;
  /** The tracker's options: the memory caps, then what was given explicitly. */
  const trackerOpts: TrackerOptions | undefined =
    caps === undefined ? opts.tracker : { maxOpenConnections: caps.maxOpenConnections, heldBudgetBytes: caps.heldBudgetBytes, ...opts.tracker };
  let kept = 0;
  let notKept = 0;
  // Each connection's reader is its stream consumer (conn.consumer): no side table to look it up in
  // (a WeakMap cost 7.6 % of the run with 200,000 connections open at once).
  const readerOf = (c: TcpConnection): ConnectionReader | undefined => c.consumer as ConnectionReader | undefined;
  const live = opts.live;
  const clock = live?.clock ?? Date.now;
  const report = live?.report;
  /** Live only: when each connection was first seen, and its last provisional record. */
  const seenAt = new WeakMap<TcpConnection, number>();
  const provisional = new WeakMap<TcpConnection, Provisional>();
  /**
   * Late findings: retry findings for a connection already handed out, found when an
   * earlier attempt closed later (an unanswered connection is finalized at the end).
   * Kept records get them (applyLateFindings); streamed ones (NDJSON, protobuf) have
   * gone out already: they are counted in a warning instead.
   */
  // Counted, with the first few ids (a list of every id would grow with the connections).
  let lateStreamed = 0;
  const lateIds: number[] = [];
  const engine = new FindingsEngine(opts.findings ?? {}, (id, late, first) => {
    opts.onLateFindings?.(id, late);
    const rec = keep ? keptTcp.get(id) : top?.find((r) => r.transport === 'tcp' && r.id === id);
    if (rec) applyLateFindings(rec, late);
    const row = useRows ? rows.findTcp(id) : -1;
    if (row >= 0) rows.applyLate(row, late);
    report?.applyLate(id, late);
    if (!rec && row < 0 && first) {
      lateStreamed++;
      if (lateIds.length < 5) lateIds.push(id);
    }
  });
  let meta: CaptureMeta | undefined;
  const keys = new KeySource(opts.keyLog, () => meta);
  const readerOpts = { keys }; // one object for every reader
  const tracker = new ConnectionTracker(
    (conn) => {
      const r = new ConnectionReader(conn, readerOpts);
      if (live) seenAt.set(conn, clock());
      return r;
    },
    (conn) => {
      const rec = buildRecord(conn, readerOf(conn));
      rec.findings = engine.connection(rec, conn.facts(rec.client.ip === conn.ipA && rec.client.port === conn.portA ? 0 : 1), last ? epoch(last) : rec.end);
      keys.count(rec);
      if (useRows) {
        if (rows.length < maxRows) rows.add(rec);
        else rowsDropped++;
        top?.add(rec);
      }
      if (keep) {
        const cost = keptRecordBytes(rec);
        if (notKept === 0 && kept + cost <= keptMax) {
          kept += cost;
          records.push(rec);
          keptTcp.set(rec.id, rec);
        } else notKept++;
      }
      report?.add(rec);
      opts.onConnection?.(rec);
    },
    // Offline, a connection gets its reader with its first payload (a SYN flood's cost no reader);
    // live, at once: its reader stamps when it was first seen.
    live ? { ...trackerOpts, liveLingerMs: live.lingerMs ?? 500, clock } : { attachOnPayload: true, ...trackerOpts },
  );
  let framesAtSnapshot = -1;
  /** The open connections as records, rebuilt only for those that got packets since the last time. */
  const snapshotOpen = (): void => {
    if (!report || stats.frames === framesAtSnapshot) return;
    framesAtSnapshot = stats.frames;
    const open: LiveConnection[] = [];
    // Cheap on a busy link: at most LIVE_OPEN_SHOWN (the most recent) get a provisional record;
    // QUIC connections open now take what is left of the cap.
    addOpen(open, tracker.openConnections(), tracker.open, provisional, seenAt, (c) => {
      const reader = readerOf(c);
      return { phase: livePhase(c, reader), rec: buildRecord(c, reader, true) };
    }, clock);
    addOpen(open, quic.openConnections(), quic.openCount, quicProvisional, quicSeenAt, (c) => {
      const reader = quicReaders.get(c);
      return { phase: quicLivePhase(c, reader), rec: buildQuicRecord(c, reader, 'open') };
    }, clock);
    report.setOpen(open);
  };
  const timer = live
    ? setInterval(() => {
        if (tracker.expire(clock()) > 0) framesAtSnapshot = -1;
        snapshotOpen();
      }, live.sweepMs ?? 200)
    : undefined;
  const stats: FrameStats = {
    frames: 0,
    ipv4: 0,
    ipv6: 0,
    tcp: 0,
    other: 0,
    fragments: 0,
    snaplenCut: 0,
    largestCut: 0,
    problems: {},
    linkTypes: {},
    udp: 0,
    quicDatagrams: 0,
    quicPackets: 0,
  };
  // QUIC: records share `connections` (transport 'quic'); their ids are the QUIC tracker's,
  // 0-based among QUIC connections in order of first frame, as Wireshark's quic.connection.number.
  const quicReaders = new WeakMap<object, QuicHandshakeReader>();
  /** Live only: when each QUIC connection was first seen, and its last provisional record. */
  const quicSeenAt = new WeakMap<QuicConnection, number>();
  const quicProvisional = new WeakMap<QuicConnection, Provisional>();
  const quic = new QuicTracker(
    (conn) => {
      const r = new QuicHandshakeReader(conn, keys);
      quicReaders.set(conn, r);
      if (live) quicSeenAt.set(conn, clock());
      return r;
    },
    (conn, endState) => {
      const rec = buildQuicRecord(conn, quicReaders.get(conn), endState);
      rec.findings = engine.quicConnection(rec, last ? epoch(last) : rec.end);
      keys.count(rec);
      if (useRows) {
        if (rows.length < maxRows) rows.add(rec);
        else rowsDropped++;
        top?.add(rec);
      }
      if (keep) records.push(rec);
      report?.add(rec);
      opts.onConnection?.(rec);
    },
    opts.quic,
  );
  let many = opts.onManyConnections;
  const linkCounts = new Map<number, number>();
  // Frames per link type: counted in runs of one type (a Map update per run, not per frame).
  let runLink = -1;
  let runCount = 0;
  const endRun = (): void => {
    if (runCount > 0) linkCounts.set(runLink, (linkCounts.get(runLink) ?? 0) + runCount);
  };
  let first: Stamp | undefined;
  let last: Stamp | undefined;

  // One reused decoded packet: the sink is done with a frame's headers before the next (issue 14).
  const decoder = new PacketDecoder();
  const sink = (f: Frame): void => {
    stats.frames++;
    if (f.linkType === runLink) runCount++;
    else {
      endRun();
      runLink = f.linkType;
      runCount = 1;
    }
    const stamp: Stamp = { frame: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec };
    // Earliest and latest, as capinfos reports them (merged or concatenated files are not in time order).
    if (first === undefined || before(stamp, first)) first = stamp;
    if (last === undefined || before(last, stamp)) last = stamp;
    const p = decoder.decode(f.bytes, f.linkType, f.start, f.start + f.capLen);
    if (p.ipVersion === 4) stats.ipv4++;
    else if (p.ipVersion === 6) stats.ipv6++;
    else stats.other++;
    if (p.fragment) stats.fragments++;
    const cut = f.capLen < f.origLen;
    if (cut) {
      stats.snaplenCut++;
      if (f.capLen > stats.largestCut) stats.largestCut = f.capLen;
    }
    if (p.problems.length > 0) {
      for (const pr of p.problems) {
        // A frame cut by the snaplen is reported once, as such, not as a truncated header.
        if (cut && pr.reason === 'truncated') continue;
        // Summarised per kind ('tcp: bad data offset'): one warning line each, with a count.
        const k = `${pr.layer}: ${pr.reason}`;
        stats.problems[k] = (stats.problems[k] ?? 0) + 1;
      }
    }
    if (p.tcp !== undefined && p.src !== undefined && p.dst !== undefined) {
      stats.tcp++;
      tracker.packet(p, stamp, f.origLen);
    } else if (p.udp !== undefined && p.src !== undefined && p.dst !== undefined && !p.fragment) {
      quic.datagram(p.src, p.dst, p.udp, stamp, f.origLen);
    }
    // Looked at every 1,024 frames (not a per-frame cost): the counts move slowly against those thresholds.
    if (many !== undefined && (stats.frames & 1023) === 0 && (tracker.open + quic.openCount > MANY_OPEN || records.length + rows.length > MANY_KEPT)) {
      many();
      many = undefined;
    }
  };

  const liveRead: LiveReadOptions = {};
  if (opts.signal) liveRead.signal = opts.signal;
  if (opts.follow) liveRead.follow = true;
  let read: AnalysisResult['read'];
  try {
    read = await readCapture(source, sink, {
      ...liveRead,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.pace ? { pace: opts.pace } : {}),
      onMeta: (m) => {
        meta = m;
        opts.onMeta?.(m);
      },
    });
  } finally {
    if (timer) clearInterval(timer);
  }
  // The connections still open are finalized in steps, each after the output has taken the last.
  while (tracker.finishSome(1024)) {
    const wait = opts.pace?.();
    if (wait) await wait;
  }
  quic.finish();
  stats.udp = quic.stats.udpDatagrams;
  stats.quicDatagrams = quic.stats.quicDatagrams;
  stats.quicPackets = quic.stats.quicPackets;
  report?.setOpen([]);
  // TCP (by tcp.stream) then QUIC (by quic.connection.number): each transport numbers its own.
  const byId = (a: { transport: string; id: number }, b: { transport: string; id: number }): number =>
    a.transport === b.transport ? a.id - b.id : a.transport === 'tcp' ? -1 : 1;
  if (top) records.push(...top.values());
  records.sort(byId);
  endRun();
  for (const [lt, n] of linkCounts) stats.linkTypes[linkTypeName(lt)] = (stats.linkTypes[linkTypeName(lt)] ?? 0) + n;

  const warnings = [...read.warnings];
  warnings.push(...trackerWarnings(tracker.stats, trackerOpts));
  if (lateStreamed > 0) {
    const ids = lateIds.join(', ') + (lateStreamed > 5 ? ', …' : '');
    warnings.push(
      `${lateStreamed} connection${lateStreamed === 1 ? '' : 's'} (${ids}) turned out to be retries after ${lateStreamed === 1 ? 'it was' : 'they were'} written ` +
        `(an earlier attempt was finalized later): their retry findings are missing from the streamed output; --format json has them`,
    );
  }
  if (rowsDropped > 0) {
    warnings.push(
      `${rowsDropped.toLocaleString('en-US')} connection${rowsDropped === 1 ? ' is' : 's are'} not counted in this report's figures: ` +
        `it counts the first ${rows.length.toLocaleString('en-US')} to finish (a row each, bounded by --memory); ` +
        `--format ndjson or protobuf streams every connection`,
    );
  }
  if (notKept > 0) {
    warnings.push(
      `${notKept.toLocaleString('en-US')} connection${notKept === 1 ? ' is' : 's are'} not in this report: ` +
        `it keeps the first ${records.length.toLocaleString('en-US')} to end (their records reached ${Math.round(keptMax / (1 << 20))} MiB); ` +
        `--format ndjson or protobuf streams every connection`,
    );
  }
  if (stats.snaplenCut > 0) {
    warnings.push(
      `${stats.snaplenCut} frame${stats.snaplenCut === 1 ? ' was' : 's were'} cut short by the capture's snaplen ` +
        `(at most ${stats.largestCut} bytes kept): handshake messages in them cannot be read; capture with -s 0`,
    );
  }
  for (const [k, n] of Object.entries(stats.problems)) {
    warnings.push(`${n} frame${n === 1 ? '' : 's'} not fully decoded (${k})`);
  }
  const keyWarning = keys.warning();
  if (keyWarning !== null) warnings.push(keyWarning);
  if (read.error) warnings.push(read.error);
  const udpNote = udpWarning(stats);
  if (udpNote !== undefined) warnings.push(udpNote);

  if (useRows) rows.doneAdding();
  return {
    capture: {
      file: source === '-' ? 'stdin' : source,
      format: read.meta.format,
      frames: read.frames,
      start: first ? epoch(first) : null,
      end: last ? epoch(last) : null,
      warnings,
      linkTypes: Object.keys(stats.linkTypes),
      bytes: read.bytes,
      vantage: engine.vantage(),
      udpDatagrams: stats.udp,
      quicDatagrams: stats.quicDatagrams,
      quicPackets: stats.quicPackets,
    },
    connections: records,
    ...(useRows ? { rows: rows.views() } : {}),
    meta,
    stats,
    read,
  };
}

/** Late findings replace the record's finding with the same code and frame, or are added; kept sorted by frame. */
export function applyLateFindings(rec: ConnectionRecord, late: Finding[]): void {
  for (const f of late) {
    const i = rec.findings.findIndex((x) => x.code === f.code && x.frame === f.frame);
    if (i >= 0) rec.findings[i] = f;
    else rec.findings.push(f);
  }
  rec.findings.sort((a, b) => a.frame - b.frame);
}


/** What was found in UDP when it was not all QUIC (a capture of only UDP is not "0 connections" silence). */
export function udpWarning(stats: FrameStats): string | undefined {
  const other = stats.udp - stats.quicDatagrams;
  if (other <= 0) return undefined;
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  return `${n(other, 'UDP datagram')} not QUIC, not analysed` + (stats.quicDatagrams > 0 ? ` (${n(stats.quicDatagrams, 'QUIC datagram')} analysed)` : '');
}
