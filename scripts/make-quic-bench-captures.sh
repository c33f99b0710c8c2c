#!/usr/bin/env bash
# Two benchmark captures of about the same size, to compare the analysis rate per byte
# of TCP alone with TCP mixed with QUIC (issue 13):
#   bench-data/tcp-only.pcap   copies of: fixtures/pool-before-no-keepalive.pcap + the TCP
#                              frames of fixtures/quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap
#   bench-data/quic-mix.pcap   copies of: the same TCP seed + all of mercury (its QUIC too) +
#                              fixtures/quic/spicyquic-firefox102-h3-pageload.pcap (Firefox HTTP/3 page load)
# Components are moved to one start time and merged by time; copies are made by
# scripts/make-bench-capture.sh (own client address per copy, 400 s apart so that the
# QUIC connections, whose connection IDs repeat in every copy, have gone idle first).
#   bash scripts/make-quic-bench-captures.sh [TARGET_MB]      (default 150)
# then: node scripts/bench.mjs bench-data/tcp-only.pcap --analyze-only (and quic-mix.pcap)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MB="${1:-150}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/hl-qbench.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$ROOT/bench-data"
T0=1700000000
align() { # in out [offset]: shift so the first frame is at T0 + offset
  local first; first=$(capinfos -M -T -r -a -S "$1" | awk -F'\t' '{print $2}')
  editcap -F pcap -t "$(echo "$T0 + ${3:-0} - $first" | bc -l)" "$1" "$2"
}
tshark -r "$ROOT/fixtures/quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap" -Y 'not udp' -F pcap -w "$TMP/mercury-tcp.pcap" 2>/dev/null
# First, so that its SYN is the seed's first frame (make-bench-capture.sh takes the client from it).
align "$ROOT/fixtures/pool-before-no-keepalive.pcap" "$TMP/a.pcap" -1
align "$TMP/mercury-tcp.pcap" "$TMP/b.pcap"
align "$ROOT/fixtures/quic/mercury-chrome-quic-unanswered-tcp-tls-same-host.pcap" "$TMP/b-all.pcap"
align "$ROOT/fixtures/quic/spicyquic-firefox102-h3-pageload.pcap" "$TMP/c.pcap"
mergecap -F pcap -w "$TMP/tcp-seed.pcap" "$TMP/a.pcap" "$TMP/b.pcap"
mergecap -F pcap -w "$TMP/mix-seed.pcap" "$TMP/a.pcap" "$TMP/b-all.pcap" "$TMP/c.pcap"
HL_BENCH_SEED="$TMP/tcp-seed.pcap" HL_BENCH_SHIFT=400 bash "$ROOT/scripts/make-bench-capture.sh" "$ROOT/bench-data/tcp-only.pcap" "$MB"
HL_BENCH_SEED="$TMP/mix-seed.pcap" HL_BENCH_SHIFT=400 bash "$ROOT/scripts/make-bench-capture.sh" "$ROOT/bench-data/quic-mix.pcap" "$MB"
