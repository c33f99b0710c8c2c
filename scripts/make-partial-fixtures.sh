#!/usr/bin/env bash
# Derive damaged and partial captures from real fixtures by dropping frames
# (editcap), for the TLS tests on lost and mid-stream data (issue 11 #2, #3).
#
#   bash scripts/make-partial-fixtures.sh
#
# Writes fixtures/derived/. Deterministic: the same input frames are dropped
# each time. Expected values come from tshark on the derived files
# (test/tls/partial.test.ts runs it), never from our output.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IN="$ROOT/fixtures"
OUT="$ROOT/fixtures/derived"
mkdir -p "$OUT"
command -v editcap >/dev/null || { echo "make-partial-fixtures: editcap not found" >&2; exit 1; }

# name <- source, frames dropped (editcap numbering, 1-based)
derive() { local name="$1" src="$2"; shift 2; editcap "$IN/$src" "$OUT/$name" "$@"; echo "$name: $src without frame(s) $*"; }

# Server's first segment lost (ServerHello + first 3,979 bytes of the Certificate record): the
# server's first captured bytes are the Certificate's tail, then ServerKeyExchange, ServerHelloDone.
derive lo-tls12-full-no-serverhello.pcap lo-tls12-full.pcap 6
# The whole server flight lost: the server's first captured bytes are its ChangeCipherSpec + Finished.
derive lo-tls12-full-no-server-flight.pcap lo-tls12-full.pcap 6 8
# Capture begins after the handshake: SYN .. both Finished (frames 1-12) dropped; both directions
# carry only application data (client 13, 15; server 16-18) and the client's alert (20).
derive zeek-tls12-basic-midstream.pcap zeek-tls12-basic.pcap 1-12
# Plain HTTP without its three-way handshake: must not be taken for mid-stream TLS.
derive zeek-http-pipelined-keepalive-midstream.pcap zeek-http-pipelined-keepalive.pcap 1-3
