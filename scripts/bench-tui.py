#!/usr/bin/env python3
"""Issue 14's TUI figures, side by side with the text report on the same capture.

Usage: python3 scripts/bench-tui.py [--runs N] [--cols 120] [--rows 40] [--cli OTHER/cli.js] [--node-args "..."] FILE

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
NODE_ARGS = []


TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """CPU seconds (user + system) the process has used so far, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


def text_run(path):
    """Wall seconds, CPU seconds and peak RSS (MiB) of the text report."""
    t0 = time.monotonic()
    p = subprocess.Popen(["node", *NODE_ARGS, CLI, path, "--format", "text"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    p.returncode = 0
    return time.monotonic() - t0, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def tui_run(path, cols, rows, timeout=600.0):
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("NO_COLOR", None)
        os.execvp("node", ["node", *NODE_ARGS, CLI, path])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    t0 = time.monotonic()
    raw = b""
    first = full = cpu_full = rss = None
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
                cpu_full = proc_cpu(pid)
        if full is not None and not sent_q:
            os.write(fd, b"q")
            sent_q = True
        done, _, ru = os.wait4(pid, os.WNOHANG)
        if done:
            rss = ru.ru_maxrss / 1024
            break
    else:
        os.kill(pid, signal.SIGKILL)
    if rss is None:
        try:
            _, _, ru = os.wait4(pid, 0)
            rss = ru.ru_maxrss / 1024
        except ChildProcessError:
            pass
    os.close(fd)
    before_full = raw.split(b"Tab view", 1)[0]
    renders = before_full.count(b"q quits")
    loading = (full - first) if (full is not None and first is not None) else None
    rate = renders / loading if loading and loading > 0 else None
    return first, full, renders, rate, cpu_full, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cols", type=int, default=120)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--cli", help="another build's cli.js (A/B), default dist/cli.js")
    ap.add_argument("--node-args", default="", help="flags for node on both runs, e.g. '--cpu-prof --cpu-prof-dir=/tmp/p'")
    a = ap.parse_args()
    global CLI
    NODE_ARGS[:] = a.node_args.split()
    if a.cli:
        CLI = os.path.abspath(a.cli)
    if not os.path.exists(CLI):
        sys.exit("bench-tui: dist/cli.js missing: npm run build")
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    texts, firsts, fulls, rates, renders = [], [], [], [], []
    tcpu, ucpu, trss, urss = [], [], [], []
    for i in range(a.runs):
        t, tc, tr = text_run(a.file)
        f, u, n, r, uc, ur = tui_run(a.file, a.cols, a.rows)
        texts.append(t)
        tcpu.append(tc)
        trss.append(tr)
        if uc is not None:
            ucpu.append(uc)
        if ur is not None:
            urss.append(ur)
        if f is not None:
            firsts.append(f)
        if u is not None:
            fulls.append(u)
        if r is not None:
            rates.append(r)
        renders.append(n)
        fmt = lambda v: "-" if v is None else f"{v:.2f} s"
        print(f"run {i + 1}: text {t:.2f} s ({tc:.2f} s CPU, {tr:.0f} MiB) | tui first {fmt(f)}, full {fmt(u)}"
              + ("" if uc is None else f" ({uc:.2f} s CPU)") + ("" if ur is None else f", {ur:.0f} MiB peak")
              + f", {n} loading screens" + ("" if r is None else f" ({r:.1f}/s)"))
    med = statistics.median
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not fulls or not firsts:
        sys.exit("bench-tui: the TUI never showed its full view")
    print(f"\nmedian of {a.runs}: text {med(texts):.2f} s; TUI first screen {med(firsts):.2f} s (goal <= 0.3 s), "
          f"full view {med(fulls):.2f} s = {med(fulls) / med(texts):.2f}x text (goal <= 1.2x); "
          f"loading screens {med(renders):.0f}, {med(rates) if rates else 0:.1f}/s (progress rate 10/s)")
    if ucpu:
        print(f"CPU: text {med(tcpu):.2f} s, TUI to its full view {med(ucpu):.2f} s = {med(ucpu) / med(tcpu):.2f}x; "
              f"peak RSS: text {med(trss):.0f} MiB, TUI {med(urss) if urss else 0:.0f} MiB")


if __name__ == "__main__":
    main()
