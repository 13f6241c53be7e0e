#!/bin/sh
# lbdeploy verify: pings every address given, all at once, from the host this runs in; one line per address,
# "ok ADDRESS" or "fail ADDRESS". Shipped with lbdeploy (templates/runner/ping-all.sh); arguments are addresses.
for address in "$@"; do
    ( ping -c1 -W2 -q "$address" >/dev/null 2>&1 && echo "ok $address" || echo "fail $address" ) &
done
wait
