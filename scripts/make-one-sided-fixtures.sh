#!/usr/bin/env bash
# Derive damaged/partial captures from a real one (issue 11 items 7 and 8):
#   -client-only : only the client's packets (the server's direction not captured)
#   -no-synack   : the SYN-ACK (frame 2) not captured
#   -no-pure-ack : the handshake-completing pure ACK (frame 3) not captured: the
#                  client's first ACK-bearing segment after the SYN carries data
# Expected values come from tshark on the derived files (npm run golden -- <name>).
set -euo pipefail
cd "$(dirname "$0")/.."
src=fixtures/ns-tls13-mtu1500-cert-chain.pcap
base=${src%.pcap}
tshark -r "$src" -Y 'ip.src==10.77.0.1' -w "$base-client-only.pcap"
editcap "$src" "$base-no-synack.pcap" 2
editcap "$src" "$base-no-pure-ack.pcap" 3
