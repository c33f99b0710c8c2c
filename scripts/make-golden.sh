#!/usr/bin/env bash
# Regenerate test/golden/** from tshark/capinfos (see scripts/make-golden.mjs).
# Usage: bash scripts/make-golden.sh [fixture-name ...]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in tshark capinfos node; do
  command -v "$tool" >/dev/null || { echo "make-golden: $tool not found" >&2; exit 1; }
done
node scripts/make-golden.mjs "$@"
exec node scripts/make-metrics-golden.mjs "$@"
