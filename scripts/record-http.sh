#!/usr/bin/env bash
# Record fixtures/lo-http1-edge-cases.pcap: real HTTP/1.x message framing
# cases for the request tracker (src/http), between node 20's http server and
# a node net client, on the loopback of a private network namespace.
#
#   sudo bash scripts/record-http.sh [OUT.pcap]
#
# Connections (in order):
#   0. five pipelined requests in one write: GET /chunked (chunked response),
#      HEAD /head (Content-Length but no body), GET /204, GET /304 (no bodies),
#      GET /last (Connection: close)
#   1. POST /upload with Expect: 100-continue (body sent after the interim
#      100 response), then POST /echo with a chunked request body
#   2. an HTTP/1.0 request: the response body ends with the connection
# Needs root, iproute2, tcpdump, node. Nothing leaves the namespace.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/fixtures/lo-http1-edge-cases.pcap}"
NS=hlh-lo
PORT=8080

[[ $(id -u) -eq 0 ]] || { echo "record-http: must run as root" >&2; exit 1; }
TMP="$(mktemp -d /tmp/hlh-record.XXXXXX)"
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
  echo "record-http: timed out waiting for '$2' in $1" >&2
  return 1
}

cat >"$TMP/server.mjs" <<'EOF'
import http from 'node:http';
const server = http.createServer((req, res) => {
  let body = 0;
  req.on('data', (c) => (body += c.length));
  req.on('end', () => {
    switch (req.url) {
      case '/chunked':
        res.write('first chunk\n');
        setTimeout(() => res.end('second chunk, then the last-chunk\n'), 20);
        return;
      case '/head':
        res.setHeader('Content-Length', '1000');
        res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1000));
        return;
      case '/204':
        res.writeHead(204).end();
        return;
      case '/304':
        res.writeHead(304, { ETag: '"v1"' }).end();
        return;
      case '/upload':
      case '/echo':
        res.end(`got ${body} bytes\n`);
        return;
      case '/old':
        res.write('an HTTP/1.0 response: its body ends when the connection closes\n');
        setTimeout(() => res.end('x'.repeat(3000)), 20);
        return;
      default:
        res.setHeader('Connection', 'close');
        res.end('last\n');
    }
  });
});
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('ready'));
EOF

cat >"$TMP/client.mjs" <<'EOF'
import net from 'node:net';
const port = Number(process.argv[2]);
const H = 'Host: hl.test\r\n';
function conn(steps) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let i = 0;
    const next = () => {
      while (i < steps.length) {
        const st = steps[i];
        if (st.waitFor !== undefined && !got.includes(st.waitFor)) return;
        i++;
        if (st.send !== undefined) s.write(st.send);
        if (st.end) s.end();
      }
    };
    s.on('connect', next);
    s.on('data', (d) => {
      got += d.toString('latin1');
      next();
    });
    s.on('close', () => resolve(got));
  });
}
// 0: pipelined
await conn([
  {
    send:
      `GET /chunked HTTP/1.1\r\n${H}\r\n` +
      `HEAD /head HTTP/1.1\r\n${H}\r\n` +
      `GET /204 HTTP/1.1\r\n${H}\r\n` +
      `GET /304 HTTP/1.1\r\n${H}If-None-Match: "v1"\r\n\r\n` +
      `GET /last HTTP/1.1\r\n${H}Connection: close\r\n\r\n`,
  },
]);
// 1: 100-continue, then a chunked request body
const body = 'b'.repeat(2000);
await conn([
  { send: `POST /upload HTTP/1.1\r\n${H}Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n` },
  { waitFor: '100 Continue', send: body },
  { waitFor: 'got 2000 bytes', send: `POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n` },
]);
// 2: HTTP/1.0, body delimited by the close
await conn([{ send: `GET /old HTTP/1.0\r\n${H}\r\n` }]);
console.log('done');
EOF

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
echo "record-http: wrote $OUT ($(tcpdump -r "$OUT" 2>/dev/null | wc -l) packets)" >&2
