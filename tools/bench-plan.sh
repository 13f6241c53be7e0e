#!/usr/bin/env bash
# Wall time and peak memory of `lbdeploy plan` on a k=16 fat tree (1024 hosts, 320 switches, 3072 links).
#   [target=bmv2] tools/bench-plan.sh [--runs N] [--k K]      (no root, no network; about 10-30 s)
# Generates the fabric (hidden `lbdeploy generate-fabric`) and a spec (muxes h1 h2, DIPs h1021-h1024, every other
# host a client) into a temp dir, then runs `lbdeploy plan` as ./lbdeploy does (the ReadyToRun build that
# tools/build.sh publishes) once cold and N times warm (the files the run reads are in the page cache; each run is a
# fresh process), one line per run: wall time, CPU time (user + system: what to compare when other work shares the
# machine) and peak RSS. `lbdeploy plan --verbose` shows where the time goes, phase by phase.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"
runs=3
k=16
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --k) k=$2; shift 2 ;;
    *) lb_usage 2 ;;
  esac
done
[[ -x /usr/bin/time ]] || lb_die "/usr/bin/time not found: apt-get install time"

tools/build.sh
lbdeploy=(dotnet "$PWD/cli/bin/Release/publish/lbdeploy.dll")
lb_workdir lbdeploy-bench-plan
work=$LB_WORK

"${lbdeploy[@]}" generate-fabric --fat-tree "$k" --out "$work/fabric.json" >/dev/null
hosts=$(( k * k * k / 4 ))
mkdir -p "$work/wwwroot"
cat >"$work/lb.yaml" <<EOF
topology: fabric.json
vip:
  address: 20.0.0.1
  ports: [80/tcp]
  icmp: true
muxes: [h1, h2]
dips: [h$((hosts - 3)), h$((hosts - 2)), h$((hosts - 1)), h$hosts]
switches:
  target: ${target:-linux}
servers:
  docroot: wwwroot
EOF

run() {
  local label=$1 stats
  stats=$("/usr/bin/time" -v "${lbdeploy[@]}" plan -f "$work/lb.yaml" --out "$work/plan" 2>&1 >/dev/null) || {
    echo "$stats" >&2; lb_die "lbdeploy plan failed (its output above)"; }
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' <<<"$stats")
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u + s}' <<<"$stats")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' <<<"$stats")
  local files
  files=$(find "$work/plan" -type f | wc -l)
  printf '%-6s k=%s (%s hosts): wall %s  cpu %ss  peak RSS %d MB  (%s files, load %s)\n' \
    "$label" "$k" "$hosts" "$wall" "$cpu" $(( rss / 1024 )) "$files" "$(cut -d' ' -f1 /proc/loadavg)"
}

run cold
for i in $(seq 1 "$runs"); do run "warm$i"; done
