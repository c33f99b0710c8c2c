#!/usr/bin/env bash
# Re-runs the table of issue 16: change one calculation at a time (in a
# temporary copy of the tree; the real files are never touched), run the jest
# suites that should notice, and print how many tests each change fails.
# Every row must kill at least one test; the script exits 1 if one does not.
#
# Usage: bash scripts/mutation-probes.sh [jest test paths ...]
#   default suites: test/metrics test/timeline test/tls test/report test/output test/view
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SUITES=("$@")
[ ${#SUITES[@]} -gt 0 ] || SUITES=(test/metrics test/timeline test/tls test/report test/output test/view)

WORK="$(mktemp -d /tmp/mutation-probes.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
for f in src test fixtures scripts jest.config.js package.json tsconfig.json tsconfig.test.json README.md; do
  cp -r "$ROOT/$f" "$WORK/"
done
ln -s "$ROOT/node_modules" "$WORK/node_modules"

# name | file (relative to the tree) | perl substitution (must match exactly once)
PROBES=(
  'setup.roundTrips + 1|src/timeline/build.ts|s/roundTrips: roundTrips\(events, setupEnd\?\.frame, reader\?\.plainTurns\),/roundTrips: roundTrips(events, setupEnd?.frame, reader?.plainTurns) + 1,/'
  'setup.bytes + 100|src/timeline/build.ts|s/bytes: setupBytes,/bytes: setupBytes + 100,/'
  'setup.ms + 5 ms|src/timeline/build.ts|s/\? ms\(origin, setupEnd\) : null;/? ms(origin, setupEnd) + 5 : null;/'
  'tls.handshakeMs + 5 ms|src/timeline/build.ts|s/\? ms\(chMsg\.last, s\.handshakeDone\) : null,/? ms(chMsg.last, s.handshakeDone) + 5 : null,/'
  'half-closed reported as open|src/timeline/build.ts|s/return .half-closed.;/return '"'"'open'"'"';/'
  'ClientHello key_share list never parsed|src/tls/hello.ts|s/info\.keyShareGroups\.push\(b\.readUInt16BE\(p\)\);//'
  'ClientHello ALPN list never parsed|src/tls/hello.ts|s/info\.alpn\.push\(b\.toString\(.latin1., ps, pe\)\);//'
)

run_jest() { # -> prints "failed total"
  local out="$WORK/result.json"
  rm -f "$out"
  (cd "$WORK" && NODE_OPTIONS=--experimental-vm-modules npx jest --ci --silent --maxWorkers=2 \
      --json --outputFile="$out" "${SUITES[@]}" >/dev/null 2>&1) || true
  if [ ! -s "$out" ]; then echo "error error"; return; fi
  node -e 'const r=require(process.argv[1]); const broken=r.testResults.filter(t=>t.status==="failed"&&t.assertionResults.length===0).length; console.log(`${r.numFailedTests+broken} ${r.numTotalTests}`)' "$out"
}

echo "suites: ${SUITES[*]}"
read -r base_failed base_total < <(run_jest)
echo "baseline: $base_failed of $base_total tests fail"
if [ "$base_failed" != 0 ]; then echo "mutation-probes: the baseline must pass first" >&2; exit 2; fi

printf '\n| change to the code | tests that fail |\n| --- | --- |\n'
survivors=0
for probe in "${PROBES[@]}"; do
  IFS='|' read -r name file subst <<<"$probe"
  target="$WORK/$file"
  cp "$target" "$WORK/original"
  n=$(perl -0pi -e "\$c += ($subst); END { print STDERR \$c+0 }" "$target" 2>&1 >/dev/null)
  if [ "$n" != 1 ]; then
    echo "| $name | probe did not apply ($n matches in $file): update scripts/mutation-probes.sh |"
    survivors=$((survivors + 1))
    cp "$WORK/original" "$target"
    continue
  fi
  read -r failed total < <(run_jest)
  cp "$WORK/original" "$target"
  echo "| \`$name\` | $failed of $total |"
  if [ "$failed" = 0 ] || [ "$failed" = error ]; then survivors=$((survivors + 1)); fi
done
echo
if [ "$survivors" -gt 0 ]; then echo "mutation-probes: $survivors change(s) killed no test" >&2; exit 1; fi
echo "mutation-probes: every change kills at least one test"
