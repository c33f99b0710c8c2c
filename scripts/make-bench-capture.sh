#!/usr/bin/env bash
# Build a large benchmark capture from real traffic, replicated.
#
#   bash scripts/make-bench-capture.sh [OUT] [TARGET_MB]
#
# OUT defaults to bench-data/big.pcap (bench-data/ is git-ignored), TARGET_MB to 1126
# (~1.1 GiB). Seed: $HL_BENCH_SEED if set, else bench-data/bench-seed.pcap if present,
# else one is recorded with `scripts/record-fixtures.sh bench-data bench_seed` (root:
# 200 HTTPS connections over a private MTU-1500 veth path, client 10.77.0.1, server
# 10.77.1.2), else (no root) fixtures/ns-tls12-mtu1500-cert-chain.pcap.
#
# Each copy i (n = i+1) of the seed gets its own client address 10.(64+n/65536).(n/256%256).(n%256)
# (tcprewrite --srcipmap/--dstipmap on the seed's client address, both directions), so
# every copy's connections are distinct 4-tuples, and is shifted in time by i * (seed span
# + 1 s) with editcap -t; the copies are concatenated in order with mergecap -a.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/bench-data/big.pcap}"
TARGET_MB="${2:-1126}"
START=$(date +%s.%N)

for t in tcprewrite editcap mergecap capinfos tshark; do
  command -v "$t" >/dev/null || { echo "make-bench-capture: $t not found" >&2; exit 1; }
done
mkdir -p "$(dirname "$OUT")" "$ROOT/bench-data"

SEED="${HL_BENCH_SEED:-}"
if [[ -z "$SEED" ]]; then
  if [[ -f "$ROOT/bench-data/bench-seed.pcap" ]]; then
    SEED="$ROOT/bench-data/bench-seed.pcap"
  elif [[ $(id -u) -eq 0 ]] && bash "$ROOT/scripts/record-fixtures.sh" "$ROOT/bench-data" bench_seed >&2; then
    SEED="$ROOT/bench-data/bench-seed.pcap"
  else
    SEED="$ROOT/fixtures/ns-tls12-mtu1500-cert-chain.pcap"
  fi
fi
echo "seed: $SEED" >&2

TMP="$(mktemp -d "${TMPDIR:-/tmp}/hl-bench.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# Client address = source of the first SYN without ACK.
CLIENT=$(tshark -r "$SEED" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e ip.src -c 1 2>/dev/null)
[[ -n "$CLIENT" ]] || { echo "make-bench-capture: no IPv4 SYN in seed" >&2; exit 1; }
read -r SEED_BYTES SPAN < <(capinfos -M -T -r -u -s "$SEED" | awk -F"\t" "{print \$2, \$3}")
SPAN=${SPAN%.*}
# $HL_BENCH_SHIFT (seconds) overrides the shift between copies: QUIC copies repeat their
# connection IDs, so they must lie further apart than the QUIC idle timeout (300 s) to be new connections.
SHIFT=${HL_BENCH_SHIFT:-$(( ${SPAN:-0} + 1 ))}
COPIES=$(( (TARGET_MB * 1024 * 1024 + SEED_BYTES - 1) / SEED_BYTES ))
echo "client $CLIENT, seed $SEED_BYTES bytes, span ${SPAN}s: $COPIES copies" >&2

BATCH=64
parts=()
batch=()
flush_batch() {
  local part="$TMP/part-${#parts[@]}.pcap"
  mergecap -a -F pcap -w "$part" "${batch[@]}"
  rm -f "${batch[@]}"
  parts+=("$part")
  batch=()
}
for (( i = 0; i < COPIES; i++ )); do
  n=$(( i + 1 ))
  ip="10.$(( 64 + n / 65536 )).$(( n / 256 % 256 )).$(( n % 256 ))"
  tcprewrite --infile="$SEED" --outfile="$TMP/rw.pcap" \
    --srcipmap="$CLIENT/32:$ip/32" --dstipmap="$CLIENT/32:$ip/32"
  editcap -F pcap -t $(( i * SHIFT )) "$TMP/rw.pcap" "$TMP/c-$i.pcap"
  batch+=("$TMP/c-$i.pcap")
  (( ${#batch[@]} == BATCH )) && flush_batch
  if (( i % 100 == 99 )); then echo "  $((i + 1))/$COPIES copies" >&2; fi
done
(( ${#batch[@]} > 0 )) && flush_batch
mergecap -a -F pcap -w "$OUT" "${parts[@]}"

END=$(date +%s.%N)
SIZE=$(stat -c %s "$OUT")
FRAMES=$(capinfos -M -T -r -c "$OUT" | awk -F'\t' '{print $2}')
printf 'wrote %s: %d bytes (%.1f MiB), %s frames, %d copies of %s, in %.1f s\n' \
  "$OUT" "$SIZE" "$(echo "$SIZE / 1048576" | bc -l)" "$FRAMES" "$COPIES" "$(basename "$SEED")" \
  "$(echo "$END - $START" | bc -l)"
