#!/bin/sh
# lbdeploy's mux watcher (frr target): turns a mux host's BGP announcement of PREFIX on or off. The host's FRR
# announces PREFIX only while the host has a route to it (`bgp network import-check`); a blackhole route is that
# route (the mux engine takes the VIP's packets before the host's routing would). Shipped with lbdeploy
# (templates/runner/announce.sh).
# Usage: announce.sh on|off PREFIX
set -eu
case "$1" in
    on) exec ip route replace blackhole "$2" ;;
    off)
        # Only our blackhole: any other route to the prefix is not the watcher's to remove.
        if [ -n "$(ip route show exact "$2" type blackhole)" ]; then exec ip route del blackhole "$2"; fi ;;
    *) echo "usage: announce.sh on|off PREFIX" >&2; exit 2 ;;
esac
