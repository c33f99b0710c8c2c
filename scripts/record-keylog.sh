#!/usr/bin/env bash
# Record TLS fixtures together with the key logs their clients wrote, for the
# decryption tests (fixtures/keylog/).
#
#   sudo bash scripts/record-keylog.sh [OUTDIR] [SCENARIO ...]
#
# OUTDIR defaults to fixtures/keylog. With no SCENARIO all are recorded (--list).
# For each scenario NAME it writes NAME.pcap and NAME.keys.log (NSS key log
# written by the client: curl's SSLKEYLOGFILE or openssl s_client -keylogfile),
# except the DSB scenario, whose pcapng carries the keys itself.
# Needs root, iproute2, tcpdump, editcap, openssl, curl, node, ethtool.
#
# Nothing leaves the machine: scenarios run in private network namespaces made
# here (hlk-lo: its own loopback; hlk-cli 10.78.0.1 <-> hlk-srv 10.78.0.2 over a
# veth pair, MTU 1500, offloads off) and deleted at the end. Servers are node's
# https/http2 modules (a script written to the temp dir) and openssl s_server
# (0-RTT, KeyUpdate). Certificates are throwaway (root -> 2 intermediates ->
# RSA-4096 leaf, plus a client certificate), made per run: re-recording changes
# the bytes, so run `node scripts/make-keylog-golden.mjs` afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/fixtures/keylog}"
shift || true
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

NS_LO=hlk-lo
NS_CLI=hlk-cli
NS_SRV=hlk-srv
CLI_IP=10.78.0.1
SRV_IP=10.78.0.2
HOST=hl.test

ALL=(tls13_full tls13_suites tls13_hrr tls13_mtls tls13_early_data tls13_early_data_chacha tls13_key_update
     tls12_gcm tls12_suites http1_keepalive http2_5req mtu1500_chain dsb_embedded)
if [[ "${1:-}" == "--list" ]]; then printf '%s\n' "${ALL[@]}"; exit 0; fi
SCEN=("$@")
[[ ${#SCEN[@]} -eq 0 ]] && SCEN=("${ALL[@]}")

[[ $(id -u) -eq 0 ]] || { echo "record-keylog: must run as root" >&2; exit 1; }
for t in ip tcpdump editcap openssl curl node ethtool; do
  command -v "$t" >/dev/null || { echo "record-keylog: $t not found" >&2; exit 1; }
done

TMP="$(mktemp -d /tmp/hlk-record.XXXXXX)"
CAP_PID=""
SRV_PIDS=()
log() { echo "[record-keylog] $*" >&2; }

cleanup() {
  set +e
  [[ -n "$CAP_PID" ]] && kill "$CAP_PID" 2>/dev/null
  for p in "${SRV_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.3
  ip netns del "$NS_LO" 2>/dev/null
  ip netns del "$NS_CLI" 2>/dev/null
  ip netns del "$NS_SRV" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

inlo() { ip netns exec "$NS_LO" "$@"; }
incli() { ip netns exec "$NS_CLI" "$@"; }
insrv() { ip netns exec "$NS_SRV" "$@"; }

setup_netns() {
  local n
  for n in "$NS_LO" "$NS_CLI" "$NS_SRV"; do
    ip netns del "$n" 2>/dev/null || true
    ip netns add "$n"
    ip netns exec "$n" ip link set lo up
  done
  ip link add hlk-veth-c netns "$NS_CLI" type veth peer name hlk-veth-s netns "$NS_SRV"
  incli ip addr add "$CLI_IP/24" dev hlk-veth-c
  insrv ip addr add "$SRV_IP/24" dev hlk-veth-s
  incli ip link set hlk-veth-c mtu 1500 up
  insrv ip link set hlk-veth-s mtu 1500 up
  incli ethtool -K hlk-veth-c tso off gso off gro off tx off >/dev/null
  insrv ethtool -K hlk-veth-s tso off gso off gro off tx off >/dev/null
  sleep 0.5
}

make_certs() {
  local d="$TMP/pki"
  mkdir -p "$d"
  (
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
subjectAltName = DNS:$HOST, IP:127.0.0.1, IP:$SRV_IP
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
    openssl req -x509 -newkey rsa:4096 -nodes -keyout root.key -out root.pem -days 3650 \
      -subj "/O=handshake-lens test/CN=handshake-lens Keylog Root CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    issue() { # name subject issuer extsection
      openssl req -newkey rsa:4096 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 3650 \
        -extfile ext.cnf -extensions "$4" -out "$1.pem" 2>/dev/null
    }
    issue int1 "/O=handshake-lens test/CN=handshake-lens Keylog Intermediate CA 1" root ca
    issue int2 "/O=handshake-lens test/CN=handshake-lens Keylog Intermediate CA 2" int1 ca
    issue server "/O=handshake-lens test/CN=$HOST" int2 leaf
    issue client "/O=handshake-lens test/CN=handshake-lens keylog client" root client
    cat server.pem int2.pem int1.pem > chain.pem
  )
}
PKI() { echo "$TMP/pki/$1"; }

# node servers: 443 https (HTTP/1.1 keep-alive, TLS 1.2+1.3), 4433 TLS 1.3 with
# P-256 only (X25519-first clients get a HelloRetryRequest), 4432 mutual TLS,
# 8443 HTTP/2.
write_server() {
  cat > "$TMP/server.mjs" <<'EOF'
import https from 'node:https';
import http2 from 'node:http2';
import fs from 'node:fs';
const [pki, ready] = process.argv.slice(2);
const cert = fs.readFileSync(`${pki}/chain.pem`);
const key = fs.readFileSync(`${pki}/server.key`);
const ca = fs.readFileSync(`${pki}/root.pem`);
const body = (req) => `hello from handshake-lens keylog server: ${req.method} ${req.url}\n`;
const h1 = (req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(body(req)); };
let pending = 4;
const up = () => { if (--pending === 0) fs.writeFileSync(ready, 'ok'); };
const base = { cert, key, minVersion: 'TLSv1.2' };
https.createServer({ ...base, keepAliveTimeout: 30000 }, h1).listen(443, '0.0.0.0', up);
https.createServer({ ...base, minVersion: 'TLSv1.3', ecdhCurve: 'P-256' }, h1).listen(4433, '0.0.0.0', up);
https.createServer({ ...base, requestCert: true, rejectUnauthorized: true, ca }, h1).listen(4432, '0.0.0.0', up);
const s2 = http2.createSecureServer({ ...base, minVersion: 'TLSv1.3' });
s2.on('stream', (stream, headers) => {
  stream.respond({ ':status': 200, 'content-type': 'text/plain' });
  stream.end(body({ method: headers[':method'], url: headers[':path'] }));
});
s2.listen(8443, '0.0.0.0', up);
EOF
}

start_node_server() { # NETNS
  local ready="$TMP/ready-$1"
  rm -f "$ready"
  ip netns exec "$1" node "$TMP/server.mjs" "$TMP/pki" "$ready" 2>>"$TMP/server.err" &
  SRV_PIDS+=("$!")
  for _ in $(seq 100); do [[ -s "$ready" ]] && break; sleep 0.1; done
  [[ -s "$ready" ]] || { log "node server in $1 did not start"; cat "$TMP/server.err" >&2; exit 1; }
}

cap_start() { # NETNS IFACE FILE
  local ns=$1 ifc=$2 file=$3
  rm -f "$file" "$TMP/cap.err"
  ip netns exec "$ns" tcpdump -i "$ifc" -U --immediate-mode -s 0 -Z root -w "$file" tcp 2>"$TMP/cap.err" &
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

# name -> capture and key log paths
F() { echo "$OUT/$1.pcap"; }
K() { echo "$OUT/$1.keys.log"; }
begin() { rm -f "$(K "$1")"; cap_start "$NS_LO" lo "$(F "$1")"; }
end() { cap_stop "$(F "$1")"; }

lcurl() { # KEYLOG PORT curl-args...
  local k=$1 port=$2; shift 2
  SSLKEYLOGFILE="$k" inlo curl -sS -o /dev/null --cacert "$(PKI root.pem)" \
    --resolve "$HOST:$port:127.0.0.1" "$@"
}
REQ() { printf 'GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$HOST"; }
sclient() { # KEYLOG PORT args...
  local k=$1 port=$2; shift 2
  REQ | inlo openssl s_client -connect "127.0.0.1:$port" -servername "$HOST" -CAfile "$(PKI root.pem)" \
    -keylogfile "$k" -ign_eof -quiet "$@" >/dev/null 2>>"$TMP/sclient.err" || true
}

sc_tls13_full() { local n=lo-tls13-full-keylog; begin $n
  lcurl "$(K $n)" 443 --tlsv1.3 "https://$HOST/"; end $n; }

sc_tls13_suites() { local n=lo-tls13-3suites-keylog; begin $n
  local s
  for s in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    lcurl "$(K $n)" 443 --tlsv1.3 --tls13-ciphers "$s" "https://$HOST/$s"
  done
  end $n; }

sc_tls13_hrr() { local n=lo-tls13-hrr-keylog; begin $n
  sclient "$(K $n)" 4433 -tls1_3 -groups X25519:P-256; end $n; }

sc_tls13_mtls() { local n=lo-tls13-mtls-keylog; begin $n
  lcurl "$(K $n)" 4432 --tlsv1.3 --cert "$(PKI client.pem)" --key "$(PKI client.key)" "https://$HOST:4432/"
  end $n; }

# openssl s_server whose stdin is a FIFO held open on fd 3, so that the script
# decides when it answers (it never closes a connection on stdin EOF).
sserver_start() { # PORT args...
  local port=$1; shift
  rm -f "$TMP/srvin"; mkfifo "$TMP/srvin"
  inlo openssl s_server -accept "$port" -cert "$(PKI chain.pem)" -key "$(PKI server.key)" -quiet "$@" \
    <"$TMP/srvin" >/dev/null 2>>"$TMP/sserver.err" &
  SSERVER_PID=$!
  exec 3>"$TMP/srvin"
  sleep 0.5
}
sserver_stop() { exec 3>&-; kill "$SSERVER_PID" 2>/dev/null || true; wait "$SSERVER_PID" 2>/dev/null || true; }
RESP() { printf 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n' >&3; }
# s_client that closes (close_notify, FIN) when its stdin ends
sclient_eof() { # KEYLOG PORT args...
  local k=$1 port=$2; shift 2
  inlo openssl s_client -connect "127.0.0.1:$port" -servername "$HOST" -CAfile "$(PKI root.pem)" \
    -keylogfile "$k" "$@" >/dev/null 2>>"$TMP/sclient.err" || true
}

# PSK resumption with 0-RTT: the first connection saves its ticket, the second
# resumes with it and sends its request as early data.
early_data() { # NAME [s_client args...]
  local n=$1; shift
  begin $n
  local sess="$TMP/sess.pem" early="$TMP/early.txt"
  REQ > "$early"
  sserver_start 4444 -tls1_3 -early_data
  { REQ; sleep 0.6; } | sclient_eof "$(K $n)" 4444 -tls1_3 -sess_out "$sess" "$@" &
  local c=$!; sleep 0.3; RESP; wait $c
  sleep 0.2
  { sleep 0.6; } | sclient_eof "$(K $n)" 4444 -tls1_3 -sess_in "$sess" -early_data "$early" "$@" &
  c=$!; sleep 0.3; RESP; wait $c
  sserver_stop
  end $n; }
sc_tls13_early_data() { early_data lo-tls13-early-data-keylog; }
# The same with a 32-byte early secret: ChaCha20-Poly1305 (the early records are
# met before the ServerHello names the suite).
sc_tls13_early_data_chacha() { early_data lo-tls13-early-data-chacha-keylog -ciphersuites TLS_CHACHA20_POLY1305_SHA256; }

# KeyUpdate both ways: s_client's "K" command (update_requested) between lines.
sc_tls13_key_update() { local n=lo-tls13-key-update-keylog; begin $n
  sserver_start 4445 -tls1_3
  { echo "client before key update"; sleep 0.4; echo K; sleep 0.4; echo "client after key update"; sleep 0.4; } |
    sclient_eof "$(K $n)" 4445 -tls1_3 &
  local c=$!
  sleep 0.2; echo "server before key update" >&3
  sleep 0.6; echo "server after key update" >&3
  wait $c
  sserver_stop
  end $n; }

sc_tls12_gcm() { local n=lo-tls12-ecdhe-gcm-keylog; begin $n
  lcurl "$(K $n)" 443 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256 "https://$HOST/"; end $n; }

sc_tls12_suites() { local n=lo-tls12-3suites-keylog; begin $n
  local c
  for c in ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305 ECDHE-RSA-AES128-SHA256; do
    lcurl "$(K $n)" 443 --tlsv1.2 --tls-max 1.2 --ciphers "$c" "https://$HOST/$c"
  done
  end $n; }

sc_http1_keepalive() { local n=lo-http1-keepalive-5req-keylog; begin $n
  lcurl "$(K $n)" 443 --http1.1 "https://$HOST/r1" "https://$HOST/r2" "https://$HOST/r3" \
    "https://$HOST/r4" "https://$HOST/r5"
  end $n; }

sc_http2_5req() { local n=lo-http2-5req-keylog; begin $n
  lcurl "$(K $n)" 8443 --http2 "https://$HOST:8443/s1" "https://$HOST:8443/s2" "https://$HOST:8443/s3" \
    "https://$HOST:8443/s4" "https://$HOST:8443/s5"
  end $n; }

sc_mtu1500_chain() { local n=ns-tls13-mtu1500-chain-keylog
  rm -f "$(K $n)"
  cap_start "$NS_CLI" hlk-veth-c "$(F $n)"
  SSLKEYLOGFILE="$(K $n)" incli curl -sS -o /dev/null --cacert "$(PKI root.pem)" \
    --resolve "$HOST:443:$SRV_IP" --tlsv1.3 "https://$HOST/"
  end $n; }

# The keys inside the capture (pcapng Decryption Secrets Block), no key log beside it.
sc_dsb_embedded() { local n=lo-tls13-dsb-embedded tmpk="$TMP/dsb.keys.log" tmpc="$TMP/dsb.pcap"
  rm -f "$tmpk"
  cap_start "$NS_LO" lo "$tmpc"
  lcurl "$tmpk" 443 --tlsv1.3 "https://$HOST/dsb"
  cap_stop "$tmpc"
  editcap --inject-secrets "tls,$tmpk" "$tmpc" "$OUT/$n.pcapng"
  log "  $n.pcapng: keys embedded as a DSB"; }

setup_netns
make_certs
write_server
start_node_server "$NS_LO"
start_node_server "$NS_SRV"
for s in "${SCEN[@]}"; do
  log "scenario $s"
  "sc_$s"
done
chmod a+r "$OUT"/* 2>/dev/null || true
log "done: $OUT"
