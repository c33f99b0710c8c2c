#!/usr/bin/env python3
"""Issue 14's TUI figures, side by side with the text report on the same capture.

Usage: python3 scripts/bench-tui.py [--runs N] [--cols 120] [--rows 40] FILE

For each run, in turn:
  - text: `node dist/cli.js FILE --format text > /dev/null`, wall seconds to exit;
  - tui:  `node dist/cli.js FILE` in a pseudo-terminal of COLS x ROWS, with
      first    seconds until the first screen text ("handshake-lens") is on the terminal,
      full     seconds until the full view is up (its key line "Tab view" appears),
      renders  screens written while loading (the "q quits" key line of the loading
               screen counted in the raw output before the full view), and renders per
               second of loading, against the UI's progress rate (100 ms offline: 10/s).
Then q is typed and the exit awaited. Medians of the runs are printed last, with the
load average, and full/text as the ratio issue 14 asks for (<= 1.2).
Wall clock on purpose: these are times a person waits. On a shared machine compare
the ratio, not the seconds.
"""
import argparse
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import time
import fcntl
import struct
import termios

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "dist", "cli.js")


def text_run(path):
    t0 = time.monotonic()
    subprocess.run(["node", CLI, path, "--format", "text"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - t0


def tui_run(path, cols, rows, timeout=600.0):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("NO_COLOR", None)
        os.execvp("node", ["node", CLI, path])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    t0 = time.monotonic()
    raw = b""
    first = full = None
    deadline = t0 + timeout
    sent_q = False
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            raw += chunk
            now = time.monotonic() - t0
            if first is None and b"handshake-lens" in raw:
                first = now
            if full is None and b"Tab view" in raw:
                full = now
        if full is not None and not sent_q:
            os.write(fd, b"q")
            sent_q = True
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(fd)
    before_full = raw.split(b"Tab view", 1)[0]
    renders = before_full.count(b"q quits")
    loading = (full - first) if (full is not None and first is not None) else None
    rate = renders / loading if loading and loading > 0 else None
    return first, full, renders, rate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cols", type=int, default=120)
    ap.add_argument("--rows", type=int, default=40)
    a = ap.parse_args()
    if not os.path.exists(CLI):
        sys.exit("bench-tui: dist/cli.js missing: npm run build")
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    texts, firsts, fulls, rates, renders = [], [], [], [], []
    for i in range(a.runs):
        t = text_run(a.file)
        f, u, n, r = tui_run(a.file, a.cols, a.rows)
        texts.append(t)
        if f is not None:
            firsts.append(f)
        if u is not None:
            fulls.append(u)
        if r is not None:
            rates.append(r)
        renders.append(n)
        fmt = lambda v: "-" if v is None else f"{v:.2f} s"
        print(f"run {i + 1}: text {t:.2f} s | tui first {fmt(f)}, full {fmt(u)}, {n} loading screens"
              + ("" if r is None else f" ({r:.1f}/s)"))
    med = statistics.median
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not fulls or not firsts:
        sys.exit("bench-tui: the TUI never showed its full view")
    print(f"\nmedian of {a.runs}: text {med(texts):.2f} s; TUI first screen {med(firsts):.2f} s (goal <= 0.3 s), "
          f"full view {med(fulls):.2f} s = {med(fulls) / med(texts):.2f}x text (goal <= 1.2x); "
          f"loading screens {med(renders):.0f}, {med(rates) if rates else 0:.1f}/s (progress rate 10/s)")


if __name__ == "__main__":
    main()
