#!/usr/bin/env python3
"""Run a command in a pseudo-terminal and drive it like a person would.

Usage: pty-run.py --cols 100 --rows 30 --steps STEPS_JSON [--transcript FILE] -- cmd args...

STEPS_JSON is a JSON list of steps, run in order:
  {"wait": "text", "timeout": 10}   wait until the output written since the
                                    last "send" (escape sequences removed)
                                    contains the text
  {"waitRe": "regex", "timeout": 10} the same with a regular expression
  {"send": "keys"}                  type the keys (JSON escapes: "\\r", "\\u001b")
  {"sleep": 0.2}                    pause
Prints one JSON line: {"exit": code, "ok": true|false, "failed_step": i|null,
"output": text-without-escapes}. Exits 0 when every step passed and the
program ended by itself within the timeout, 1 otherwise.
"""
import argparse
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS/SOS/PM/APC
    r"|\x1b[@-Z\\-_]"  # two-character escapes
)


def plain(raw: bytes) -> str:
    return ANSI.sub("", raw.decode("utf-8", "replace"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--rows", type=int, default=30)
    ap.add_argument("--steps", required=True)
    ap.add_argument("--transcript")
    ap.add_argument("--exit-timeout", type=float, default=10.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    steps = json.loads(args.steps)

    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = os.environ.get("TERM") or "xterm-256color"
        os.environ["COLUMNS"] = str(args.cols)
        os.environ["LINES"] = str(args.rows)
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", args.rows, args.cols, 0, 0))

    raw = bytearray()
    mark = 0
    eof = False

    def pump(timeout: float) -> None:
        nonlocal eof
        if eof:
            time.sleep(timeout)
            return
        r, _, _ = select.select([fd], [], [], timeout)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                eof = True
            raw.extend(data)

    failed = None
    for i, step in enumerate(steps):
        if "wait" in step or "waitRe" in step:
            deadline = time.time() + float(step.get("timeout", 10))
            pattern = re.compile(step["waitRe"]) if "waitRe" in step else None
            seen = lambda text: pattern.search(text) is not None if pattern else step["wait"] in text
            # Only output written since the last key counts (what the key caused).
            while not seen(plain(bytes(raw[mark:]))):
                if time.time() > deadline or eof:
                    failed = i
                    break
                pump(0.05)
        elif "send" in step:
            mark = len(raw)
            os.write(fd, step["send"].encode("utf-8"))
            pump(0.05)
        elif "sleep" in step:
            end = time.time() + float(step["sleep"])
            while time.time() < end:
                pump(0.02)
        if failed is not None:
            break

    code = None
    deadline = time.time() + args.exit_timeout
    while time.time() < deadline:
        pump(0.05)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
    if code is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    while not eof:
        pump(0.05)
        if not select.select([fd], [], [], 0)[0]:
            break
    if args.transcript:
        with open(args.transcript, "wb") as f:
            f.write(bytes(raw))
    ok = failed is None and code is not None
    print(json.dumps({"exit": code, "ok": ok, "failed_step": failed, "output": plain(bytes(raw))}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
