#!/bin/bash
# Records nflog-loopback-http.pcap: real NFLOG (LINKTYPE 239) capture of one
# HTTP/1.0 exchange over IPv4 loopback and one over IPv6 loopback (python3
# http.server serving an empty directory, curl as client), then writes the
# tshark golden frames.tsv next to it. Needs root, nft, dumpcap, python3, curl.
set -euo pipefail
cd "$(dirname "$0")"
PORT=18443
WWW=$(mktemp -d)
nft add table inet hl_nflog
nft add chain inet hl_nflog out '{ type filter hook output priority 0; }'
nft add rule inet hl_nflog out tcp dport $PORT log group 7
nft add rule inet hl_nflog out tcp sport $PORT log group 7
trap 'nft delete table inet hl_nflog; rm -rf "$WWW"' EXIT
timeout 8 dumpcap -q -P -i nflog:7 -w nflog-loopback-http.pcap &
sleep 2
(cd "$WWW" && timeout 4 python3 -m http.server $PORT --bind 127.0.0.1 >/dev/null 2>&1 &)
(cd "$WWW" && timeout 4 python3 -m http.server $PORT --bind ::1 >/dev/null 2>&1 &)
sleep 1
curl -s -o /dev/null http://127.0.0.1:$PORT/
curl -s -o /dev/null "http://[::1]:$PORT/"
wait
tshark -n -r nflog-loopback-http.pcap -T fields -E header=y -E separator=/t -E occurrence=f \
  -e frame.number -e frame.time_epoch -e frame.len -e frame.cap_len -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
  -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.len -e tcp.seq_raw -e tcp.ack_raw -e tcp.stream \
  > nflog-loopback-http.pcap.frames.tsv
