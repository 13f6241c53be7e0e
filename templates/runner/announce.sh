#!/bin/sh
# lbdeploy apply/destroy (frr target): takes a mux host's BGP announcement of PREFIX down when its FRR is removed.
# The host's FRR announces PREFIX only while the host has a route to it (`bgp network import-check`); the gate
# (`lbengine gate`) keeps a blackhole route there while the mux engine is healthy. Shipped with lbdeploy
# (templates/runner/announce.sh).
# Usage: announce.sh off PREFIX
set -eu
case "$1" in
    off)
        # Only the gate's blackhole: any other route to the prefix is not ours to remove.
        if [ -n "$(ip route show exact "$2" type blackhole)" ]; then exec ip route del blackhole "$2"; fi ;;
    *) echo "usage: announce.sh off PREFIX" >&2; exit 2 ;;
esac
