#!/usr/bin/env bash
# LZ4-compressed fixtures, written by the real lz4 program (lz4 1.9) from two of our own
# recordings, one per way of framing blocks. Wireshark reads LZ4-compressed captures (and
# writes them from "Save As"), so the golden files come from tshark reading these files.
#   pool-before-no-keepalive.pcap.lz4   64 KiB linked blocks, block and content checksums,
#                                       content size (-B4 -BD -BX --content-size)
#   multi-section-2shb-3if.pcapng.lz4   lz4's defaults: independent blocks (of the size lz4 chose for
#                                       the file, 256 KiB), content checksum
# Then: bash scripts/make-golden.sh pool-before-no-keepalive.pcap.lz4 multi-section-2shb-3if.pcapng.lz4
set -euo pipefail
cd "$(dirname "$0")/../fixtures"
command -v lz4 >/dev/null || { echo "make-lz4-fixtures: lz4 not found (apt-get install lz4)" >&2; exit 1; }
lz4 -q -f -B4 -BD -BX --content-size pool-before-no-keepalive.pcap pool-before-no-keepalive.pcap.lz4
lz4 -q -f multi-section-2shb-3if.pcapng multi-section-2shb-3if.pcapng.lz4
ls -l pool-before-no-keepalive.pcap.lz4 multi-section-2shb-3if.pcapng.lz4
