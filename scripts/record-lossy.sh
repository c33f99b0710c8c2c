#!/usr/bin/env bash
# Record two damaged-but-real captures for fixtures/lossy/ (issue 11):
#
#   sudo bash scripts/record-lossy.sh [OUTDIR]      (default: fixtures/lossy)
#
# 1. lossy-2pct-tls.pcap: client and server namespaces, each joined by a veth
#    pair to a router namespace (hl-lc 10.66.0.1 <-> hl-lr <-> hl-ls 10.66.1.2;
#    MTU 1500, offloads off). In the router an iptables FORWARD rule drops a
#    random 2 % of TCP packets (-m statistic --mode random --probability 0.02).
#    The capture runs in the client namespace on its veth, i.e. after the drop
#    for the server's packets: their holes are real (never captured; the
#    retransmissions that fill them are). The client's lost packets were
#    captured before being dropped (they show as retransmitted).
#    (A drop in the sender's own OUTPUT chain does not make a hole: the local
#    stack is told and re-sends at once. Tried first; measured: no hole in 8
#    recordings.) Several TLS connections:
#    curl (TLS 1.3 and 1.2) and openssl s_client against openssl s_server -WWW
#    serving an 11 KiB file; re-recorded (up to 8 times) until the capture holds
#    a real hole with later bytes after it (tshark: tcp.analysis.lost_segment)
#    and at least two retransmissions (each one's original was never captured).
# 2. midstream-mirror-tls13.pcap: a "mirror" that starts mid-connection: a
#    rate-limited download of a 4 MiB file is started first; the capture
#    starts once the client has received 256 KiB (no SYN, no handshake) and
#    stops after 100 packets, before the transfer ends.
#
# Nothing leaves the machine: the namespaces are made here and deleted at the
# end. The certificate is a throwaway self-signed one, so re-recording changes
# the bytes: run `bash scripts/make-golden.sh lossy/<file>` afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/fixtures/lossy}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
NS_C=hl-lc
NS_S=hl-ls
NS_R=hl-lr
C_IP=10.66.0.1
S_IP=10.66.1.2
PORT=4433

[[ $(id -u) -eq 0 ]] || { echo "record-lossy: must run as root" >&2; exit 1; }
for t in ip iptables tcpdump openssl curl ethtool; do
  command -v "$t" >/dev/null || { echo "record-lossy: $t not found" >&2; exit 1; }
done

TMP="$(mktemp -d /tmp/hl-lossy.XXXXXX)"
CAP_PID=""
SRV_PID=""
DL_PID=""
log() { echo "[record-lossy] $*" >&2; }
cleanup() {
  set +e
  [[ -n "$CAP_PID" ]] && kill "$CAP_PID" 2>/dev/null
  [[ -n "$DL_PID" ]] && kill "$DL_PID" 2>/dev/null
  [[ -n "$SRV_PID" ]] && kill "$SRV_PID" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  ip netns del "$NS_R" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
inc() { ip netns exec "$NS_C" "$@"; }
ins() { ip netns exec "$NS_S" "$@"; }
inr() { ip netns exec "$NS_R" "$@"; }

for n in "$NS_C" "$NS_S" "$NS_R"; do ip netns del "$n" 2>/dev/null || true; ip netns add "$n"; done
ip link add hl-lc0 netns "$NS_C" type veth peer name hl-lrc netns "$NS_R"
ip link add hl-ls0 netns "$NS_S" type veth peer name hl-lrs netns "$NS_R"
inc ip addr add "$C_IP/24" dev hl-lc0
ins ip addr add "$S_IP/24" dev hl-ls0
inr ip addr add 10.66.0.254/24 dev hl-lrc
inr ip addr add 10.66.1.254/24 dev hl-lrs
for pair in "$NS_C:hl-lc0" "$NS_S:hl-ls0" "$NS_R:hl-lrc" "$NS_R:hl-lrs"; do
  ip netns exec "${pair%%:*}" ip link set lo up
  ip netns exec "${pair%%:*}" ip link set "${pair#*:}" mtu 1500 up
  # Real MTU-sized segments in the capture, not TSO/GSO super-packets.
  ip netns exec "${pair%%:*}" ethtool -K "${pair#*:}" tso off gso off gro off tx off >/dev/null
done
inc ip route add default via 10.66.0.254
ins ip route add default via 10.66.1.254
inr sysctl -qw net.ipv4.ip_forward=1

# Throwaway certificate and the served file.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 3650 \
  -subj "/CN=lossy.hl.test" -addext "subjectAltName=DNS:lossy.hl.test,IP:$S_IP" 2>/dev/null
mkdir -p "$TMP/www"
head -c $((8 * 1024)) /dev/urandom | base64 > "$TMP/www/small.txt"
head -c $((4 * 1024 * 1024)) /dev/urandom > "$TMP/www/big.bin"

# openssl s_server -WWW serves files relative to its working directory, one connection at a time.
(cd "$TMP/www" && exec ip netns exec "$NS_S" openssl s_server -quiet -WWW -accept "$PORT" \
  -cert "$TMP/cert.pem" -key "$TMP/key.pem" >"$TMP/server.log" 2>&1) &
SRV_PID=$!
for _ in $(seq 100); do inc bash -c "exec 3<>/dev/tcp/$S_IP/$PORT" 2>/dev/null && break; sleep 0.1; done

cap_start() { # file [tcpdump args]
  local f="$1"; shift
  rm -f "$f"
  # Not through the inc function: $! must be tcpdump itself (ip netns exec execs it), so that it gets the signal.
  ip netns exec "$NS_C" tcpdump -U -n -i hl-lc0 -w "$f" "$@" "tcp port $PORT" 2>"$TMP/tcpdump.log" &
  CAP_PID=$!
  for _ in $(seq 100); do grep -q "listening on" "$TMP/tcpdump.log" 2>/dev/null && return 0; sleep 0.05; done
  log "tcpdump did not start"; exit 1
}
cap_stop() {
  kill -INT "$CAP_PID" 2>/dev/null || true
  wait "$CAP_PID" 2>/dev/null || true
  CAP_PID=""
}

# ---------------------------------------------------------------- 1. 2 % random loss
F1="$OUT/lossy-2pct-tls.pcap"
inr iptables -A FORWARD -p tcp -m statistic --mode random --probability 0.02 -j DROP
URL="https://$S_IP:$PORT/small.txt"
for try in 1 2 3 4 5 6 7 8; do
cap_start "$F1"
for i in $(seq 1 5); do
  inc curl -s -k --tlsv1.3 --max-time 20 -o /dev/null "$URL" || log "curl tls1.3 #$i failed"
  inc curl -s -k --tlsv1.2 --tls-max 1.2 --max-time 20 -o /dev/null "$URL" || log "curl tls1.2 #$i failed"
done
for i in $(seq 1 2); do
  printf 'GET /small.txt HTTP/1.0\r\n\r\n' | inc timeout 20 openssl s_client -quiet -connect "$S_IP:$PORT" >/dev/null 2>&1 || true
done
cap_stop
holes=$(tshark -r "$F1" -Y 'tcp.analysis.lost_segment' 2>/dev/null | wc -l)
rexmit=$(tshark -r "$F1" -Y 'tcp.analysis.retransmission' 2>/dev/null | wc -l)
log "try $try: $holes frames after a hole, $rexmit retransmissions"
[[ $holes -gt 0 && $rexmit -ge 2 ]] && break
done
inr iptables -F FORWARD
log "$F1: $(tshark -r "$F1" 2>/dev/null | wc -l) frames, $(tshark -r "$F1" -Y 'tcp.analysis.lost_segment' 2>/dev/null | wc -l) with a previous segment not captured, $(tshark -r "$F1" -Y 'tcp.analysis.retransmission' 2>/dev/null | wc -l) retransmissions"

# ---------------------------------------------------------------- 2. a mirror that starts mid-connection
F2="$OUT/midstream-mirror-tls13.pcap"
inc curl -s -k --tlsv1.3 --limit-rate 400k --max-time 60 -o "$TMP/big.out" "https://$S_IP:$PORT/big.bin" &
DL_PID=$!
# Start the mirror once 256 KiB have arrived (the connection is well past its handshake).
for _ in $(seq 400); do
  [[ -f "$TMP/big.out" && $(stat -c %s "$TMP/big.out") -ge 262144 ]] && break
  sleep 0.05
done
cap_start "$F2" -c 100
wait "$CAP_PID" 2>/dev/null || true
CAP_PID=""
kill "$DL_PID" 2>/dev/null || true
wait "$DL_PID" 2>/dev/null || true
DL_PID=""
log "$F2: $(tshark -r "$F2" 2>/dev/null | wc -l) frames, SYNs: $(tshark -r "$F2" -Y 'tcp.flags.syn==1' 2>/dev/null | wc -l)"
