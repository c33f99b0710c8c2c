#!/usr/bin/env bash
# Regenerate test/golden/tshark/, the store of tshark's outputs the tests read
# (test/helpers/tshark.ts): empties it, runs the whole suite with
# HL_TSHARK_STORE=write (every tshark command line a test asks is run once and
# kept), then sorts the index. Check it against tshark with
#   npm run golden:tshark:check      (HL_TSHARK_STORE=check: every answer from tshark, compared)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tshark >/dev/null || { echo "make-tshark-store: tshark not found" >&2; exit 1; }
store=test/golden/tshark
rm -rf "$store"
mkdir -p "$store"
tshark --version | head -1 > "$store/VERSION"
HL_TSHARK_STORE=write NODE_OPTIONS=--experimental-vm-modules npx jest "$@" || echo "make-tshark-store: some tests failed (the store holds what they asked)" >&2
sort -u -o "$store/index.tsv" "$store/index.tsv"
echo "$(ls "$store"/*.gz | wc -l) entries, $(du -sh "$store" | cut -f1)"
