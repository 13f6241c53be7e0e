#!/usr/bin/env bash
# The frr target beside the linux target: time to a deployed, routed fabric, BGP convergence and FRR's memory.
#   tools/bench-frr.sh [--k "4 8"] [--runs N (1)]   (as root)
# For every fat tree size K (4: the course fabric, examples/fattree; others generated) and target (linux, frr):
# `lbdeploy testbed up`, then `lbdeploy apply` timed (for frr it ends when every planned BGP session is established
# and every switch's kernel table holds exactly the plan's routes: the "bgp: converged in" figure), then the memory
# of this deployment's FRR daemons (zebra, bgpd, bfdd) as PSS, shared pages split among the processes that map
# them, then `lbdeploy down`. One line per run.
# Runs in its own state folder (LBDEPLOY_STATE_DIR under /run); nothing is sent through the fabric. About 2 min
# for k=4 and 5 min for k=8 on 2 cores.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"
sizes="4 8" runs=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --k) sizes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) lb_usage 2 ;;
  esac
done
for k in $sizes; do lb_check_range --k "$k" 4 8; ((k % 2 == 0)) || lb_die "--k must be even (got $k)" 2; done
lb_check_range --runs "$runs" 1 10
lb_need_root "mininet and FRR in network namespaces"
lb_need_command /usr/lib/frr/bgpd frr

tools/build.sh
lbdeploy=(dotnet "$PWD/cli/bin/Release/publish/lbdeploy.dll")
lb_workdir lbdeploy-bench-frr
work=$LB_WORK
export LBDEPLOY_STATE_DIR=/run/lbdeploy-bench-frr
state_down() { "${lbdeploy[@]}" down >/dev/null 2>&1 || true; rm -rf "$LBDEPLOY_STATE_DIR"; }
state_down
lb_on_exit state_down
mkdir -p "$work/wwwroot"
echo '<html>lbdeploy</html>' >"$work/wwwroot/index.html"

spec() { # k target -> writes $work/k$k-$target.yaml
  local k=$1 target=$2 fabric hosts
  if ((k == 4)); then
    fabric=$LB_ROOT/examples/fattree/fattree_app.json
  else
    fabric=$work/fattree-k$k.json
    [[ -f $fabric ]] || "${lbdeploy[@]}" generate-fabric --fat-tree "$k" --out "$fabric" >/dev/null
  fi
  hosts=$((k * k * k / 4))
  cat >"$work/k$k-$target.yaml" <<SPEC
topology: $fabric
vip: { address: 20.0.0.1, ports: [80/tcp] }
muxes: [h1, h2]
dips: [h$((hosts - 3)), h$((hosts - 2)), h$((hosts - 1)), h$hosts]
clients: [h3]
switches: { target: $target }
bgp: { bfd: { interval: 100ms, multiplier: 3 } }
servers: { docroot: wwwroot }
SPEC
  [[ $target == frr ]] || sed -i '/^bgp:/d' "$work/k$k-$target.yaml"
}

frr_memory() { # "N daemons, X MB" of this deployment's FRR daemons: proportional set size (shared pages split)
  local pid pss total=0 count=0
  for pid in $(ps -C zebra,bgpd,bfdd -o pid=,args= | awk -v dir="$LBDEPLOY_STATE_DIR/" 'index($0, dir) { print $1 }'); do
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || continue
    total=$((total + pss)) count=$((count + 1))
  done
  awk -v n="$count" -v kb="$total" 'BEGIN { printf "%d daemons, %.0f MB (%.1f MB per daemon)", n, kb / 1024, n ? kb / 1024 / n : 0 }'
}

printf '%-4s %-6s %-4s %9s %12s %s\n' k target run "apply s" "converged s" "frr memory"
for k in $sizes; do
  for target in linux frr; do
    spec "$k" "$target"
    for ((run = 1; run <= runs; run++)); do
      "${lbdeploy[@]}" testbed up -f "$work/k$k-$target.yaml" >"$work/testbed.log" 2>&1 ||
        { cat "$work/testbed.log" >&2; lb_die "testbed up failed (k=$k, $target)"; }
      "${lbdeploy[@]}" apply -f "$work/k$k-$target.yaml" --auto-approve >"$work/apply.log" 2>&1 ||
        { cat "$work/apply.log" >&2; lb_die "apply failed (k=$k, $target)"; }
      applied=$(sed -n 's/^apply: done in \([0-9.]*\) s.*/\1/p' "$work/apply.log")
      converged=$(sed -n 's/^ *bgp: converged in \([0-9.]*\) s.*/\1/p' "$work/apply.log")
      memory=-
      [[ $target == frr ]] && memory=$(frr_memory)
      printf '%-4s %-6s %-4s %9s %12s %s\n' "$k" "$target" "$run" "$applied" "${converged:--}" "$memory"
      "${lbdeploy[@]}" down >/dev/null 2>&1 || lb_die "down failed (k=$k, $target)"
    done
  done
done
