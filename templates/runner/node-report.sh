#!/bin/sh
# lbdeploy debug-bundle: runs inside one node (mnexec -a PID) and writes what the node's network stack holds into
# OUT, one file per command, plus OUT/commands.tsv (file, exit code, command) for the bundle's manifest. Read-only:
# it sends no packet. A failing command is recorded and the next one runs. Shipped with lbdeploy
# (templates/runner/node-report.sh).
# Usage: node-report.sh OUT SECONDS [FRR_RUNTIME_DIR]   (SECONDS bounds each command)
out=$1
limit=$2
frr=${3:-}
mkdir -p "$out" || exit 1
: >"$out/commands.tsv"

run() {
    file=$1
    shift
    timeout -k 1 "$limit" "$@" >"$out/$file" 2>"$out/$file.err"
    code=$?
    [ -s "$out/$file.err" ] || rm -f "$out/$file.err"
    printf '%s\t%s\t%s\n' "$file" "$code" "$*" >>"$out/commands.tsv"
}

run addresses.txt ip addr show
run links.txt ip -d -s link show
run routes.txt ip -4 route show table all
run routes.json ip -j -d -4 route show table all
run rules.txt ip -4 rule show
run nexthops.txt ip nexthop show
run neighbours.txt ip neigh show
run sysctls.txt sysctl --pattern '^net\.ipv4\.(ip_forward|fib_multipath_|conf\.[^.]+\.(forwarding|rp_filter|accept_local|arp_ignore|arp_announce|send_redirects))' -a
run nft-ruleset.txt nft list ruleset
run qdiscs.txt tc -s qdisc show
run sockets.txt ss -tuan

if [ -n "$frr" ]; then
    vty() {
        file=$1
        shift
        run "$file" vtysh --vty_socket "$frr" -c "$*"
    }
    vty frr-bgp-summary.json show bgp summary json
    vty frr-bgp-routes.json show bgp ipv4 unicast json
    vty frr-bfd-peers.json show bfd peers json
    vty frr-routes.txt show ip route
    vty frr-running-config.txt show running-config
fi
exit 0
