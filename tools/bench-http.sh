#!/usr/bin/env bash
# HTTP load through the VIP next to the same load straight to one server, in the same run.
# Needs a running deployment (`lbdeploy up`): reads the applied plan (/run/lbdeploy/deploy/plan/plan.json) and the
# testbed's node pids (/run/lbdeploy/testbed/nodes.json). Every request is made from inside a client host
# (mnexec -a PID): nothing is sent from the root namespace. Each request is a new TCP connection (a new flow).
#
#   tools/bench-http.sh [-d SECONDS (5)] [-c CONNECTIONS PER CLIENT (2)] [-p PATH (/index.html)]   (as root)
#
# The direct run starts a second `php -S` on DIP:8080 in the first DIP (same docroot) and stops it afterwards.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
duration=5 concurrency=2 path=/index.html
while getopts "d:c:p:h" opt; do
  case $opt in
    d) duration=$OPTARG ;; c) concurrency=$OPTARG ;; p) path=$OPTARG ;;
    *) lb_usage 2 ;;
  esac
done
lb_check_range -d "$duration" 1 60
lb_check_range -c "$concurrency" 1 16
lb_need_root "mnexec"
lb_deployment_require "${LBDEPLOY_STATE_DIR:-/run/lbdeploy}"
lb_workdir lbdeploy-bench
work=$LB_WORK

# Everything the run needs, from the plan and the node table: vip, clients, first DIP, pids.
eval "$(lb_python deployment.py shell-vars "$LB_PLAN" "$LB_NODES" "$LB_APPLIED")"

# The direct server: the DIP's own server command line, listening on DIP:8080 instead of VIP:port.
lb_start_direct_server "$server_pid" "$dip_pid" "$vip:$port" "$dip_addr:8080" "$work/direct.log"

echo "bench-http: ${#clients[@]} clients x $concurrency connections, ${duration} s each, GET $path"
lb_http_load vip "$vip" "$port" "$path" "$duration" "$concurrency"
lb_http_load direct "$dip_addr" 8080 "$path" "$duration" "$concurrency"

lb_python stats.py http-table "$duration" "through the VIP $vip:$port" "$work/vip.*.json" "straight to $dip ($dip_addr:8080)" "$work/direct.*.json"
