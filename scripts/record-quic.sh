#!/usr/bin/env bash
# Record the project's own QUIC fixtures from real programs: Debian's ngtcp2
# examples (gtlsclient/gtlsserver, HTTP/3 over GnuTLS).
#
#   sudo bash scripts/record-quic.sh [OUTDIR] [SCENARIO ...]
#
# OUTDIR defaults to fixtures/quic/. Scenarios (default: all):
#   one_request    one HTTP/3 request on one connection (IPv4)
#   three_requests three requests on one connection
#   three_conns    the same three requests, one connection each, one after the other
#                  (quic-three-requests-three-conns.pcap): no reuse, the counterpart
#   resume_0rtt    a full connection that saves the session and transport params,
#                  then a second connection resuming with 0-RTT (both in one capture)
#   retry          the server validates the address with a Retry (--validate-addr)
#   ipv6           one request over IPv6
#   tcp_and_quic   the same name over TCP+TLS (openssl s_server/s_client, TLS 1.3,
#                  HTTP/1.0) and then over QUIC, one request per QUIC connection
#                  twice (quic-tcp-tls-same-name.pcap): a browser's race, replayed
#   ciphers        two connections, the client offering only TLS_CHACHA20_POLY1305_SHA256,
#                  then only TLS_AES_256_GCM_SHA384 (quic-chacha20-aes256.pcap): the
#                  key-log stage's ChaCha20 header protection and SHA-384 key derivation
#   failed         a server that accepts only the X25519 group and a client that offers only
#                  P-384: no common group, the server ends the handshake with CONNECTION_CLOSE
#                  (a TLS alert as CRYPTO_ERROR) in its Initial; the client tries twice
#                  (quic-handshake-failed-twice.pcap): handshake-failed and retry findings
# Each capture <name>.pcap gets its TLS key log beside it (<name>.keys, NSS key
# log format from GnuTLS's SSLKEYLOGFILE) for a later key-log stage.
#
# Needs root, iproute2, tcpdump, openssl, ngtcp2-client, ngtcp2-server
# (apt-get install ngtcp2-client ngtcp2-server). Nothing leaves the machine:
# everything runs on the loopback of a private network namespace made here and
# deleted at the end. The certificate is a throwaway made per run, so
# re-recording changes the bytes: run scripts/make-quic-golden.mjs afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/fixtures/quic}"
shift || true
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
NS=hlq-lo
PORT=4433
SNI=quic.hl.test
SNI6=quic6.hl.test
ALL=(one_request three_requests three_conns resume_0rtt retry ipv6 tcp_and_quic ciphers failed)
SCEN=("$@")
[[ ${#SCEN[@]} -eq 0 ]] && SCEN=("${ALL[@]}")

[[ $(id -u) -eq 0 ]] || { echo "record-quic: must run as root" >&2; exit 1; }
for t in ip tcpdump openssl gtlsclient gtlsserver; do
  command -v "$t" >/dev/null || { echo "record-quic: $t not found" >&2; exit 1; }
done

TMP="$(mktemp -d /tmp/hlq-record.XXXXXX)"
CAP_PID=""
SRV_PID=""
TLS_PID=""
log() { echo "[record-quic] $*" >&2; }
cleanup() {
  set +e
  [[ -n "$CAP_PID" ]] && kill "$CAP_PID" 2>/dev/null && wait "$CAP_PID" 2>/dev/null
  [[ -n "$SRV_PID" ]] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
  [[ -n "$TLS_PID" ]] && kill "$TLS_PID" 2>/dev/null && wait "$TLS_PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP" "/etc/netns/$NS"
}
trap cleanup EXIT

ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip -n "$NS" link set lo up
# `ip netns exec` bind-mounts /etc/netns/<ns>/hosts over /etc/hosts: the name
# resolves inside the namespace only, and the client sends it as SNI.
mkdir -p "/etc/netns/$NS"
printf '127.0.0.1 %s\n::1 %s\n' "$SNI" "$SNI6" > "/etc/netns/$NS/hosts"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=$SNI" -addext "subjectAltName=DNS:$SNI,DNS:$SNI6" \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
mkdir -p "$TMP/htdocs"
head -c 3000 /dev/zero | tr '\0' 'q' > "$TMP/htdocs/index.html"
for i in 1 2 3; do head -c $((i * 1000)) /dev/zero | tr '\0' 'r' > "$TMP/htdocs/r$i.txt"; done

# Wait (up to 10 s) until a command succeeds: no fixed sleeps.
wait_for() { for _ in $(seq 1 200); do "$@" && return 0; sleep 0.05; done; log "timed out: $*"; return 1; }

LAST_SIZE=-1
STABLE=0
settled() { # file: true once it is larger than a pcap header and unchanged over 4 polls
  local size; size=$(stat -c %s "$1")
  if [[ $size -gt 24 && $size -eq $LAST_SIZE ]]; then STABLE=$((STABLE + 1)); else STABLE=0; fi
  LAST_SIZE=$size
  [[ $STABLE -ge 4 ]] && { LAST_SIZE=-1; STABLE=0; return 0; }
  return 1
}
stop_capture() {
  kill "$CAP_PID"; wait "$CAP_PID" 2>/dev/null || true; CAP_PID=""
}

start_server() { # addr [extra options]
  local addr=$1; shift
  ip netns exec "$NS" gtlsserver -q "$@" -d "$TMP/htdocs" "$addr" "$PORT" "$TMP/key.pem" "$TMP/cert.pem" >"$TMP/server.log" 2>&1 &
  SRV_PID=$!
  wait_for sh -c "ip netns exec $NS ss -Hulnp | grep -q ':$PORT '"
}
stop_server() { kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null || true; SRV_PID=""; }

COPTS=()
client() { # keylog host URI... (extra client options in COPTS)
  local keys=$1 host=$2; shift 2
  SSLKEYLOGFILE="$keys" ip netns exec "$NS" timeout 20 gtlsclient -q --exit-on-all-streams-close "${COPTS[@]}" \
    "$host" "$PORT" "$@" >>"$TMP/client.log" 2>&1 || { log "client failed:"; tail -5 "$TMP/client.log" >&2; return 1; }
}

FILTER="udp port $PORT"
record() { # name server-addr server-options... -- client-runs (function name)
  local name=$1 saddr=$2 run=$3; shift 3
  local pcap="$OUT/quic-$name.pcap" keys="$OUT/quic-$name.keys"
  rm -f "$pcap" "$keys"
  log "$name"
  start_server "$saddr" "$@"
  CAP_PID=""
  ip netns exec "$NS" tcpdump -U --immediate-mode -i lo -n -w "$pcap" $FILTER 2>"$TMP/tcpdump.err" &
  CAP_PID=$!
  wait_for grep -q "listening on" "$TMP/tcpdump.err"
  "$run" "$keys"
  # tcpdump -U --immediate-mode writes each packet as it comes: wait until the
  # file holds packets and has stopped growing (the endpoints are done).
  wait_for settled "$pcap"
  stop_capture
  stop_server
  # A handshake that fails before any secret is derived leaves an empty key log: none kept.
  [[ -s "$keys" ]] || rm -f "$keys"
}

run_one() { client "$1" "$SNI" "https://$SNI:$PORT/index.html"; }
run_three() { COPTS=(-n 3); client "$1" "$SNI" "https://$SNI:$PORT/r1.txt" "https://$SNI:$PORT/r2.txt" "https://$SNI:$PORT/r3.txt"; COPTS=(); }
run_three_conns() {
  client "$1" "$SNI" "https://$SNI:$PORT/r1.txt"
  client "$1" "$SNI" "https://$SNI:$PORT/r2.txt"
  client "$1" "$SNI" "https://$SNI:$PORT/r3.txt"
}
run_resume() {
  rm -f "$TMP/session.pem" "$TMP/tp.txt"
  COPTS=(--session-file="$TMP/session.pem" --tp-file="$TMP/tp.txt")
  client "$1" "$SNI" "https://$SNI:$PORT/index.html"
  wait_for test -s "$TMP/session.pem"
  client "$1" "$SNI" "https://$SNI:$PORT/r1.txt"
  COPTS=()
}
run_ipv6() { client "$1" "$SNI6" "https://$SNI6:$PORT/index.html"; }
run_tcp_and_quic() {
  # TCP+TLS first, on the same port number over TCP (openssl's -www answers one GET).
  ip netns exec "$NS" openssl s_server -quiet -www -tls1_3 -accept "$PORT" -key "$TMP/key.pem" -cert "$TMP/cert.pem" \
    -keylogfile "$1" >"$TMP/tls-server.log" 2>&1 &
  TLS_PID=$!
  wait_for sh -c "ip netns exec $NS ss -Htlnp | grep -q ':$PORT '"
  printf 'GET /index.html HTTP/1.0\r\nHost: %s\r\n\r\n' "$SNI" |
    ip netns exec "$NS" timeout 20 openssl s_client -quiet -connect "$SNI:$PORT" -servername "$SNI" -alpn http/1.1 >>"$TMP/client.log" 2>&1 || true
  kill "$TLS_PID"; wait "$TLS_PID" 2>/dev/null || true; TLS_PID=""
  client "$1" "$SNI" "https://$SNI:$PORT/r1.txt"
  client "$1" "$SNI" "https://$SNI:$PORT/r2.txt"
}

TLS13_ONLY="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL"
run_ciphers() {
  COPTS=(--ciphers="$TLS13_ONLY:+CHACHA20-POLY1305")
  client "$1" "$SNI" "https://$SNI:$PORT/r1.txt"
  COPTS=(--ciphers="$TLS13_ONLY:+AES-256-GCM")
  client "$1" "$SNI" "https://$SNI:$PORT/r2.txt"
  COPTS=()
}

run_failed() {
  COPTS=(--groups=-GROUP-ALL:+GROUP-SECP384R1)
  client "$1" "$SNI" "https://$SNI:$PORT/r1.txt" || true
  client "$1" "$SNI" "https://$SNI:$PORT/r1.txt" || true
  COPTS=()
}

for s in "${SCEN[@]}"; do
  case "$s" in
    one_request) record one-request 127.0.0.1 run_one ;;
    three_requests) record three-requests-one-conn 127.0.0.1 run_three ;;
    three_conns) record three-requests-three-conns 127.0.0.1 run_three_conns ;;
    resume_0rtt) record resume-0rtt 127.0.0.1 run_resume ;;
    retry) record retry 127.0.0.1 run_one -V ;;
    ipv6) record ipv6-one-request ::1 run_ipv6 ;;
    ciphers) record chacha20-aes256 127.0.0.1 run_ciphers ;;
    failed) record handshake-failed-twice 127.0.0.1 run_failed --groups=-GROUP-ALL:+GROUP-X25519 ;;
    tcp_and_quic) FILTER="port $PORT"; record tcp-tls-same-name 127.0.0.1 run_tcp_and_quic; FILTER="udp port $PORT" ;;
    *) echo "record-quic: unknown scenario $s" >&2; exit 2 ;;
  esac
done
log "done: $OUT"
