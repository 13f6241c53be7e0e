#!/usr/bin/env bash
# Sustained load through the VIP: every client for SECONDS at the highest rate the testbed sustains with zero errors.
# On demand (not part of the test suite). Needs a running deployment (`lbdeploy up`). Every request is made from
# inside a client host (mnexec -a PID) by tools/loadgen.py; nothing is sent from the root namespace.
#
#   tools/bench-sustained.sh [-d SECONDS (60)] [-c WORKERS PER CLIENT (0: find it)] [-p PATH (/index.html)]   (as root)
#
# With -c 0 it first probes 4 s at 1, 2, 4, 8 workers per client (each worker: one GET per new connection, back to
# back) and keeps the highest-throughput level without errors; then the long run. Prints requests/s, errors,
# latency percentiles and the muxes' packets and drops over the run (from their control sockets).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
duration=60 conc=0 path=/index.html
while getopts "d:c:p:h" opt; do
  case $opt in
    d) duration=$OPTARG ;; c) conc=$OPTARG ;; p) path=$OPTARG ;;
    *) lb_usage 2 ;;
  esac
done
lb_check_range -d "$duration" 5 120
lb_check_range -c "$conc" 0 32
lb_need_root "mnexec"
lb_deployment_require "${LBDEPLOY_STATE_DIR:-/run/lbdeploy}"
lb_workdir lbdeploy-sustained
work=$LB_WORK

eval "$(lb_python deployment.py shell-vars "$LB_PLAN" "$LB_NODES" "$LB_APPLIED")"

muxstats() { lb_python deployment.py mux-stats "$LB_APPLIED"; } # {host: stats} of every mux, from its control socket

run() { # label seconds workers
  local label=$1 secs=$2 workers=$3 pids=()
  for c in "${clients[@]}"; do
    mnexec -a "${c#*:}" "$LB_PYTHON" "$LB_ROOT/tools/loadgen.py" --host "$vip" --port "$port" --path "$path" \
      --seconds "$secs" --short "$workers" --out "$work/$label.${c%%:*}.jsonl" >/dev/null &
    pids+=($!)
  done
  wait "${pids[@]}"
}

summary() { lb_python stats.py requests "$2" "$work/$1.*.jsonl"; } # label seconds -> "requests errors req/s p50 p99 max"

echo "bench-sustained: ${#clients[@]} clients, GET http://$vip:$port$path, one new connection per request"
if (( conc == 0 )); then
  best=0 best_rate=0
  for level in 1 2 4 8; do
    run "probe$level" 4 "$level"
    read -r n e rate p50 p99 max <<<"$(summary "probe$level" 4)"
    printf "  probe %2d workers/client: %6s req/s, %s errors, p50 %s ms, p99 %s ms\n" "$level" "$rate" "$e" "$p50" "$p99"
    if (( e == 0 )) && (( rate > best_rate * 105 / 100 )); then best=$level best_rate=$rate; fi
  done
  (( best > 0 )) || lb_die "every probe level had errors"
  conc=$best
fi
echo "bench-sustained: ${duration} s at $conc workers per client ($(( conc * ${#clients[@]} )) concurrent connections)"
before=$(muxstats)
run sustained "$duration" "$conc"
after=$(muxstats)
read -r n e rate p50 p99 max <<<"$(summary sustained "$duration")"
printf "%-10s %10s %8s %10s %8s %8s %8s\n" requests errors "req/s" "p50 ms" "p99 ms" "max ms" workers
printf "%-10s %10s %8s %10s %8s %8s %8s\n" "$n" "$e" "$rate" "$p50" "$p99" "$max" "$conc"
lb_python stats.py mux-delta "$before" "$after" "$duration"
(( e == 0 )) || lb_die "$e errors"
