#!/usr/bin/env bash
# Issue 16: the terminal-UI tests (test/ui, test/e2e/tui.test.ts) many times in a row, to show
# that they do not depend on timing (they type keys without pauses and wait for what they
# expect on screen). Prints one line per run (status, tests passed/failed, seconds, load
# average) and a summary; exits 1 if any run failed.
#   bash scripts/ui-tests-repeat.sh [RUNS=50] [jest paths...]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
shift || true
paths=("$@")
[ ${#paths[@]} -eq 0 ] && paths=(test/ui test/e2e/tui.test.ts)
failed=0
for i in $(seq 1 "$runs"); do
  t0=$(date +%s.%N)
  out=$(NODE_OPTIONS=--experimental-vm-modules npx jest "${paths[@]}" 2>&1)
  rc=$?
  t1=$(date +%s.%N)
  tests=$(grep -E '^Tests:' <<<"$out" | tail -1)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  printf 'run %d/%d: %s  %s  %.1f s  load %s\n' "$i" "$runs" "$([ $rc -eq 0 ] && echo ok || echo FAIL)" "$tests" "$(echo "$t1 - $t0" | bc)" "$load"
  if [ $rc -ne 0 ]; then
    failed=$((failed + 1))
    log=$(mktemp "${TMPDIR:-/tmp}/ui-tests-run$i.XXXXXX.log")
    printf '%s\n' "$out" > "$log"
    grep -E '●' <<<"$out" | head -20
    echo "  whole output: $log"
  fi
done
echo "$((runs - failed)) of $runs runs passed"
[ $failed -eq 0 ]
