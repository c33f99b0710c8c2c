#!/usr/bin/env bash
# Mutation testing with StrykerJS, one stage folder at a time:
#   npm run mutation -- tcp tls timeline report findings quic http   (default: all of them)
# Each folder is mutated with the test folders (or single test files) that check it (below), incrementally:
# reports/mutation/incremental-<folder>.json remembers earlier results, so a re-run only
# tests mutants in code (or tests) that changed. The score per folder is printed and
# written to reports/mutation/scores.tsv; the mutants are in reports/mutation/<folder>.json.
# Slow (minutes to hours per folder on 2 cores): not part of `npm test` or CI.
# A quick check of some files against chosen tests (not incremental; report in reports/mutation/quick-<folder>.json):
#   MUTATE=src/findings/notes.ts MUTATE_TESTS=test/findings/notes.test.ts npm run mutation -- findings
# Two quick runs at once need their own names (report quick-<name>.json, sandbox .stryker-tmp-<name>):
#   MUTATION_NAME=timeline-reader MUTATION_CONCURRENCY=1 MUTATE=src/timeline/reader.ts ... npm run mutation -- timeline
# MUTATION_TIMEOUT_MS sets Stryker's timeoutMS (default 60000 in stryker.config.json): a mutant that makes
# a loop endless waits that long before it counts as a timeout (killed), which dominated the TLS record
# runs of session 13 (13 timeouts in the first 162 mutants); unit-test runs can take e.g. 8000.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A TESTS=(
  [tcp]="test/tcp,test/timeline,test/metrics"
  [tls]="test/tls,test/keylog,test/metrics"
  [timeline]="test/timeline,test/metrics"
  [report]="test/report,test/output,test/view"
  # findings: its own folder (notes.ts included: test/findings/notes.test.ts) and the QUIC findings test;
  # the view, UI and other QUIC suites reach the findings only through the whole pipeline.
  [findings]="test/findings,test/quic/findings.test.ts"
  [quic]="test/quic"
  [http]="test/http"
)
folders=("$@")
[ ${#folders[@]} -eq 0 ] && folders=(tcp tls timeline report findings quic http)
mkdir -p reports/mutation
for f in "${folders[@]}"; do
  tests="${TESTS[$f]:-}"
  [ -n "$tests" ] || { echo "mutation: unknown folder $f" >&2; exit 2; }
  name="$f"
  if [ -n "${MUTATE:-}" ]; then
    tests="${MUTATE_TESTS:-$tests}"
    name="quick-${MUTATION_NAME:-$f}"
  fi
  echo "== src/$f${MUTATE:+ ($MUTATE)} (tests: $tests)"
  # One config per run (Stryker takes nested options only from a file).
  cfg="reports/mutation/.config-$name.json"
  node -e '
    const base = require("./stryker.config.json");
    const [f, tests, out, name, mutate, ownName, concurrency, timeoutMs] = process.argv.slice(1);
    // A test entry is a folder (every test in it) or one test file; jest gets the folders as roots.
    const testMatch = tests.split(",").map((e) => (/\.test\.tsx?$/.test(e) ? `**/${e}` : `**/${e}/**/*.test.{ts,tsx}`));
    const cfg = { ...base, mutate: mutate ? mutate.split(",") : [`src/${f}/**/*.ts`], incrementalFile: `reports/mutation/incremental-${f}.json`,
      jest: { ...base.jest, config: { testMatch } },
      jsonReporter: { fileName: `reports/mutation/${name}.json` }, htmlReporter: { fileName: `reports/mutation/${name}.html` } };
    if (mutate) {
      cfg.incremental = false;
      cfg.tempDirName = ownName ? `.stryker-tmp-${ownName}` : ".stryker-tmp-quick";
    }
    if (concurrency) cfg.concurrency = Number(concurrency);
    if (timeoutMs) cfg.timeoutMS = Number(timeoutMs);
    delete cfg.$schema;
    require("fs").writeFileSync(out, JSON.stringify(cfg, null, 2));
  ' "$f" "$tests" "$cfg" "$name" "${MUTATE:-}" "${MUTATION_NAME:-}" "${MUTATION_CONCURRENCY:-}" "${MUTATION_TIMEOUT_MS:-}"
  roots=$(tr ',' '\n' <<<"$tests" | sed -E 's#/[^/]+\.test\.tsx?$##' | sort -u | paste -sd,)
  MUTATION_TESTS="$roots" npx stryker run "$cfg" 2>&1 | tee "reports/mutation/$name.log" | grep -E "Final mutation score|All files" || true
  node -e '
    const [f, name, mutate] = process.argv.slice(1);
    const r = require("./reports/mutation/" + name + ".json");
    let killed = 0, total = 0;
    for (const file of Object.values(r.files)) for (const m of file.mutants) {
      if (m.status === "CompileError" || m.status === "Ignored") continue;
      total++; if (m.status === "Killed" || m.status === "Timeout") killed++;
    }
    const line = `src/${f}${mutate ? ` (${mutate})` : ""}\t${killed}/${total}\t${total ? (100 * killed / total).toFixed(1) : "-"} %`;
    console.log(line);
    require("fs").appendFileSync("reports/mutation/scores.tsv", line + "\n");
  ' "$f" "$name" "${MUTATE:-}"
done
