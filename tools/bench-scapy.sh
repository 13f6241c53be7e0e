#!/usr/bin/env bash
# The seed's approach on this fabric, measured: scapy muxes and agents (tools/scapy-baseline/) in place of lbengine.
# Brings up the embedded testbed with lb.yaml (lbdeploy up), stops the mux watcher and every lbengine, starts
# tools/scapy-baseline/mux.py in every mux and agent.py in every DIP (each inside its host: mnexec -a PID), then:
#  - HTTP through the VIP and straight to one server, in the same run, as tools/bench-http.sh measures it (every client
#    runs tools/lib/http_load.py: one GET per new connection);
#  - one UDP flow (one mux, one DIP) from the first client to the VIP at each rate of -r, counted where the DIPs'
#    kernels receive it (Udp NoPorts), with the scapy muxes' and agents' CPU per delivered packet.
# Takes the deployment down at the end (lbdeploy down). About a minute and a half.
#
#   tools/bench-scapy.sh [-d SECONDS (5)] [-c CONNECTIONS PER CLIENT (1)] [-p PATH (/index.html)]   (as root)
#                             [-r RATES (500,1000,1500,2000,3000)] [-s SECONDS PER RATE (3)]
#
# Needs python3-scapy (tools/bootstrap.sh --with-bench-tools) and no lbdeploy deployment running.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"
duration=5 concurrency=1 path=/index.html rates=500,1000,1500,2000,3000 step=3
while getopts "d:c:p:r:s:h" opt; do
  case $opt in
    d) duration=$OPTARG ;; c) concurrency=$OPTARG ;; p) path=$OPTARG ;; r) rates=$OPTARG ;; s) step=$OPTARG ;;
    *) lb_usage 2 ;;
  esac
done
lb_check_range -d "$duration" 1 60
lb_check_range -c "$concurrency" 1 16
lb_check_range -s "$step" 1 10
IFS=, read -ra rate_list <<<"$rates"
for r in "${rate_list[@]}"; do lb_check_range "-r (each rate)" "$r" 1 20000; done
lb_need_root "mininet, mnexec"
"$LB_PYTHON" -c 'import scapy' 2>/dev/null || lb_die "python3-scapy is not installed; run tools/bootstrap.sh --with-bench-tools"
state=${LBDEPLOY_STATE_DIR:-/run/lbdeploy}
[[ ! -e $state/deploy/applied.json && ! -e $state/testbed/nodes.json ]] ||
  lb_die "an lbdeploy deployment is running ($state); stop it with lbdeploy down first"
lb_workdir lbdeploy-bench-scapy
work=$LB_WORK

take_down() { ./lbdeploy down >"$work/down.log" 2>&1 || { cat "$work/down.log" >&2; echo "$LB_TOOL: lbdeploy down failed (its log above)" >&2; }; }
lb_on_exit take_down
echo "bench-scapy: lbdeploy up -f lb.yaml"
./lbdeploy up -f lb.yaml >"$work/up.log" 2>&1 || { tail -20 "$work/up.log" >&2; lb_die "lbdeploy up failed (its log above)"; }
lb_deployment_require "$state"
eval "$(lb_python deployment.py shell-vars "$LB_PLAN" "$LB_NODES" "$LB_APPLIED")"
eval "$(lb_python deployment.py engine-vars "$state/deploy/plan" "$LB_APPLIED" "$LB_NODES")"

# lbengine out: the watcher first (it would withdraw every mux it sees die from the switches), then each engine.
wait_gone() { local pid; for pid in "$@"; do for _ in $(seq 100); do [[ -e /proc/$pid ]] || break; sleep 0.1; done; done; }
kill ${watcher_pid:+"$watcher_pid"} "${engine_pids[@]}" 2>/dev/null || true   # (one that already died needs nothing)
wait_gone ${watcher_pid:+"$watcher_pid"} "${engine_pids[@]}"

# The scapy baseline in their place, each inside its host; SIGTERM at exit (each prints its count).
mux_pids=() agent_pids=()
start_in_host() { # log host_pid script args...
  local log=$1 host_pid=$2
  shift 2
  setsid mnexec -a "$host_pid" "$LB_PYTHON" "$@" >"$log" 2>&1 </dev/null &
  lb_on_exit lb_stop_pid "$!"
  started=$!
}
for spec in "${agent_specs[@]}"; do
  IFS=: read -r host pid iface address <<<"$spec"
  start_in_host "$work/agent-$host.log" "$pid" tools/scapy-baseline/agent.py --iface "$iface" --address "$address"
  agent_pids+=("$started")
done
for spec in "${mux_specs[@]}"; do
  IFS=: read -r host pid iface address gateway dip_list <<<"$spec"
  start_in_host "$work/mux-$host.log" "$pid" tools/scapy-baseline/mux.py --iface "$iface" --address "$address" \
    --gateway "$gateway" --vip "$vip" --dips "$dip_list"
  mux_pids+=("$started")
done
for _ in $(seq 300); do
  (( $(cat "$work"/mux-*.log "$work"/agent-*.log | grep -c ': ready') == ${#mux_pids[@]} + ${#agent_pids[@]} )) && break
  sleep 0.1
done
(( $(cat "$work"/mux-*.log "$work"/agent-*.log | grep -c ': ready') == ${#mux_pids[@]} + ${#agent_pids[@]} )) ||
  { tail -n 5 "$work"/mux-*.log "$work"/agent-*.log >&2; lb_die "the scapy muxes and agents did not all start within 30 s (logs above)"; }
sleep 1   # each prints "ready" just before its capture opens
echo "bench-scapy: scapy muxes on ${#mux_pids[@]} hosts, scapy agents on ${#agent_pids[@]} DIPs"

lb_start_direct_server "$server_pid" "$dip_pid" "$vip:$port" "$dip_addr:8080" "$work/direct.log"
echo "bench-scapy: ${#clients[@]} clients x $concurrency connections, ${duration} s each, GET $path"
lb_http_load vip "$vip" "$port" "$path" "$duration" "$concurrency"
lb_http_load direct "$dip_addr" 8080 "$path" "$duration" "$concurrency"
lb_python stats.py http-table "$duration" "through the VIP (scapy) $vip:$port" "$work/vip.*.json" "straight to $dip ($dip_addr:8080)" "$work/direct.*.json"

# Packets per second: one UDP flow to a closed VIP port, delivered = the DIPs' Udp NoPorts counters.
delivered() { local d sum=0; for d in "${dips[@]}"; do sum=$((sum + $(mnexec -a "$(cut -d: -f2 <<<"$d")" awk '/^Udp: [0-9]/ {print $3}' /proc/net/snmp))); done; echo $sum; }
jiffies() { local pid sum=0; for pid in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo $sum; }
client=${clients[0]}
echo "bench-scapy: one UDP flow ${client%%:*} -> $vip:9, $step s per rate"
echo "| offered pps | delivered pps | delivered | mux CPU us/pkt | agent CPU us/pkt |"
echo "|---|---|---|---|---|"
for rate in "${rate_list[@]}"; do
  before=$(delivered) mux0=$(jiffies "${mux_pids[@]}") agent0=$(jiffies "${agent_pids[@]}")
  sent=$(mnexec -a "${client#*:}" "$LB_PYTHON" tools/scapy-baseline/udp_sender.py "$vip" 9 40009 "$rate" "$step")
  sleep 1   # what the scapy processes still have queued
  lb_python stats.py pps-row "$sent" $(( $(delivered) - before )) "$step" $(( $(jiffies "${mux_pids[@]}") - mux0 )) $(( $(jiffies "${agent_pids[@]}") - agent0 ))
done
