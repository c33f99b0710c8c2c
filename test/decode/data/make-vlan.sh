#!/bin/bash
# Derives qinq-zeek-tls12-basic.pcap from fixtures/zeek-tls12-basic.pcap
# (BSD-3-Clause, Zeek) with tcprewrite: every frame gets an 802.1Q tag (VLAN
# 100, priority 3) inside an 802.1ad service tag (VLAN 200). Then writes the
# tshark golden frames.tsv (with vlan.id, all occurrences) next to it.
set -euo pipefail
cd "$(dirname "$0")"
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
tcprewrite --enet-vlan=add --enet-vlan-tag=100 --enet-vlan-pri=3 --enet-vlan-cfi=0 \
  -i ../../../fixtures/zeek-tls12-basic.pcap -o "$TMP"
tcprewrite --enet-vlan=add --enet-vlan-proto=802.1ad --enet-vlan-tag=200 --enet-vlan-pri=0 --enet-vlan-cfi=0 \
  -i "$TMP" -o qinq-zeek-tls12-basic.pcap
tshark -n -r qinq-zeek-tls12-basic.pcap -T fields -E header=y -E separator=/t -E occurrence=f \
  -e frame.number -e frame.time_epoch -e frame.len -e frame.cap_len -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
  -e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.len -e tcp.seq_raw -e tcp.ack_raw -e tcp.stream \
  > qinq-zeek-tls12-basic.pcap.frames.tsv
tshark -n -r qinq-zeek-tls12-basic.pcap -T fields -E header=y -e ieee8021ad.id -e vlan.id -E occurrence=a -E aggregator=, \
  > qinq-zeek-tls12-basic.pcap.vlan.tsv
