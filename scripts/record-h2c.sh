#!/usr/bin/env bash
# Record fixtures/lo-h2c-cases.pcap: real HTTP/2 cases for the request tracker
# (src/http), cleartext HTTP/2 with prior knowledge between node 20's http2
# server and node's http2 client, on the loopback of a private namespace.
#
#   sudo bash scripts/record-h2c.sh [OUT.pcap]
#
# One connection: three concurrent GETs, a POST with a 5000-byte body, HEAD,
# a request and a response whose 20 kB header blocks need CONTINUATION
# frames, a 103 Early Hints interim response, a response with trailers, and a
# stream the server resets without answering.
# Needs root, iproute2, tcpdump, node. Nothing leaves the namespace.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/fixtures/lo-h2c-cases.pcap}"
NS=hlh2-lo
PORT=8081

[[ $(id -u) -eq 0 ]] || { echo "record-h2c: must run as root" >&2; exit 1; }
TMP="$(mktemp -d /tmp/hlh2-record.XXXXXX)"
CAP_PID=""
SRV_PID=""
cleanup() {
  set +e
  [[ -n "$SRV_PID" ]] && kill "$SRV_PID" 2>/dev/null
  [[ -n "$CAP_PID" ]] && kill "$CAP_PID" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

# Wait (up to 10 s) until FILE contains TEXT.
wait_for() {
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "record-h2c: timed out waiting for '$2' in $1" >&2
  return 1
}

cat >"$TMP/server.mjs" <<'JS'
import http2 from 'node:http2';
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  let body = 0;
  stream.on('data', (c) => (body += c.length));
  stream.on('end', () => {
    switch (path) {
      case '/head':
        stream.respond({ ':status': 200, 'content-length': '1000' }, { endStream: true });
        return;
      case '/upload':
        stream.respond({ ':status': 201 });
        stream.end(`got ${body} bytes\n`);
        return;
      case '/big-headers':
        stream.respond({ ':status': 200, 'x-big': 'y'.repeat(20000) });
        stream.end('big\n');
        return;
      case '/early-hints':
        stream.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload' });
        setTimeout(() => {
          stream.respond({ ':status': 200 });
          stream.end('after hints\n');
        }, 10);
        return;
      case '/trailers':
        stream.respond({ ':status': 200 }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
        stream.end('with trailers\n');
        return;
      case '/reset':
        stream.close(http2.constants.NGHTTP2_CANCEL);
        return;
      default:
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.end(`path ${path}\n`);
    }
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('ready'));
JS

cat >"$TMP/client.mjs" <<'JS'
import http2 from 'node:http2';
const s = http2.connect(`http://127.0.0.1:${process.argv[2]}`);
function req(headers, body) {
  return new Promise((resolve) => {
    const r = s.request({ ':authority': 'hl.test', ...headers }, { endStream: body === undefined });
    r.on('response', () => {});
    r.on('data', () => {});
    r.on('error', () => resolve('error'));
    r.on('close', () => resolve('closed'));
    if (body !== undefined) r.end(body);
  });
}
await Promise.all([req({ ':path': '/a' }), req({ ':path': '/b' }), req({ ':path': '/c' })]);
await req({ ':method': 'POST', ':path': '/upload' }, 'p'.repeat(5000));
await req({ ':method': 'HEAD', ':path': '/head' });
await req({ ':path': '/big-headers', 'x-big-request': 'q'.repeat(20000) });
await req({ ':path': '/early-hints' });
await req({ ':path': '/trailers' });
await req({ ':path': '/reset' });
s.close();
console.log('done');
JS

ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" tcpdump -U --immediate-mode -s 0 -Z root -n -i lo -w "$TMP/out.pcap" "tcp port $PORT" 2>"$TMP/tcpdump.err" &
CAP_PID=$!
wait_for "$TMP/tcpdump.err" "listening on"
ip netns exec "$NS" node "$TMP/server.mjs" "$PORT" >"$TMP/server.out" 2>&1 &
SRV_PID=$!
wait_for "$TMP/server.out" ready
ip netns exec "$NS" node "$TMP/client.mjs" "$PORT" >"$TMP/client.out"
grep -q done "$TMP/client.out"
kill "$SRV_PID"
SRV_PID=""
# Let tcpdump write the last packets (-U flushes per packet), then stop it by its pid.
sleep 0.5
kill "$CAP_PID"
wait "$CAP_PID" 2>/dev/null || true
CAP_PID=""
cp "$TMP/out.pcap" "$OUT"
echo "record-h2c: wrote $OUT ($(tcpdump -r "$OUT" 2>/dev/null | wc -l) packets)" >&2
