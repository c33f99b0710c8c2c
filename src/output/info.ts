/**
 * `handshake-lens info`: capture facts in the spirit of capinfos.
 */
import type { AnalysisResult, FrameStats } from '../analyze.js';
import { linkTypeName } from '../decode/index.js';
import type { Analysis } from '../report/types.js';

/** The frame counts come straight from the analysis (FrameStats). */
export interface InfoJson extends Pick<FrameStats, 'ipv4' | 'ipv6' | 'tcp' | 'other' | 'fragments' | 'snaplenCut' | 'udp' | 'quicDatagrams' | 'quicPackets'> {
  file: string;
  format: string;
  version: string;
  byteOrder: string;
  /** compression === 'gzip' (kept for scripts that read it). */
  gzip: boolean;
  /** 'gzip', 'lz4', or null when the capture was not compressed. */
  compression: 'gzip' | 'lz4' | null;
  timestampResolution: string[];
  linkTypes: string[];
  interfaces: { linkType: string; resolution: string; snapLen: number; name?: string }[];
  sections: number;
  frames: number;
  bytes: number;
  first: number | null;
  last: number | null;
  durationSec: number | null;
  tcpConnections: number;
  quicConnections: number;
  decryptionSecretsBlocks: number;
  decodeProblems: Record<string, number>;
  warnings: string[];
  /** The damage that stopped reading (everything before it is counted), else null. */
  error: string | null;
  /** pcapng Custom Blocks: each has a frame number (Wireshark's), included in `frames`. */
  customBlocks: number;
}

export function infoJson(a: AnalysisResult): InfoJson {
  const m = a.meta;
  const ifaces = m?.interfaces ?? [];
  const first = a.capture.start;
  const last = a.capture.end;
  return {
    file: a.capture.file,
    format: m?.format ?? a.capture.format,
    version: m?.version ?? '',
    byteOrder: m?.byteOrder === 'BE' ? 'big-endian' : 'little-endian',
    gzip: m?.compression === 'gzip',
    compression: m?.compression ?? null,
    timestampResolution: [...new Set(ifaces.map((i) => i.resolution))],
    linkTypes: [...new Set(ifaces.map((i) => linkTypeName(i.linkType)))],
    interfaces: ifaces.map((i) => ({
      linkType: linkTypeName(i.linkType),
      resolution: i.resolution,
      snapLen: i.snapLen,
      ...(i.name !== undefined ? { name: i.name } : {}),
    })),
    sections: m?.sections ?? 0,
    frames: a.capture.frames,
    bytes: a.read.bytes,
    first,
    last,
    durationSec: first !== null && last !== null ? Math.round((last - first) * 1e6) / 1e6 : null,
    ipv4: a.stats.ipv4,
    ipv6: a.stats.ipv6,
    tcp: a.stats.tcp,
    udp: a.stats.udp,
    quicDatagrams: a.stats.quicDatagrams,
    quicPackets: a.stats.quicPackets,
    other: a.stats.other,
    fragments: a.stats.fragments,
    snaplenCut: a.stats.snaplenCut,
    tcpConnections: a.connections.filter((c) => c.transport === 'tcp').length,
    quicConnections: a.connections.filter((c) => c.transport === 'quic').length,
    decryptionSecretsBlocks: m?.decryptionSecrets.length ?? 0,
    decodeProblems: a.stats.problems,
    warnings: a.capture.warnings.filter((w) => w !== a.read.error),
    error: a.read.error ?? null,
    customBlocks: m?.customBlocks ?? 0,
  };
}

function isoTime(epochSec: number | null): string {
  if (epochSec === null) return 'n/a';
  const d = new Date(Math.floor(epochSec * 1000));
  const frac = (epochSec - Math.floor(epochSec)).toFixed(6).slice(1);
  return d.toISOString().replace(/\.\d{3}Z$/, `${frac} UTC`);
}

export function formatInfo(a: AnalysisResult): string {
  const j = infoJson(a);
  const rows: [string, string][] = [
    ['File', j.file],
    ['Format', `${j.format} ${j.version}${j.compression !== null ? ` (${j.compression}-compressed)` : ''}, ${j.byteOrder}`],
    ['Timestamp resolution', j.timestampResolution.join(', ') || 'n/a'],
    ['Link types', j.linkTypes.join(', ') || 'n/a'],
    ['Interfaces', `${j.interfaces.length}${j.sections > 1 ? ` in ${j.sections} sections` : ''}`],
    ['Frames', String(j.frames)],
    ['Bytes', String(j.bytes)],
    ['Earliest frame', isoTime(j.first)],
    ['Latest frame', isoTime(j.last)],
    ['Duration', j.durationSec !== null ? `${j.durationSec.toFixed(6)} s` : 'n/a'],
    ['IPv4 frames', String(j.ipv4)],
    ['IPv6 frames', String(j.ipv6)],
    ['TCP frames', String(j.tcp)],
    ['UDP datagrams', String(j.udp)],
    ['QUIC datagrams', `${j.quicDatagrams} (${j.quicPackets} QUIC packets)`],
    ['Other frames', String(j.other)],
    ['IP fragments', String(j.fragments)],
    ['Cut by snaplen', String(j.snaplenCut)],
    ['TCP connections', String(j.tcpConnections)],
    ['QUIC connections', String(j.quicConnections)],
  ];
  if (j.decryptionSecretsBlocks > 0) rows.push(['Decryption secrets', `${j.decryptionSecretsBlocks} block(s)`]);
  if (j.customBlocks > 0) rows.push(['Custom blocks', `${j.customBlocks} (numbered as frames, as in Wireshark)`]);
  const problems = Object.entries(j.decodeProblems);
  rows.push(['Decode problems', problems.length === 0 ? 'none' : problems.map(([k, n]) => `${n}× ${k}`).join('; ')]);
  const w = Math.max(...rows.map(([k]) => k.length));
  let out = rows.map(([k, v]) => `${(k + ':').padEnd(w + 2)}${v}`).join('\n') + '\n';
  for (const warning of j.warnings) out += `warning: ${warning}\n`;
  return out;
}

/** `info` on a saved analysis (.hlpb): what the file holds, and the capture it was made from. */
export interface SavedInfoJson {
  file: string;
  format: 'handshake-lens analysis (protobuf)';
  bytes: number;
  capture: { file: string; format: string; frames: number; first: number | null; last: number | null; durationSec: number | null };
  connections: number;
  byState: Record<string, number>;
  tls: number;
  warnings: string[];
}

export function savedInfoJson(path: string, bytes: number, a: Analysis): SavedInfoJson {
  const byState: Record<string, number> = {};
  for (const c of a.connections) byState[c.state] = (byState[c.state] ?? 0) + 1;
  const { start, end } = a.capture;
  return {
    file: path,
    format: 'handshake-lens analysis (protobuf)',
    bytes,
    capture: {
      file: a.capture.file,
      format: a.capture.format,
      frames: a.capture.frames,
      first: start,
      last: end,
      durationSec: start !== null && end !== null ? end - start : null,
    },
    connections: a.connections.length,
    byState,
    tls: a.connections.filter((c) => c.tls !== null).length,
    warnings: a.capture.warnings,
  };
}

export function formatSavedInfo(j: SavedInfoJson): string {
  const c = j.capture;
  const states = Object.entries(j.byState)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  const lines = [
    `File name:           ${j.file}`,
    `File type:           ${j.format}, ${j.bytes} bytes`,
    `Made from capture:   ${c.file} (${c.format}, ${c.frames} frames)`,
    `First packet:        ${c.first !== null ? new Date(c.first * 1000).toISOString() : 'n/a'}`,
    `Last packet:         ${c.last !== null ? new Date(c.last * 1000).toISOString() : 'n/a'}`,
    `Capture duration:    ${c.durationSec !== null ? `${c.durationSec.toFixed(6)} seconds` : 'n/a'}`,
    `Connections:         ${j.connections}${states ? ` (${states})` : ''}, ${j.tls} with TLS`,
  ];
  for (const w of j.warnings) lines.push(`Warning:             ${w}`);
  return lines.join('\n') + '\n';
}
