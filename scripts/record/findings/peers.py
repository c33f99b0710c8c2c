#!/usr/bin/env python3
"""Servers and clients for scripts/record-findings.sh (python3 stdlib only).

Usage: peers.py server <mode> [args...]   |   peers.py client <mode> [args...]
Every program here is small on purpose: each one makes one scenario happen
on the wire (see the scenario list in scripts/record-findings.sh).
"""
import select
import socket
import ssl
import sys
import threading
import time

REQ = b"GET / HTTP/1.1\r\nHost: findings.test\r\n\r\n"
RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
RESP_CLOSE = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def listener(port, backlog=8, rcvbuf=None):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(("0.0.0.0", port))
    s.listen(backlog)
    print("listening", flush=True)  # the recorder waits for this line
    return s


def read_until_eof(c):
    while True:
        try:
            if not c.recv(65536):
                return
        except (ConnectionError, OSError):
            return


def tls_server_ctx(cert, key, minv=None, maxv=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if minv:
        ctx.minimum_version = minv
    if maxv:
        ctx.maximum_version = maxv
    ctx.num_tickets = 0
    return ctx


# ------------------------------------------------------------------ servers
def server(mode, args):
    if mode == "noaccept":  # listen(backlog), never accept()
        port, backlog = int(args[0]), int(args[1])
        s = listener(port, backlog)
        while s:
            time.sleep(60)
    elif mode == "late-accept":  # listen(backlog); accept() one connection at each of the times
        # T1,T2,... (s after the first connection is queued), then the rest at once; answer each request and close
        port, backlog, n = int(args[0]), int(args[1]), int(args[2])
        times = [float(x) for x in args[3].split(",")]
        s = listener(port, backlog)
        select.select([s], [], [])  # the times count from the first connection in the accept queue
        t0 = time.monotonic()
        for i in range(n):
            if i < len(times):
                time.sleep(max(0.0, t0 + times[i] - time.monotonic()))
            c, _ = s.accept()
            c.settimeout(5)
            try:
                if c.recv(4096):
                    c.sendall(RESP)
            except (ConnectionError, OSError, socket.timeout):
                pass
            c.close()
    elif mode == "silent":  # accept, read the request, never answer; close when the client does
        s = listener(int(args[0]))
        c, _ = s.accept()
        read_until_eof(c)
        c.close()
    elif mode == "slow":  # answer each request after DELAY s; close when the client does
        port, delay = int(args[0]), float(args[1])
        s = listener(port)
        c, _ = s.accept()
        c.recv(4096)
        time.sleep(delay)
        c.sendall(RESP)
        read_until_eof(c)
        c.close()
    elif mode == "noread":  # tiny receive buffer, stop reading for HOLD s, then drain and close
        port, rcvbuf, hold = int(args[0]), int(args[1]), float(args[2])
        s = listener(port, rcvbuf=rcvbuf)
        c, _ = s.accept()
        time.sleep(hold)
        read_until_eof(c)
        c.close()
    elif mode == "plain":  # answer one request, close when the client does (FIN/FIN)
        s = listener(int(args[0]))
        c, _ = s.accept()
        c.recv(4096)
        c.sendall(RESP)
        read_until_eof(c)
        c.close()
    elif mode == "tls":  # one TLS connection: port cert key maxver(1.2|1.3) minver behaviour
        port, cert, key, maxv, minv, how = int(args[0]), args[1], args[2], args[3], args[4], args[5]
        ver = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
        ctx = tls_server_ctx(cert, key, ver[minv], ver[maxv])
        s = listener(port)
        raw, _ = s.accept()
        try:
            c = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, ConnectionError, OSError) as e:
            log("server handshake failed:", e)
            raw.close()
            return
        c.recv(4096)
        if how == "close-notify":  # answer, then close_notify both ways, then FIN
            c.sendall(RESP)
            try:
                c = c.unwrap()  # waits for the client's close_notify, sends ours
            except (ssl.SSLError, OSError) as e:
                log("unwrap:", e)
            c.close()  # wrap_socket() took over raw's descriptor: close the wrapper
        elif how == "conn-close":  # answer with Connection: close and close without close_notify
            c.sendall(RESP_CLOSE)
            c.close()  # SSLSocket.close() sends no close_notify
            time.sleep(1.0)  # stay alive so the client's close_notify meets a closed socket (RST)


# ------------------------------------------------------------------ clients
def connect(host, port, timeout):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        return s
    except (OSError, socket.timeout) as e:
        log(f"connect {host}:{port}: {e!r}")
        s.close()
        return None


def client(mode, args):
    host = args[0]
    if mode == "backlog":  # fillers connect and hold; then blocked clients time out
        port, fillers, blocked, timeout, hold = int(args[1]), int(args[2]), int(args[3]), float(args[4]), float(args[5])
        held = []
        for _ in range(fillers):
            held.append(connect(host, port, 2))
            time.sleep(0.05)
        time.sleep(0.3)
        ts = [threading.Thread(target=connect, args=(host, port, timeout)) for _ in range(blocked)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        time.sleep(hold)
        for s in held:
            if s:
                s.close()
    elif mode == "burst":  # N clients at once; each sends a request after SEND_AFTER s, reads, closes
        port, n, send_after = int(args[1]), int(args[2]), float(args[3])

        def one():
            s = connect(host, port, 5)
            if not s:
                return
            s.settimeout(8)
            try:
                time.sleep(send_after)
                s.sendall(REQ)
                while s.recv(4096):
                    pass
            except (OSError, socket.timeout) as e:
                log("burst client:", repr(e))
            s.close()

        ts = [threading.Thread(target=one) for _ in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    elif mode == "connect-timeout":
        connect(host, int(args[1]), float(args[2]))
    elif mode == "response-timeout":  # send a request, give up after WAIT s without an answer
        s = connect(host, int(args[1]), 2)
        s.settimeout(float(args[2]))
        s.sendall(REQ)
        try:
            s.recv(4096)
        except socket.timeout:
            log("response timeout")
        s.close()
    elif mode == "request":  # one request, read the answer, close (client first)
        s = connect(host, int(args[1]), 2)
        s.settimeout(5)
        s.sendall(REQ)
        got = b""
        while not got.endswith(b"ok\n"):
            d = s.recv(4096)
            if not d:
                break
            got += d
        s.close()
    elif mode == "retry":  # port, connect timeout, then the pauses between attempts (0 = at once)
        port, timeout = int(args[1]), float(args[2])
        pauses = [float(x) for x in args[3:]]
        for i in range(len(pauses) + 1):
            s = connect(host, port, timeout)
            if s:
                s.close()
                break
            if i < len(pauses):
                time.sleep(pauses[i])
    elif mode == "bulk":  # send N bytes to a server that does not read, then FIN; wait for its close
        s = connect(host, int(args[1]), 2)
        s.settimeout(10)
        s.sendall(b"x" * int(args[2]))
        s.shutdown(socket.SHUT_WR)
        read_until_eof(s)
        s.close()
    elif mode == "stale-reuse":  # TLS keep-alive request, idle PAUSE s, reuse the connection
        port, pause = int(args[1]), float(args[2])
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = connect(host, port, 2)
        c = ctx.wrap_socket(raw, server_hostname="findings.test")
        c.settimeout(5)
        c.sendall(REQ)
        got = b""
        while not got.endswith(b"ok\n"):
            d = c.recv(4096)
            if not d:
                break
            got += d
        time.sleep(pause)
        try:
            c.sendall(REQ)
            log("second answer:", c.recv(4096))
        except (ssl.SSLError, OSError) as e:
            log("stale reuse:", repr(e))
        c.close()
    elif mode == "tls-verify":  # verify the server against the system roots (self-signed -> unknown_ca)
        port, maxv = int(args[1]), args[2]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        if maxv == "1.2":
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        raw = connect(host, port, 2)
        try:
            ctx.wrap_socket(raw, server_hostname="findings.test")
        except (ssl.SSLError, OSError) as e:
            log("client handshake failed:", e)
        raw.close()
    elif mode == "tls-request":  # TLS request; how: close-notify | conn-close
        port, how = int(args[1]), args[2]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = connect(host, port, 2)
        c = ctx.wrap_socket(raw, server_hostname="findings.test")
        c.settimeout(5)
        c.sendall(REQ)
        got = b""
        while not got.endswith(b"ok\n"):
            d = c.recv(4096)
            if not d:
                break
            got += d
        if how == "conn-close":
            try:
                c.recv(4096)  # the server's FIN (no close_notify: a ragged EOF, returns b'')
            except (ssl.SSLError, OSError):
                pass
        try:
            c.unwrap()  # close_notify
        except (ssl.SSLError, OSError) as e:
            log("client unwrap:", repr(e))
        c.close()


if __name__ == "__main__":
    role, mode, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    (server if role == "server" else client)(mode, rest)
