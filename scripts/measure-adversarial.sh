#!/usr/bin/env bash
# Runs the CLI (dist/cli.js) on every adversarial capture of issue 15
# (scripts/gen-adversarial.mjs) and prints one Markdown table row per run:
# exit status, wall and CPU (user + system) time, peak RSS (/usr/bin/time -v) and what the tool said on
# stderr (its warnings: what it dropped or capped). A second table gives the
# CPU time of the JSON run (NDJSON for the SYN flood) at two scales, run back
# to back, to show that time is linear (CPU time: wall time on a shared machine
# follows its load); a third, the two command-line rows
# (a file name with escape sequences, pool --pool-idle -1).
#
#   scripts/measure-adversarial.sh [--scale 1] [--half 0.5] [--rows a,b,...] [--timeout 900]
#
# --scale multiplies every row's count (1 = the issue's sizes); --half is the
# second scale of the linearity table, relative to 1 (0 skips that table);
# --rows picks rows by generator name (node scripts/gen-adversarial.mjs list).
# The captures go to a temporary directory and each is deleted right after its
# runs (the biggest is 2.9 GB). The machine's load (uptime) is printed at the
# start and end of every row: wall times on a shared machine vary with it.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=1
half=0.5
rows=""
limit=900
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --half) half="$2"; shift 2 ;;
    --rows) rows="$2"; shift 2 ;;
    --timeout) limit="$2"; shift 2 ;;
    *) echo "measure-adversarial: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -f dist/cli.js ]] || npm run build >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name -> the runs: json, text, ndjson, pool (a space-separated list).
declare -A runs=(
  [syn-flood]="json ndjson text"
  [ccs-flood]="json text"
  [alert-flood]="json text"
  [big-handshake]="json text"
  [big-handshake-256k]="json"
  [held-after-hole]="json text"
  [alpn-1000]="json text"
  [tiny-asc]="json text"
  [tiny-desc]="json text"
  [snaplen-cut]="json text"
  [snaplen-cut-hole]="json text"
  [midstream-reuse]="json text pool"
  [idle-close]="json text pool"
  [tsoffset-2e62]="json text"
  [tsresol-2e44]="json text"
)
order="syn-flood ccs-flood alert-flood big-handshake big-handshake-256k held-after-hole alpn-1000 tiny-asc tiny-desc snaplen-cut snaplen-cut-hole midstream-reuse idle-close tsoffset-2e62 tsresol-2e44"
[[ -n "$rows" ]] && order="${rows//,/ }"

# measure FILE FORMAT -> "exit|seconds|peak MiB|stderr summary"
measure() {
  local file=$1 fmt=$2 args
  if [[ "$fmt" == pool ]]; then args=(pool "$file"); else args=("$file" --format "$fmt"); fi
  local rc=0
  timeout --signal=KILL "$limit" /usr/bin/time -v -o "$work/time" node dist/cli.js "${args[@]}" >"$work/out" 2>"$work/err" || rc=$?
  local secs kib cpu
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s}' "$work/time" 2>/dev/null || true)
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$work/time" 2>/dev/null || true)
  kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time" 2>/dev/null || true)
  [[ $rc -eq 137 ]] && secs=">$limit"
  # The child's status (time -v exits with it); the stderr lines without progress noise, joined.
  local said
  said=$(grep -v '^\s*Command exited with non-zero status' "$work/err" | tr -d '\r' | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -E '^(warning|error)' | head -4 | cut -c1-220 | paste -sd ';' - | sed 's/|/\\|/g' || true)
  echo "$rc|${secs:-?}|$(( ${kib:-0} / 1024 ))|${said}|$(stat -c %s "$work/out")|${cpu:-?}"
}

echo "load at start: $(uptime)"
echo "node $(node --version), $(nproc) cores, scale $scale"
echo
echo "| input | run | exit | wall s | cpu s | peak RSS MiB | stdout bytes | stderr |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
declare -A fulltime=()
linrows=()
# The run whose time is compared at two scales: JSON keeps every record until the end (its
# time grows with the heap's), so the SYN flood is timed with NDJSON, which streams them.
declare -A linfmt=([syn-flood]=ndjson)
for name in $order; do
  file="$work/$name.cap"
  node scripts/gen-adversarial.mjs "$name" "$file" "$scale" 2>"$work/gen"
  size=$(stat -c %s "$file")
  for fmt in ${runs[$name]}; do
    IFS='|' read -r rc secs mib said outb cpu < <(measure "$file" "$fmt")
    [[ "$fmt" == "${linfmt[$name]:-json}" ]] && fulltime[$name]=$cpu
    echo "| $name ($(numfmt --to=iec "$size")) | $fmt | $rc | $secs | $cpu | $mib | $outb | $said |"
  done
  rm -f "$file" "$work/out"
  # The same input at the second scale, right away (the load of a shared machine drifts).
  if [[ "$half" != 0 && "$name" != ts* ]]; then
    lin=${linfmt[$name]:-json}
    node scripts/gen-adversarial.mjs "$name" "$file" "$(awk "BEGIN {print $scale * $half}")" 2>"$work/gen"
    IFS='|' read -r rc hsecs mib said outb hcpu < <(measure "$file" "$lin")
    rm -f "$file" "$work/out"
    linrows+=("| $name | $lin | $hcpu | ${fulltime[$name]:-?} | $(awk -v a="$hcpu" -v b="${fulltime[$name]:-0}" 'BEGIN {if (a > 0) printf "%.2f", b / a; else print "?"}') |")
  fi
  echo "<!-- load after $name: $(uptime | sed 's/.*load average/load average/') -->"
done

if [[ "$half" != 0 ]]; then
  echo
  echo "| input | run | cpu s at scale $(awk "BEGIN {print $scale * $half}") | at scale $scale | ratio |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' "${linrows[@]}"
fi
echo
echo "| command line | exit | stderr |"
echo "| --- | --- | --- |"
esc="$work/x"$'\e]0;pwned\a\e[2J'".pcap"
printf 'not a capture\n' >"$esc"
for args in "$esc" "pool fixtures/lo-tls13-full.pcap --pool-idle -1"; do
  rc=0
  if [[ "$args" == "$esc" ]]; then node dist/cli.js "$esc" >/dev/null 2>"$work/err" || rc=$?; shown='a file named x ESC]0;pwned BEL ESC[2J .pcap'
  else node dist/cli.js $args >/dev/null 2>"$work/err" || rc=$?; shown="$args"; fi
  # cat -v shows any control character that reached stderr.
  echo "| \`$shown\` | $rc | $(head -1 "$work/err" | cat -v | sed 's/|/\\|/g') |"
done
echo
echo "load at end: $(uptime)"
