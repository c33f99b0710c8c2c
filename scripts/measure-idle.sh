#!/usr/bin/env bash
# CPU and memory of handshake-lens reading an idle live pipe (tcpdump on
# loopback, a port nobody uses): samples /proc/<pid>/stat (utime+stime) and
# VmRSS every $step seconds for $secs seconds.
#
#   scripts/measure-idle.sh [--format ndjson|tui] [--secs 60] [--step 10]
#
# --format tui runs the UI in a pseudo-terminal (scripts/pty-run.py).
# Needs root (tcpdump).
set -euo pipefail
cd "$(dirname "$0")/.."
format=ndjson
secs=60
step=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --format) format="$2"; shift 2 ;;
    --secs) secs="$2"; shift 2 ;;
    --step) step="$2"; shift 2 ;;
    *) echo "measure-idle: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -f dist/cli.js ]] || npm run build >/dev/null
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
mkfifo "$work/pipe"
tcpdump -i lo -U -s 0 -w - 'tcp port 4499' >"$work/pipe" 2>/dev/null &
pids+=($!)
if [[ "$format" == tui ]]; then
  steps="[{\"wait\": \"live\", \"timeout\": 20}, {\"sleep\": $((secs + 5))}, {\"send\": \"q\"}, {\"send\": \"q\"}]"
  python3 scripts/pty-run.py --cols 120 --rows 30 --steps "$steps" -- bash -c "exec node dist/cli.js - <'$work/pipe'" >/dev/null &
  pids+=($!)
else
  node dist/cli.js --format ndjson - <"$work/pipe" >/dev/null &
  pids+=($!)
fi
# The node process reading the pipe: itself, or the pty's child (bash exec'd into node).
lens=${pids[-1]}
if [[ "$format" == tui ]]; then
  for _ in $(seq 1 100); do
    child=$(pgrep -P "${pids[-1]}" || true)
    [[ -n "$child" && "$(cat "/proc/$child/comm" 2>/dev/null)" == node ]] && break
    sleep 0.1
  done
  lens=$child
fi
hz=$(getconf CLK_TCK)
sample() {
  local t rss
  t=$(awk '{print $14 + $15}' "/proc/$lens/stat")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$lens/status")
  echo "$1 $t $rss"
}
sleep 3 # past start-up
read -r _ t0 r0 < <(sample 0)
echo "t_s cpu_ms_total cpu_ms_since_last rss_kib"
prev=$t0
for ((s = step; s <= secs; s += step)); do
  sleep "$step"
  read -r _ t r < <(sample "$s")
  echo "$s $(( (t - t0) * 1000 / hz )) $(( (t - prev) * 1000 / hz )) $r"
  prev=$t
done
echo "rss at start ${r0} KiB; cpu over ${secs}s: $(( (prev - t0) * 1000 / hz )) ms ($(awk "BEGIN {printf \"%.3f\", ($prev - $t0) / $hz / $secs * 100}") %)"
