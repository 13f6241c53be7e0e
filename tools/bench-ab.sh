#!/usr/bin/env bash
# HTTP through the VIP against straight to one server with ApacheBench (ab, Debian's apache2-utils), in the same
# run: ROUNDS alternating rounds (VIP first in odd rounds, direct first in even ones), medians over the rounds.
# Needs a running deployment (`lbdeploy up`); every request is made from inside one client host (mnexec -a PID).
# Per round:
#   new connection per request, -c CONCURRENCY   (the figure to compare: VIP req/s / direct req/s)
#   keep-alive (-k), -c CONCURRENCY
#   latency: new connection per request, -c 1 (p50/p99 from ab's per-percent table, microseconds)
# and for each VIP run the CPU the muxes and the agents spent per request. ab's "Keep-Alive requests" says whether the
# server kept connections open (php -S closes each one: the keep-alive rows then measure new connections too).
#
#   tools/bench-ab.sh [-n REQUESTS (2000)] [-c CONCURRENCY (10)] [-r ROUNDS (3)] [-p PATH (/streaming.html)] [-C CLIENT (first client)]   (as root)
#
# The direct server is a second copy of the first DIP's server command, on DIP:8080 inside that DIP (stopped at exit).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
requests=2000 concurrency=10 rounds=3 path=/streaming.html client=""
while getopts "n:c:r:p:C:h" opt; do
  case $opt in
    n) requests=$OPTARG ;; c) concurrency=$OPTARG ;; r) rounds=$OPTARG ;; p) path=$OPTARG ;; C) client=$OPTARG ;;
    *) lb_usage 2 ;;
  esac
done
lb_check_range -n "$requests" 100 1000000
lb_check_range -c "$concurrency" 1 1000
lb_check_range -r "$rounds" 1 20
[[ $path =~ ^/[A-Za-z0-9._/-]*$ ]] || lb_die "-p must be a URL path such as /index.html" 2
lb_need_root "mnexec"
command -v ab >/dev/null || lb_die "ab not found: tools/bootstrap.sh --with-bench-tools (or apt-get install apache2-utils)"
lb_deployment_require "${LBDEPLOY_STATE_DIR:-/run/lbdeploy}"
lb_workdir lbdeploy-bench-ab
work=$LB_WORK

eval "$(lb_python deployment.py shell-vars "$LB_PLAN" "$LB_NODES" "$LB_APPLIED")"
client_entry=${clients[0]}
if [[ -n $client ]]; then
  client_entry=""
  for c in "${clients[@]}"; do [[ ${c%%:*} == "$client" ]] && client_entry=$c; done
  [[ -n $client_entry ]] || lb_die "-C $client is not a client of the deployment (clients: ${clients[*]%%:*})" 2
fi
client_pid=${client_entry#*:}

lb_start_direct_server "$server_pid" "$dip_pid" "$vip:$port" "$dip_addr:8080" "$work/direct.log"

# CPU nanoseconds the given processes have used, user and system, exited threads included (/proc/PID/stat, in
# clock ticks of 10 ms: a run should last seconds). Per-thread schedstat is finer but loses threads that exit.
cpu_ns() {
  local pid total=0 ticks
  for pid in "$@"; do
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks * 10000000))
  done
  echo "$total"
}

# run MODE TARGET ROUND: one ab run; its output, its percentile table and (VIP) the engines' CPU go to $work.
run() {
  local mode=$1 target=$2 round=$3 url n=$requests c=$concurrency extra=()
  [[ $target == vip ]] && url="http://$vip:$port$path" || url="http://$dip_addr:8080$path"
  case $mode in
    keepalive) extra=(-k) ;;
    latency) c=1 n=$((requests / 2)) ;;
  esac
  local name="$mode.$target.$round" mux0 agent0
  mux0=$(cpu_ns "${mux_pids[@]}") agent0=$(cpu_ns "${agent_pids[@]}")
  mnexec -a "$client_pid" ab -q -r -n "$n" -c "$c" "${extra[@]}" -e "$work/$name.csv" "$url" >"$work/$name.txt" 2>&1 \
    || { cat "$work/$name.txt" >&2; lb_die "ab failed ($mode, $target, round $round)"; }
  echo "$(($(cpu_ns "${mux_pids[@]}") - mux0)) $(($(cpu_ns "${agent_pids[@]}") - agent0))" >"$work/$name.cpu"
}

echo "bench-ab: from ${client_entry%%:*}, GET $path; $requests requests at -c $concurrency (latency: $((requests / 2)) at -c 1); $rounds round(s)"
echo "through the VIP $vip:$port (${#dips[@]} DIPs, ${#mux_pids[@]} muxes) against straight to $dip ($dip_addr:8080)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
for ((round = 1; round <= rounds; round++)); do
  order=(vip direct)
  ((round % 2)) || order=(direct vip)
  for mode in new keepalive latency; do
    for target in "${order[@]}"; do run "$mode" "$target" "$round"; done
  done
done
lb_python stats.py ab-report "$work" "$rounds"
