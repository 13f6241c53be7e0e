#!/usr/bin/env bash
# Per-packet latency through the VIP against straight to one DIP, in the same run: ICMP echo round trips from one
# client (ping inside the client host), rounds alternating which target goes first, p50 and p99 of each and what the
# VIP path adds (the mux, the agent, and the detour through the mux's switch: the direct path skips all three). The
# echo reply leaves the DIP straight for the client on both paths (DSR), so the difference is the way in.
#   low rate:  PINGS echoes at 100/s; the engines are idle between two, so each packet pays their wake-up
#   high rate: the same, while every other client floods the VIP with echoes (ping -i 0.0002 each, ~5000/s), so the
#              engines' loops are busy and the packet waits behind others instead
# Needs a running deployment whose VIP answers ICMP (`vip.icmp`, on by default); every ping runs inside a client
# host (mnexec -a PID).
#
#   tools/bench-latency.sh [-n PINGS (1000)] [-r ROUNDS (3)] [-C CLIENT (first client)]   (as root)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
pings=1000 rounds=3 client=""
while getopts "n:r:C:h" opt; do
  case $opt in
    n) pings=$OPTARG ;; r) rounds=$OPTARG ;; C) client=$OPTARG ;;
    *) lb_usage 2 ;;
  esac
done
lb_check_range -n "$pings" 100 100000
lb_check_range -r "$rounds" 1 20
lb_need_root "mnexec"
lb_deployment_require "${LBDEPLOY_STATE_DIR:-/run/lbdeploy}"
lb_workdir lbdeploy-bench-latency
work=$LB_WORK

eval "$(lb_python deployment.py shell-vars "$LB_PLAN" "$LB_NODES" "$LB_APPLIED")"
lb_deployment_client "$client"
flooders=()
for c in "${clients[@]}"; do [[ $c == "$client_entry" ]] || flooders+=("${c#*:}"); done

# ping_from PID TARGET FILE: PINGS echoes at 100/s, one line per reply (time=... ms) into FILE.
ping_from() {
  mnexec -a "$1" ping -n -c "$pings" -i 0.01 -W 1 "$2" >"$3" 2>&1 || true
}

# flood SECONDS: every other client pings the VIP at ~5000/s for SECONDS (stopped by ping's own deadline).
flood_pids=()
flood() {
  local pid
  flood_pids=()
  for pid in "${flooders[@]}"; do
    mnexec -a "$pid" ping -n -q -i 0.0002 -w "$1" "$vip" >/dev/null 2>&1 &
    flood_pids+=($!)
    lb_on_exit lb_stop_pid "$!"
  done
  sleep 1   # the flood reaches its rate before the measured pings start
}
flood_end() {
  local pid
  for pid in "${flood_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}

seconds=$(((pings + 99) / 100))
echo "bench-latency: ICMP echo from ${client_entry%%:*}, $pings per run at 100/s; $rounds round(s)"
echo "through the VIP $vip (${#dips[@]} DIPs, ${#mux_pids[@]} muxes) against straight to $dip ($dip_addr); high rate: ${#flooders[@]} other clients flood the VIP"
lb_load_line
for ((round = 1; round <= rounds; round++)); do
  read -ra order <<<"$(lb_round_order "$round")"
  for rate in low high; do
    for target in "${order[@]}"; do
      address=$vip
      [[ $target == direct ]] && address=$dip_addr
      if [[ $rate == high ]]; then flood $((seconds + 3)); fi
      ping_from "$client_pid" "$address" "$work/$rate.$target.$round.txt"
      if [[ $rate == high ]]; then flood_end; fi
    done
  done
done
lb_python stats.py ping-report "$work" "$rounds" "$pings"
