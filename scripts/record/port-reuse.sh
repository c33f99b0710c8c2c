#!/usr/bin/env bash
# Records fixtures/lo-http-port-reuse.pcap: three HTTP connections on loopback
# from the same client port (40124) to the same server port (18080), so the
# same 4-tuple carries three connections (Wireshark: tcp.analysis.reused_ports,
# three tcp.stream values). The server closes first, so its side holds
# TIME_WAIT and Linux accepts the next SYN on the same 4-tuple.
# Needs: root (tcpdump on lo), python3, curl. Only 127.0.0.1 is used.
set -euo pipefail
out=${1:-"$(dirname "$0")/../../fixtures/lo-http-port-reuse.pcap"}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/srv.py" <<'PY'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 18080))
s.listen(8)
for _ in range(3):
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi')
    c.close()  # the server closes first: TIME_WAIT stays on its side
PY
python3 "$work/srv.py" &
sleep 0.5
tcpdump -i lo -U --immediate-mode -w "$out" 'tcp port 18080' >/dev/null 2>&1 &
tp=$!
sleep 1
for _ in 1 2 3; do
  curl -s --local-port 40124 -o /dev/null http://127.0.0.1:18080/
  sleep 0.3
done
sleep 1
kill "$tp"
wait "$tp" 2>/dev/null || true
echo "wrote $out"
