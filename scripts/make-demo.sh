#!/usr/bin/env bash
# Builds fixtures/demo-loopback-mix.pcapng, the capture `npm start` opens: our own
# loopback recordings (scripts/record-fixtures.sh, MIT) merged in time order with
# mergecap, so one file shows the variety a real capture has: ten short TLS 1.3
# connections without keep-alive, SYN retransmissions, a refused connection, a
# HelloRetryRequest, a failed handshake (alert), TLS 1.2, IPv6.
set -euo pipefail
cd "$(dirname "$0")/.."
f=fixtures
mergecap -F pcapng -w "$f/demo-loopback-mix.pcapng" \
  "$f/pool-before-no-keepalive.pcap" \
  "$f/lo-tcp-syn-retransmit-then-tls13.pcap" \
  "$f/lo-tcp-refused.pcap" \
  "$f/lo-tls13-hello-retry.pcap" \
  "$f/lo-tls-alert-version-mismatch.pcap" \
  "$f/lo-tls12-full.pcap" \
  "$f/lo6-tls13-full.pcap"
echo "wrote $f/demo-loopback-mix.pcapng"
# Two captures concatenated make a valid pcapng with two sections (and 3 interfaces in all).
cat "$f/ns-dumpcap-2if-lo-veth.pcapng" "$f/demo-loopback-mix.pcapng" > "$f/multi-section-2shb-3if.pcapng"
echo "wrote $f/multi-section-2shb-3if.pcapng"
