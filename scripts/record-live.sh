#!/usr/bin/env bash
# A real live capture into handshake-lens: tcpdump on loopback writes pcap to a
# pipe (-U: one record per packet, as it happens) while curl and openssl make
# TLS connections to a local openssl s_server; handshake-lens reads the pipe.
#
#   scripts/record-live.sh [--format ndjson|text|json|tui] [--count N] [--gap SEC] [--port P]
#
# In a terminal the default is the live UI (rows fill in as connections are
# made; q stops reading and shows the report; q again quits). Otherwise the
# default is NDJSON on stdout, one line per connection within about a second
# of its close. When the connections are made, tcpdump is stopped by its pid
# (SIGINT): the pipe closes, which handshake-lens treats as the end of the
# capture. With --keep the capture keeps running until you press Ctrl-C.
#
# Needs root (tcpdump), openssl, curl; traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

format=""
count=10
gap=1
port=4433
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --format) format="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --gap) gap="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "record-live: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n "$format" ]] || { [[ -t 1 ]] && format=tui || format=ndjson; }
[[ -f dist/cli.js ]] || npm run build >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A self-signed certificate for the local server (name: live.test).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" -subj /CN=live.test -addext subjectAltName=DNS:live.test 2>/dev/null
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$work/cert.pem" -key "$work/key.pem" -www >/dev/null 2>&1 &
pids+=($!)
# Wait until the server accepts.
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

mkfifo "$work/pipe"
tcpdump -i lo -U -s 0 -w - "tcp port $port" >"$work/pipe" 2>"$work/tcpdump.log" &
tcpdump_pid=$!
pids+=($tcpdump_pid)
# tcpdump says "listening on lo" once it captures.
for _ in $(seq 1 100); do grep -q listening "$work/tcpdump.log" 2>/dev/null && break; sleep 0.05; done

if [[ "$format" == tui ]]; then
  node dist/cli.js - <"$work/pipe" &
else
  node dist/cli.js --format "$format" - <"$work/pipe" &
fi
lens_pid=$!

# The workload: new connections without keep-alive, alternately curl (TLS 1.3,
# HTTP/1.1) and openssl s_client (TLS 1.2), one every $gap seconds.
for i in $(seq 1 "$count"); do
  kill -0 "$lens_pid" 2>/dev/null || break # the UI was quit
  if (( i % 2 )); then
    curl -sk --resolve "live.test:$port:127.0.0.1" "https://live.test:$port/" -o /dev/null || true
  else
    printf 'GET / HTTP/1.0\r\n\r\n' | openssl s_client -quiet -tls1_2 -servername live.test -connect "127.0.0.1:$port" >/dev/null 2>&1 || true
  fi
  sleep "$gap"
done

if (( keep )); then
  wait "$lens_pid" || status=$?
else
  # tcpdump exits: the pipe's writer closes, which ends the capture for handshake-lens.
  kill -INT "$tcpdump_pid" 2>/dev/null || true # (already gone if handshake-lens quit first)
  wait "$lens_pid" || status=$?
fi
exit "${status:-0}"
