#!/usr/bin/env bash
# The README's terminal screens, from the real UI: runs the built CLI on the
# bundled demo capture in a detached tmux window (100×30 unless given) and
# prints each screen after a key, between "=== name" lines.
#   scripts/readme-screens.sh [capture] [cols] [rows]
# Needs tmux and a build (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
cap=${1:-fixtures/demo-loopback-mix.pcapng}
cols=${2:-100}
rows=${3:-30}
s=hl-screens-$$
tmux new-session -d -s "$s" -x "$cols" -y "$rows" "node dist/cli.js $cap"
trap 'tmux kill-session -t "$s" 2>/dev/null || true' EXIT
# Wait until the pane shows `text` (no fixed pauses: the UI draws when it is ready).
wait_for() {
  for _ in $(seq 1 100); do
    if tmux capture-pane -p -t "$s" | grep -qF -- "$1"; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  tmux capture-pane -p -t "$s" >&2
  exit 1
}
shot() {
  echo "=== $1"
  tmux capture-pane -p -t "$s" | sed -e 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}
key() { tmux send-keys -t "$s" "$@"; }
wait_for 'sort: setup'; shot connections
key '?'; wait_for 'Columns of the connections view'; shot help
key Escape; wait_for 'sort: setup'
key Enter; wait_for '(Esc back'; shot detail
key Escape; wait_for 'sort: setup'
key Tab; wait_for 'Enter lists the connections'; shot destinations
key Tab; wait_for 'Enter: the full verdict'; shot pool
key Enter; wait_for 'Esc back'; shot verdict
key Escape; key Tab; wait_for 'finding code'; shot findings
key q
