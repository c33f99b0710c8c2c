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
# Capture begins at the client's encrypted close_notify (frame 14: record type 21, 26 bytes, the
# first ciphertext byte 0x32), then both FINs: one record, nothing to confirm TLS mid-stream.
derive lo-tls12-full-alert-first.pcap lo-tls12-full.pcap 1-13
# The same with that ciphertext byte set to 0x01, as 1 in 256 encrypted alerts have it: the byte a
# handshake record's message type sits in. It is ciphertext; no ClientHello (content type 22) here.
cp "$OUT/lo-tls12-full-alert-first.pcap" "$OUT/lo-tls12-full-alert-first-01.pcap"
node -e '
  const fs = require("fs"); const f = process.argv[1]; const b = fs.readFileSync(f);
  const at = b.indexOf(Buffer.from("150303001a32", "hex"));
  if (at < 0 || b.indexOf(Buffer.from("150303001a32", "hex"), at + 1) >= 0) throw new Error("alert record not found once");
  b[at + 5] = 0x01; fs.writeFileSync(f, b);
' "$OUT/lo-tls12-full-alert-first-01.pcap"
echo "lo-tls12-full-alert-first-01.pcap: lo-tls12-full-alert-first.pcap with the alert's first ciphertext byte 0x01"
