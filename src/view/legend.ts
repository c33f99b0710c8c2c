/**
 * What `?` shows in the terminal UI: the keys, then a legend of the columns
 * of the view it was opened from (issue 10: every column explained, one
 * meaning per header across views). Lines fit 80 columns.
 */

export type LegendView = 'connections' | 'destinations' | 'pool' | 'findings' | 'compare' | 'detail';

/** Header -> meaning, per view, in the order the columns appear. */
export const COLUMN_LEGENDS: Record<LegendView, readonly [string, string][]> = {
  connections: [
    ['#', "connection number (Wireshark's tcp.stream)"],
    ['client, server', 'addresses and ports; the client sent the first SYN'],
    ['SNI', 'server name the client asked for in its ClientHello'],
    ['ver', 'TLS version negotiated (tcp: no TLS)'],
    ['TCP ms', 'SYN to the ACK completing the TCP handshake, retries included'],
    ['TLS ms', 'ClientHello to the end of the TLS handshake'],
    ['setup', 'ms from the first SYN to the first byte the app could send'],
    ['RTT×', 'round trips the client waited for during setup'],
    ['life', 'time from the first to the last packet'],
    ['setup %', 'setup time as a share of the connection lifetime'],
    ['state', 'complete, reset, refused, unanswered, open, half-closed'],
    ['marks', 'R resumed · M mutual TLS · C certificate chain > 4 KiB ·'],
    ['', 'S SYN retransmitted · ! failed'],
    ['findings', 'the worst finding of the connection (and how many)'],
    ['row colours', 'red: failed; yellow: setup above the capture p90 or a'],
    ['', 'SYN retransmit'],
  ],
  destinations: [
    ['destination', 'SNI:port, else address:port'],
    ['conns', 'connections to the destination'],
    ['setup Σ', 'their setup time, summed'],
    ['n', 'connections with a setup: the n behind the percentiles'],
    ['p50 / p90 / max', 'setup ms: median, 90th percentile (n ≥ 10), largest'],
    ['TCP+TLS / QUIC p50', 'median setup per transport (a capture with QUIC)'],
    ['setup %', 'setup time as a share of their lifetime'],
    ['resumed', 'share of TLS handshakes that were resumed'],
    ['pool saves', 'setup time a keep-alive pool would save, and its share'],
    ['verdict', "'pool' or 'will-not-help'"],
    ['why', 'why not: one connection, too far apart, all concurrent,'],
    ['', 'saves too little, setup unseen'],
  ],
  pool: [
    ['destination', 'SNI:port, else address:port'],
    ['conns', 'connections to the destination'],
    ['pool', 'pool size simulated (default: peak concurrency)'],
    ['avoided', 'handshakes a pool would have avoided'],
    ['saved ms', 'setup time saved by those'],
    ['saved %', 'saved time as a share of connection time'],
    ['RTT×', 'round trips saved'],
    ['bytes', 'setup bytes saved'],
    ['idle', "server's observed idle timeout (recommended below it)"],
    ['verdict', "'pool' or 'will-not-help'; Enter shows the full reason"],
    ['why', 'why not: one connection, too far apart, all concurrent,'],
    ['', 'saves too little, setup unseen'],
  ],
  findings: [
    ['finding', 'finding code (README: Findings)'],
    ['severity', 'error, warning or note'],
    ['conns', 'connections with the finding'],
    ['time cost', 'time the finding cost those connections'],
    ['what it means', 'the explanation; Enter lists the connections'],
  ],
  compare: [
    ['destination', 'SNI:port, else address:port; the last row is the total'],
    ['conns', 'connections before → after'],
    ['handshakes', 'TCP or TLS handshakes seen before → after'],
    ['full/resumed', 'TLS handshakes in full / resumed, before → after'],
    ['requests', 'requests carried (estimated from client data bursts'],
    ['', 'unless decrypted)'],
    ['setup/req ms', 'setup time per request, before → after'],
    ['setup Σ ms', 'setup time summed, before → after'],
    ['p50 / p90 ms', 'setup percentiles (p90 needs 10 connections)'],
    ['setup %', 'setup time as a share of connection time'],
  ],
  detail: [
    ['+ms', 'ms since the first SYN (or first packet)'],
    ['direction', 'who sent it'],
    ['event', 'TCP flag or TLS message; (inferred): encrypted, guessed'],
    ['frame', "Wireshark's frame number"],
    ['bytes', 'TLS: message or record bytes; TCP: payload bytes'],
    ['phase', 'TCP handshake, client think time (ACK to ClientHello), TLS'],
    ['', 'handshake, waiting for first data, data, teardown'],
  ],
};

export const KEY_LINES: readonly string[] = [
  'Tab / Shift-Tab  next / previous view',
  'Up/Down, j/k     move the selection;  PgUp/PgDn a page;  g / G first / last',
  "Enter            open: a connection's detail, a destination's connections,",
  '                 the full pool verdict, the connections with a finding',
  'Esc              back (detail, filter, this help)',
  's / S            sort by the next / previous column (▼ marks it)',
  '/                filter: text, field:value (port:443 sni:x state:reset',
  '                 version:1.3 finding:syn), comparisons (setup>100), :443;',
  '                 Enter keeps it, Esc clears it',
  '?                this help;  q, Ctrl-C  quit (live: first one stops reading)',
];

/** The help screen for `view`: keys, then its column legend. */
export function helpLines(view: LegendView): string[] {
  const legend = COLUMN_LEGENDS[view];
  const w = Math.max(...legend.map(([k]) => k.length));
  return [...KEY_LINES, '', `Columns of the ${view} view:`, ...legend.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)];
}
