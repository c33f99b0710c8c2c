#!/usr/bin/env bash
# Record the project's own TCP/TLS fixtures from real programs (nginx, openssl, curl).
#
#   sudo bash scripts/record-fixtures.sh [OUTDIR] [SCENARIO ...]
#
# OUTDIR defaults to fixtures/. With no SCENARIO all are recorded (list: --list).
# Needs root, iproute2 (ip netns), tcpdump, dumpcap, openssl, nginx (nginx-light),
# curl, nft (nftables), ethtool, gzip.  Debian: apt-get install nftables ethtool.
#
# Nothing leaves the machine: every scenario runs inside private network namespaces
# made here (hl-lo: its own loopback; hl-cli 10.77.0.1 <-> hl-rtr <-> hl-srv 10.77.1.2:
# veth pairs, MTU 1500, offloads off, hl-rtr forwards) that are deleted at the end.  Certificates are throwaway
# ones (root CA -> 2 intermediates -> server leaf, RSA 4096, plus a client cert)
# made in a temp dir for each run, so re-recording changes the bytes: run
# `npm run golden` afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/fixtures}"
shift || true
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

NS_LO=hl-lo
NS_CLI=hl-cli
NS_SRV=hl-srv
NS_RTR=hl-rtr
CLI_IP=10.77.0.1
SRV_IP=10.77.1.2
HOST=hl.test

ALL_SCENARIOS=(
  tls12_full tls13_full tls12_resume_sessionid tls12_resume_ticket tls13_psk_resume
  tls13_hrr mtls tls_alert refused syn_retransmit syn_unanswered tls_port_8080
  http_keepalive ipv6_tls13 nanosec gzip pool pool_rate pool_waves mtu1500_chain loss_retransmit dumpcap_2if
)

# Not part of the default set: the seed that scripts/make-bench-capture.sh replicates.
EXTRA_SCENARIOS=(bench_seed)

if [[ "${1:-}" == "--list" ]]; then printf '%s\n' "${ALL_SCENARIOS[@]}"; exit 0; fi
SCENARIOS=("$@")
[[ ${#SCENARIOS[@]} -eq 0 ]] && SCENARIOS=("${ALL_SCENARIOS[@]}")

[[ $(id -u) -eq 0 ]] || { echo "record-fixtures: must run as root (network namespaces, tcpdump)" >&2; exit 1; }
for t in ip tcpdump dumpcap openssl nginx curl nft ethtool gzip; do
  command -v "$t" >/dev/null || { echo "record-fixtures: $t not found" >&2; exit 1; }
done

TMP="$(mktemp -d /tmp/hl-record.XXXXXX)"
chmod 755 "$TMP"   # nginx workers (user nobody) read the document root under it
CAP_PID=""
NGINX_PIDS=()

log() { echo "[record] $*" >&2; }

cleanup() {
  set +e
  [[ -n "$CAP_PID" ]] && kill "$CAP_PID" 2>/dev/null
  for p in "${NGINX_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  ip netns del "$NS_LO" 2>/dev/null
  ip netns del "$NS_CLI" 2>/dev/null
  ip netns del "$NS_SRV" 2>/dev/null
  ip netns del "$NS_RTR" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

inlo() { ip netns exec "$NS_LO" "$@"; }
incli() { ip netns exec "$NS_CLI" "$@"; }
insrv() { ip netns exec "$NS_SRV" "$@"; }
inrtr() { ip netns exec "$NS_RTR" "$@"; }

# ---------------------------------------------------------------- namespaces
setup_netns() {
  local n
  for n in "$NS_LO" "$NS_CLI" "$NS_SRV" "$NS_RTR"; do
    ip netns del "$n" 2>/dev/null || true
    ip netns add "$n"
    ip netns exec "$n" ip link set lo up
  done
  # client <-> router <-> server. The router is where loss is made (its forward hook sees
  # real MTU-sized segments; the sender's own output hook only sees TSO/GSO super-packets).
  ip link add hl-veth-c netns "$NS_CLI" type veth peer name hl-rtr-c netns "$NS_RTR"
  ip link add hl-veth-s netns "$NS_SRV" type veth peer name hl-rtr-s netns "$NS_RTR"
  incli ip addr add "$CLI_IP/24" dev hl-veth-c
  inrtr ip addr add 10.77.0.254/24 dev hl-rtr-c
  inrtr ip addr add 10.77.1.254/24 dev hl-rtr-s
  insrv ip addr add "$SRV_IP/24" dev hl-veth-s
  local pair
  for pair in "$NS_CLI:hl-veth-c" "$NS_RTR:hl-rtr-c" "$NS_RTR:hl-rtr-s" "$NS_SRV:hl-veth-s"; do
    ip netns exec "${pair%%:*}" ip link set "${pair#*:}" mtu 1500 up
    # No segmentation/receive offloads: the capture must show real MTU-sized segments.
    ip netns exec "${pair%%:*}" ethtool -K "${pair#*:}" tso off gso off gro off tx off >/dev/null
  done
  incli ip route add default via 10.77.0.254
  insrv ip route add default via 10.77.1.254
  inrtr sysctl -qw net.ipv4.ip_forward=1
  sleep 0.5
}

# ---------------------------------------------------------------- certificates
make_certs() {
  local d="$TMP/pki"
  mkdir -p "$d"
  cd "$d"
  cat > ext.cnf <<EOF
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$HOST, IP:127.0.0.1, IP:::1, IP:$SRV_IP
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
  openssl req -x509 -newkey rsa:4096 -nodes -keyout root.key -out root.pem -days 3650 \
    -subj "/O=handshake-lens test/CN=handshake-lens Test Root CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  issue() { # name subject issuer extsection
    openssl req -newkey rsa:4096 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 3650 \
      -extfile ext.cnf -extensions "$4" -out "$1.pem" 2>/dev/null
  }
  issue int1 "/O=handshake-lens test/CN=handshake-lens Test Intermediate CA 1" root ca
  issue int2 "/O=handshake-lens test/CN=handshake-lens Test Intermediate CA 2" int1 ca
  issue server "/O=handshake-lens test/CN=$HOST" int2 leaf
  issue client "/O=handshake-lens test/CN=handshake-lens test client" root client
  cat server.pem int2.pem int1.pem > chain.pem
  # A small one-certificate chain (ECDSA P-256 leaf signed by the root) for the
  # pool_rate recordings: 200 connections stay a few hundred KiB.
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout small.key -out small.csr \
    -subj "/O=handshake-lens test/CN=$HOST" 2>/dev/null
  openssl x509 -req -in small.csr -CA root.pem -CAkey root.key -CAcreateserial -days 3650 \
    -extfile ext.cnf -extensions leaf -out small.pem 2>/dev/null
  cd - >/dev/null
}

# ---------------------------------------------------------------- nginx
# start_nginx NAME NETNS LISTEN_ADDR  (LISTEN_ADDR: address the TLS/HTTP servers bind)
start_nginx() {
  local name=$1 ns=$2 addr=$3 p="$TMP/nginx-$1"
  local pki="$TMP/pki"
  mkdir -p "$p/logs" "$p/tmp" "$p/html"
  printf 'hello from handshake-lens test server\n' > "$p/html/index.html"
  head -c 32768 /dev/zero | tr '\0' 'x' > "$p/html/32k.txt"   # body for the bench seed
  local six=""
  [[ "$addr" == "127.0.0.1" ]] && six="listen [::1]:443 ssl;"
  cat > "$p/nginx.conf" <<EOF
worker_processes 1;
pid $p/nginx.pid;
error_log $p/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $p/tmp/body;
  proxy_temp_path $p/tmp/proxy;
  fastcgi_temp_path $p/tmp/fastcgi;
  uwsgi_temp_path $p/tmp/uwsgi;
  scgi_temp_path $p/tmp/scgi;
  default_type text/plain;
  root $p/html;
  keepalive_timeout 30s;
  keepalive_requests 1000;
  ssl_certificate $pki/chain.pem;
  ssl_certificate_key $pki/server.key;
  ssl_session_cache shared:hl:1m;
  ssl_session_timeout 10m;
  # 443: TLS 1.2 + 1.3, session cache and tickets (ticket / PSK resumption)
  server { listen $addr:443 ssl; $six server_name $HOST;
           ssl_protocols TLSv1.2 TLSv1.3; }
  # 4431: TLS 1.2 only, no tickets (session-id resumption; version-mismatch alert)
  server { listen $addr:4431 ssl; server_name $HOST;
           ssl_protocols TLSv1.2; ssl_session_tickets off; }
  # 4432: mutual TLS
  server { listen $addr:4432 ssl; server_name $HOST; ssl_protocols TLSv1.2 TLSv1.3;
           ssl_client_certificate $pki/root.pem; ssl_verify_client on; ssl_verify_depth 3; }
  # 4433: TLS 1.3 with P-256 only (a client whose first key share is X25519 gets a HelloRetryRequest)
  server { listen $addr:4433 ssl; server_name $HOST; ssl_protocols TLSv1.3; ssl_ecdh_curve prime256v1; }
  # 8080: TLS on a port tshark gives to HTTP
  server { listen $addr:8080 ssl; server_name $HOST; ssl_protocols TLSv1.2 TLSv1.3; }
  # 4434: TLS 1.3 with the small ECDSA certificate (pool_rate recordings)
  server { listen $addr:4434 ssl; server_name $HOST; ssl_protocols TLSv1.3;
           ssl_certificate $pki/small.pem; ssl_certificate_key $pki/small.key; }
  # 80: plain HTTP
  server { listen $addr:80; server_name $HOST; }
}
EOF
  ip netns exec "$ns" nginx -p "$p" -c "$p/nginx.conf"
  for _ in $(seq 50); do [[ -s "$p/nginx.pid" ]] && break; sleep 0.1; done
  NGINX_PIDS+=("$(cat "$p/nginx.pid")")
  sleep 0.3
}

# ---------------------------------------------------------------- capture
# cap_start NETNS IFACE FILE [tcpdump args...]
cap_start() {
  local ns=$1 ifc=$2 file=$3
  shift 3
  rm -f "$file" "$TMP/cap.err"
  ip netns exec "$ns" tcpdump -i "$ifc" -U --immediate-mode -s 0 -Z root "$@" -w "$file" tcp \
    2>"$TMP/cap.err" &
  CAP_PID=$!
  for _ in $(seq 100); do grep -q 'listening on' "$TMP/cap.err" 2>/dev/null && break; sleep 0.05; done
  sleep 0.2
}

cap_stop() {
  sleep 0.5
  kill -INT "$CAP_PID"
  wait "$CAP_PID" 2>/dev/null || true
  CAP_PID=""
  log "  $(basename "$1"): $(grep -Eo '[0-9]+ packets? captured' "$TMP/cap.err" || echo '?')"
}

PKI() { echo "$TMP/pki/$1"; }
REQ() { printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST"; }
# curl against the lo namespace by name (SNI hl.test), trusting our root
lcurl() { inlo curl -sS -o /dev/null -w "${HL_DEBUG:+%{http_code\}\\n}" --cacert "$(PKI root.pem)" "$@"; }
resolve() { echo "--resolve $HOST:$1:${2:-127.0.0.1}"; }
# openssl s_client in the lo namespace; sends one request and reads the answer
sclient() { REQ | inlo openssl s_client -connect "127.0.0.1:$1" -servername "$HOST" \
  -CAfile "$(PKI root.pem)" -ign_eof -quiet "${@:2}" >/dev/null 2>>"$TMP/sclient.err" || true; }

# ---------------------------------------------------------------- scenarios
sc_tls12_full() {
  local f="$OUT/lo-tls12-full.pcap"; cap_start "$NS_LO" lo "$f"
  lcurl $(resolve 443) --tlsv1.2 --tls-max 1.2 "https://$HOST/"
  cap_stop "$f"
}

sc_tls13_full() {
  local f="$OUT/lo-tls13-full.pcap"; cap_start "$NS_LO" lo "$f"
  lcurl $(resolve 443) --tlsv1.3 "https://$HOST/"
  cap_stop "$f"
}

sc_tls12_resume_sessionid() {
  local f="$OUT/lo-tls12-resume-sessionid.pcap" s="$TMP/sess-id.pem"; cap_start "$NS_LO" lo "$f"
  sclient 4431 -tls1_2 -no_ticket -sess_out "$s"
  sleep 0.2
  sclient 4431 -tls1_2 -no_ticket -sess_in "$s"
  cap_stop "$f"
}

sc_tls12_resume_ticket() {
  local f="$OUT/lo-tls12-resume-ticket.pcap" s="$TMP/sess-tk12.pem"; cap_start "$NS_LO" lo "$f"
  sclient 443 -tls1_2 -sess_out "$s"
  sleep 0.2
  sclient 443 -tls1_2 -sess_in "$s"
  cap_stop "$f"
}

sc_tls13_psk_resume() {
  local f="$OUT/lo-tls13-psk-resume.pcap" s="$TMP/sess-tk13.pem"; cap_start "$NS_LO" lo "$f"
  sclient 443 -tls1_3 -sess_out "$s"
  sleep 0.2
  sclient 443 -tls1_3 -sess_in "$s"
  cap_stop "$f"
}

sc_tls13_hrr() {
  local f="$OUT/lo-tls13-hello-retry.pcap"; cap_start "$NS_LO" lo "$f"
  sclient 4433 -tls1_3 -groups X25519:P-256
  cap_stop "$f"
}

sc_mtls() {
  local f="$OUT/lo-tls12-client-cert.pcap"; cap_start "$NS_LO" lo "$f"
  lcurl $(resolve 4432) --tlsv1.2 --tls-max 1.2 --cert "$(PKI client.pem)" --key "$(PKI client.key)" "https://$HOST:4432/"
  cap_stop "$f"
  f="$OUT/lo-tls13-client-cert.pcap"; cap_start "$NS_LO" lo "$f"
  lcurl $(resolve 4432) --tlsv1.3 --cert "$(PKI client.pem)" --key "$(PKI client.key)" "https://$HOST:4432/"
  cap_stop "$f"
}

sc_tls_alert() {
  # Client wants TLS 1.3 only, server (4431) speaks TLS 1.2 only: protocol_version alert.
  local f="$OUT/lo-tls-alert-version-mismatch.pcap"; cap_start "$NS_LO" lo "$f"
  sclient 4431 -tls1_3
  cap_stop "$f"
}

sc_refused() {
  local f="$OUT/lo-tcp-refused.pcap"; cap_start "$NS_LO" lo "$f"
  lcurl --connect-timeout 3 "https://127.0.0.1:9/" 2>/dev/null || true
  cap_stop "$f"
}

sc_syn_retransmit() {
  # The server's SYNs are dropped for ~2.5 s (nft, inside the namespace), then let through:
  # the client retransmits its SYN (t+1 s, t+3 s) and then connects.
  local f="$OUT/lo-tcp-syn-retransmit-then-tls13.pcap"
  inlo nft add table inet hl
  inlo nft add chain inet hl in '{ type filter hook input priority 0; }'
  inlo nft add rule inet hl in tcp dport 443 tcp flags '& (syn|ack) == syn' drop
  cap_start "$NS_LO" lo "$f"
  (sleep 2.5; inlo nft delete table inet hl) &
  local del=$!
  lcurl $(resolve 443) --tlsv1.3 --connect-timeout 10 "https://$HOST/"
  wait "$del"
  cap_stop "$f"
}

sc_syn_unanswered() {
  local f="$OUT/lo-tcp-syn-unanswered.pcap"
  inlo nft add table inet hl
  inlo nft add chain inet hl in '{ type filter hook input priority 0; }'
  inlo nft add rule inet hl in tcp dport 443 tcp flags '& (syn|ack) == syn' drop
  cap_start "$NS_LO" lo "$f"
  lcurl $(resolve 443) --connect-timeout 4 "https://$HOST/" 2>/dev/null || true
  cap_stop "$f"
  inlo nft delete table inet hl
}

sc_tls_port_8080() {
  local f="$OUT/lo-tls13-port-8080.pcap"; cap_start "$NS_LO" lo "$f"
  lcurl $(resolve 8080) --tlsv1.3 "https://$HOST:8080/"
  cap_stop "$f"
}

sc_http_keepalive() {
  local f="$OUT/lo-http-keepalive-3req.pcap"; cap_start "$NS_LO" lo "$f"
  lcurl "http://127.0.0.1/" "http://127.0.0.1/" "http://127.0.0.1/" -o /dev/null -o /dev/null
  cap_stop "$f"
  f="$OUT/lo-http-conn-per-request-3req.pcap"; cap_start "$NS_LO" lo "$f"
  for _ in 1 2 3; do lcurl "http://127.0.0.1/"; done
  cap_stop "$f"
}

sc_ipv6_tls13() {
  local f="$OUT/lo6-tls13-full.pcap"; cap_start "$NS_LO" lo "$f"
  lcurl --resolve "$HOST:443:::1" --tlsv1.3 "https://$HOST/"
  cap_stop "$f"
}

sc_nanosec() {
  local f="$OUT/lo-tls12-nanosec.pcap"
  cap_start "$NS_LO" lo "$f" --time-stamp-precision=nano
  lcurl $(resolve 443) --tlsv1.2 --tls-max 1.2 "https://$HOST/"
  cap_stop "$f"
}

sc_gzip() {
  [[ -f "$OUT/lo-tls13-full.pcap" ]] || sc_tls13_full
  gzip -n -9 -c "$OUT/lo-tls13-full.pcap" > "$OUT/lo-tls13-full.pcap.gz"
  log "  lo-tls13-full.pcap.gz"
}

sc_pool() {
  local urls=() i
  for i in $(seq 10); do urls+=("https://$HOST/?r=$i"); done
  local f="$OUT/pool-before-no-keepalive.pcap"; cap_start "$NS_LO" lo "$f"
  for u in "${urls[@]}"; do lcurl $(resolve 443) --tlsv1.3 "$u"; done
  cap_stop "$f"
  f="$OUT/pool-after-keepalive.pcap"; cap_start "$NS_LO" lo "$f"
  local args=()
  for u in "${urls[@]}"; do args+=(-o /dev/null "$u"); done
  inlo curl -sS --cacert "$(PKI root.pem)" $(resolve 443) --tlsv1.3 "${args[@]}"
  cap_stop "$f"
  f="$OUT/pool-sequential-5conns-1s.pcap"; cap_start "$NS_LO" lo "$f"
  for i in 1 2 3 4 5; do lcurl $(resolve 443) --tlsv1.3 "https://$HOST/?s=$i"; [[ $i -lt 5 ]] && sleep 1; done
  cap_stop "$f"
  f="$OUT/pool-parallel-4conns.pcap"; cap_start "$NS_LO" lo "$f"
  inlo curl -sS --cacert "$(PKI root.pem)" $(resolve 443) --tlsv1.3 --http1.1 --parallel --parallel-immediate \
    --parallel-max 4 "${urls[@]:0:4}" >/dev/null
  cap_stop "$f"
}

# Two waves of 3 parallel connections, 0.5 s apart: the second wave starts after the first has
# closed, so a pool of k idle connections would serve k of its 3 (what --pool-size changes).
sc_pool_waves() {
  local f="$OUT/pool-waves-2x3-parallel.pcap" w urls
  cap_start "$NS_LO" lo "$f"
  for w in 1 2; do
    urls=("https://$HOST/?w=$w&c=1" "https://$HOST/?w=$w&c=2" "https://$HOST/?w=$w&c=3")
    inlo curl -sS --cacert "$(PKI root.pem)" $(resolve 443) --tlsv1.3 --http1.1 --parallel --parallel-immediate \
      --parallel-max 3 "${urls[@]}" >/dev/null
    [[ $w -eq 1 ]] && sleep 0.5
  done
  cap_stop "$f"
}

# The same workload (sequential GETs of / over TLS 1.3, small certificate) at two sample
# lengths, each with one connection per request and with keep-alive: a pool verdict
# computed from rates must be the same for the short and the long sample.
sc_pool_rate() {
  local n f u i urls args
  for n in 5 200; do
    urls=(); for i in $(seq "$n"); do urls+=("https://$HOST:4434/?r=$i"); done
    # -B: a large capture buffer, so that no segment of the 200-request runs is dropped.
    f="$OUT/pool-rate-${n}req-conn-per-request.pcap"; cap_start "$NS_LO" lo "$f" -B 65536
    for u in "${urls[@]}"; do lcurl $(resolve 4434) --tlsv1.3 "$u"; done
    cap_stop "$f"
    f="$OUT/pool-rate-${n}req-keepalive.pcap"; cap_start "$NS_LO" lo "$f" -B 65536
    args=(); for u in "${urls[@]}"; do args+=(-o /dev/null "$u"); done
    inlo curl -sS --cacert "$(PKI root.pem)" $(resolve 4434) --tlsv1.3 "${args[@]}"
    cap_stop "$f"
  done
}

ns_curl() { incli curl -sS -o /dev/null --cacert "$(PKI root.pem)" --resolve "$HOST:443:$SRV_IP" "$@"; }

sc_mtu1500_chain() {
  local f="$OUT/ns-tls12-mtu1500-cert-chain.pcap"; cap_start "$NS_CLI" hl-veth-c "$f"
  ns_curl --tlsv1.2 --tls-max 1.2 "https://$HOST/"
  cap_stop "$f"
  f="$OUT/ns-tls13-mtu1500-cert-chain.pcap"; cap_start "$NS_CLI" hl-veth-c "$f"
  ns_curl --tlsv1.3 "https://$HOST/"
  cap_stop "$f"
}

sc_loss_retransmit() {
  # netem is not available in this kernel. Instead the router drops exactly one of the
  # server's full-size segments (the Nth one of the certificate flight, nft numgen inc),
  # so the client-side capture shows the flight with a hole: later segments arrive
  # first and the retransmission fills the hole. Checked with tshark (out-of-order
  # reassembly on) that the Certificate still dissects and application data follows.
  local f="$OUT/ns-tls12-lossy-cert-flight.pcap" nth
  for nth in 1 2 0; do
    inrtr nft add table inet hl
    inrtr nft add chain inet hl fw '{ type filter hook forward priority 0; }'
    inrtr nft add rule inet hl fw ip saddr "$SRV_IP" tcp sport 443 ip length '> 1000' numgen inc mod 1000 == "$nth" drop
    cap_start "$NS_CLI" hl-veth-c "$f"
    ns_curl --tlsv1.2 --tls-max 1.2 --max-time 20 "https://$HOST/" || true
    cap_stop "$f"
    [[ -n "${HL_DEBUG:-}" ]] && inrtr nft list ruleset >&2
    inrtr nft delete table inet hl
    if tshark -r "$f" -Y 'tcp.analysis.retransmission || tcp.analysis.out_of_order' 2>/dev/null | grep -q . &&
       tshark -r "$f" -o tcp.reassemble_out_of_order:TRUE -Y 'tls.handshake.type==11' 2>/dev/null | grep -q . &&
       tshark -r "$f" -Y 'tls.record.content_type==23' 2>/dev/null | grep -q .; then
      log "  lossy capture ok (dropped large server segment #$nth)"; return 0
    fi
  done
  log "  WARNING: no lossy capture with a retransmitted certificate segment"
}

sc_bench_seed() {
  # 200 short HTTPS connections (alternating TLS 1.2 / 1.3, 32 KiB response each) over
  # the MTU-1500 path; output name: bench-seed.pcap (used by make-bench-capture.sh).
  local f="$OUT/bench-seed.pcap" i n="${HL_BENCH_CONNS:-200}"
  cap_start "$NS_CLI" hl-veth-c "$f"
  for i in $(seq "$n"); do
    if (( i % 2 )); then ns_curl --tlsv1.3 "https://$HOST/32k.txt"; else ns_curl --tlsv1.2 --tls-max 1.2 "https://$HOST/32k.txt"; fi
  done
  cap_stop "$f"
}

sc_dumpcap_2if() {
  # dumpcap writes pcapng with one IDB per interface: the server namespace's loopback
  # (a local client) and its veth (a client in the other namespace).
  local f="$OUT/ns-dumpcap-2if-lo-veth.pcapng"
  rm -f "$f"
  ip netns exec "$NS_SRV" dumpcap -q -i lo -i hl-veth-s -f tcp -w "$f" 2>"$TMP/dumpcap.err" &
  CAP_PID=$!
  sleep 1.5
  insrv curl -sS -o /dev/null --cacert "$(PKI root.pem)" --resolve "$HOST:443:127.0.0.1" --tlsv1.3 "https://$HOST/"
  ns_curl --tlsv1.2 --tls-max 1.2 "https://$HOST/"
  sleep 0.5
  kill -TERM "$CAP_PID"; wait "$CAP_PID" 2>/dev/null || true; CAP_PID=""
  chmod 644 "$f"
  log "  $(basename "$f")"
}

# ---------------------------------------------------------------- main
setup_netns
log "certificates in $TMP/pki"
make_certs
start_nginx lo "$NS_LO" 127.0.0.1
start_nginx srv "$NS_SRV" 0.0.0.0
for s in "${SCENARIOS[@]}"; do
  log "scenario $s"
  "sc_$s"
done
log "done; now run: npm run golden"
