#!/usr/bin/env bash
# Records fixtures/findings/*.pcap: one capture per failure scenario of the
# findings stage (issue 9), from real programs (python3 stdlib sockets/ssl in
# scripts/record/findings/peers.py, nginx), in two network namespaces joined
# by a veth pair:
#
#   hl-ff-cli  10.99.0.1/24  ff-cli  <-- veth -->  ff-srv  10.99.0.2/24  hl-ff-srv
#
# tcpdump -U -s 0 runs in one namespace (the client's unless said otherwise)
# and is stopped by its pid. Re-runnable: namespaces, iptables rules and
# sysctls live only inside the namespaces, which are deleted on exit.
# Needs root, iproute2, tcpdump, python3, openssl, nginx (nginx-light), iptables, ethtool.
# Usage: bash scripts/record-findings.sh [scenario-letter ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/fixtures/findings
PEERS=$ROOT/scripts/record/findings/peers.py
NS_C=hl-ff-cli
NS_S=hl-ff-srv
CLI_IP=10.99.0.1
SRV_IP=10.99.0.2

[[ $(id -u) -eq 0 ]] || { echo "record-findings: must run as root" >&2; exit 1; }
for t in ip tcpdump python3 openssl nginx iptables ethtool; do
  command -v "$t" >/dev/null || { echo "record-findings: $t not found (apt-get install nginx-light iptables ethtool)" >&2; exit 1; }
done
mkdir -p "$OUT"
TMP=$(mktemp -d)
BG=()

cleanup() {
  local p
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.2
  ip netns del "$NS_C" 2>/dev/null || true
  ip netns del "$NS_S" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

incli() { ip netns exec "$NS_C" "$@"; }
insrv() { ip netns exec "$NS_S" "$@"; }

setup_netns() {
  local n
  for n in "$NS_C" "$NS_S"; do
    ip netns del "$n" 2>/dev/null || true
    ip netns add "$n"
    ip netns exec "$n" ip link set lo up
  done
  ip link add ff-cli netns "$NS_C" type veth peer name ff-srv netns "$NS_S"
  incli ip addr add "$CLI_IP/24" dev ff-cli
  insrv ip addr add "$SRV_IP/24" dev ff-srv
  incli ip link set ff-cli up
  insrv ip link set ff-srv up
  # No segmentation offloads: the capture shows the segments as they are on a real wire.
  incli ethtool -K ff-cli tso off gso off gro off >/dev/null
  insrv ethtool -K ff-srv tso off gso off gro off >/dev/null
  for _ in $(seq 50); do incli ping -c1 -W1 "$SRV_IP" >/dev/null 2>&1 && break; sleep 0.1; done
}

make_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -subj "/CN=findings.test" \
    -addext "subjectAltName=DNS:findings.test,IP:$SRV_IP" 2>/dev/null
}

# cap_start NS IFACE NAME: tcpdump in namespace NS on IFACE writing $OUT/NAME
CAP_PID=
cap_start() {
  local ns=$1 ifc=$2 file=$OUT/$3
  rm -f "$file"
  ip netns exec "$ns" tcpdump -i "$ifc" -U --immediate-mode -s 0 -Z root -w "$file" tcp 2>"$TMP/cap.err" &
  CAP_PID=$!
  BG+=("$CAP_PID")
  for _ in $(seq 100); do grep -q "listening on" "$TMP/cap.err" 2>/dev/null && break; sleep 0.05; done
  sleep 0.2
}
cap_stop() {
  sleep 0.3
  kill "$CAP_PID"
  wait "$CAP_PID" 2>/dev/null || true
}

# srv_start ARGS...: a peers.py server in the server namespace; waits for its "listening" line
SRV_PID=
srv_start() {
  rm -f "$TMP/srv.out"
  # ip netns exec execs the program: $! is the server's own pid (not a subshell's)
  ip netns exec "$NS_S" python3 "$PEERS" server "$@" >"$TMP/srv.out" 2>>"$TMP/srv.err" &
  SRV_PID=$!
  BG+=("$SRV_PID")
  for _ in $(seq 100); do grep -q listening "$TMP/srv.out" 2>/dev/null && return; sleep 0.05; done
  echo "record-findings: server $* did not start" >&2; cat "$TMP/srv.err" >&2; exit 1
}
srv_stop() { kill "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; }
srv_wait() { wait "$SRV_PID" 2>/dev/null || true; }
cli() { incli python3 "$PEERS" client "$1" "$SRV_IP" "${@:2}" 2>>"$TMP/cli.err" || true; }

# (a) listen() backlog 1, never accept(): two clients fill the accept queue, two more
#     get their SYNs dropped (retransmitted at 1 s, 3 s) and give up after 3.5 s.
rec_a() {
  insrv sysctl -qw net.ipv4.tcp_abort_on_overflow=0
  srv_start noaccept 8001 1
  cap_start "$NS_C" ff-cli a-syn-backlog-full.pcap
  cli backlog 8001 2 2 3.5 1.2
  srv_stop # the listener closes: the queued connections get an RST
  cap_stop
}
# (b) tcp_abort_on_overflow=1: four clients at once on backlog 1. Two fill the accept queue,
#     the other two have their SYNs dropped; at 0.9 s the server accept()s one, so both
#     SYN retransmissions (1 s) are answered, and the second handshake ACK overflows the
#     queue: RST. The server accept()s the rest at 2.5 s.
rec_b() {
  insrv sysctl -qw net.ipv4.tcp_abort_on_overflow=1
  srv_start late-accept 8002 1 3 0.9,2.5
  cap_start "$NS_C" ff-cli b-accept-overflow-abort.pcap
  cli burst 8002 4 1.5
  srv_stop
  insrv sysctl -qw net.ipv4.tcp_abort_on_overflow=0
  cap_stop
}
# (c) tcp_abort_on_overflow=0: the same, requests sent as soon as connect() returns: the
#     overflowing handshake ACK is dropped, the server retransmits its SYN-ACK and the
#     client (connected, as it believes) retransmits its request until the server accept()s.
rec_c() {
  insrv sysctl -qw net.ipv4.tcp_abort_on_overflow=0
  srv_start late-accept 8003 1 4 0.9,4.0
  cap_start "$NS_C" ff-cli c-accept-overflow-synack.pcap
  cli burst 8003 4 0
  srv_stop
  cap_stop
}
# (d) a firewall in the server namespace drops SYNs; the client's connect times out after 2.2 s.
#     1.2 s later the client talks to another port of the server (so the capture goes on).
rec_d() {
  insrv iptables -A INPUT -p tcp --dport 8004 --syn -j DROP
  srv_start plain 8004
  local fw=$SRV_PID
  cap_start "$NS_C" ff-cli d-connect-timeout-firewall.pcap
  cli connect-timeout 8004 2.2
  sleep 1.2
  srv_start plain 8014
  cli request 8014
  srv_wait
  SRV_PID=$fw
  srv_stop
  insrv iptables -D INPUT -p tcp --dport 8004 --syn -j DROP
  cap_stop
}
# (e) the server accepts and never answers; the client gives up after 1.5 s and closes.
rec_e() {
  srv_start silent 8005
  cap_start "$NS_C" ff-cli e-response-timeout.pcap
  cli response-timeout 8005 1.5
  srv_wait
  cap_stop
}
# (f) the server answers after 500 ms. Captured on the server's side.
rec_f() {
  srv_start slow 8006 0.5
  cap_start "$NS_S" ff-srv f-slow-first-byte-server-side.pcap
  cli request 8006
  srv_wait
  cap_stop
}
# (g) retries to a port nobody listens on (refused): with backoff 0.5, 1, 2, 4 s; and at once.
#     Then retries after connect timeouts (1.2 s; SYNs dropped by iptables), pauses 0.5 and 2 s.
rec_g() {
  cap_start "$NS_C" ff-cli g-retry-backoff.pcap
  cli retry 8079 2 0.5 1 2 4
  cap_stop
  cap_start "$NS_C" ff-cli g-retry-no-backoff.pcap
  cli retry 8078 2 0 0 0
  cap_stop
  insrv iptables -A INPUT -p tcp --dport 8077 --syn -j DROP
  srv_start plain 8077
  cap_start "$NS_C" ff-cli g-retry-after-connect-timeout.pcap
  cli retry 8077 1.2 0.5 2
  sleep 1.2
  srv_stop
  insrv iptables -D INPUT -p tcp --dport 8077 --syn -j DROP
  srv_start plain 8015 # a last connection elsewhere: the capture goes on after the last SYN
  cli request 8015
  srv_wait
  cap_stop
}
# (h) the server's receive buffer is tiny and it stops reading for 1.5 s while the client sends 24 KB.
rec_h() {
  srv_start noread 8008 2048 1.5
  cap_start "$NS_C" ff-cli h-zero-window.pcap
  cli bulk 8008 24000
  srv_wait
  cap_stop
}
# (i) nginx over TLS with keepalive_timeout 2s; the client reuses its connection after 3 s.
rec_i() {
  local p=$TMP/nginx
  mkdir -p "$p/logs"
  cat >"$p/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $p/nginx.pid;
error_log $p/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $p/body; proxy_temp_path $p/proxy; fastcgi_temp_path $p/fastcgi;
  uwsgi_temp_path $p/uwsgi; scgi_temp_path $p/scgi;
  keepalive_timeout 2s;
  server {
    listen $SRV_IP:8443 ssl;
    ssl_certificate $TMP/cert.pem; ssl_certificate_key $TMP/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { default_type text/plain; return 200 "ok\n"; }
  }
}
EOF
  ip netns exec "$NS_S" nginx -p "$p" -c "$p/nginx.conf" 2>>"$TMP/srv.err" &
  local ng=$!
  BG+=("$ng")
  for _ in $(seq 100); do [[ -s $p/nginx.pid ]] && break; sleep 0.05; done
  sleep 0.3
  cap_start "$NS_C" ff-cli i-nginx-idle-close-stale-reuse.pcap
  cli stale-reuse 8443 3
  cap_stop
  kill "$ng"; wait "$ng" 2>/dev/null || true
}
# (j) failed TLS handshakes: the client rejects a self-signed certificate (unknown_ca, TLS 1.2
#     so the alert is readable); a TLS 1.3-only server refuses a TLS 1.2 client (protocol_version).
rec_j() {
  cap_start "$NS_C" ff-cli j-tls-handshake-alerts.pcap
  srv_start tls 4443 "$TMP/cert.pem" "$TMP/key.pem" 1.2 1.2 close-notify
  cli tls-verify 4443 1.2
  srv_wait
  srv_start tls 4444 "$TMP/cert.pem" "$TMP/key.pem" 1.3 1.3 close-notify
  cli tls-verify 4444 1.2
  srv_wait
  cap_stop
}
# (k) normal closes: FIN/FIN (plain), close_notify then FIN (TLS 1.2), and a
#     Connection: close answer (TLS 1.3) whose FIN is followed by the client's close_notify and the usual RST.
rec_k() {
  cap_start "$NS_C" ff-cli k-normal-closes.pcap
  srv_start plain 8011
  cli request 8011
  srv_wait
  srv_start tls 4445 "$TMP/cert.pem" "$TMP/key.pem" 1.2 1.2 close-notify
  cli tls-request 4445 close-notify
  srv_wait
  srv_start tls 4446 "$TMP/cert.pem" "$TMP/key.pem" 1.3 1.3 conn-close
  cli tls-request 4446 conn-close
  srv_wait
  cap_stop
}

setup_netns
make_cert
wanted=("$@")
[[ ${#wanted[@]} -eq 0 ]] && wanted=(a b c d e f g h i j k)
for s in "${wanted[@]}"; do
  echo "record-findings: scenario $s" >&2
  "rec_$s"
done
ls -l "$OUT"/*.pcap
if [[ -s $TMP/cli.err ]]; then echo "--- client messages"; cat "$TMP/cli.err"; fi
if [[ -s $TMP/srv.err ]]; then echo "--- server messages"; cat "$TMP/srv.err"; fi
echo "next: bash scripts/make-golden.sh fixtures/findings/*.pcap && node scripts/make-findings-expected.mjs"
