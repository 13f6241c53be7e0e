#!/bin/sh
# lbdeploy verify: fetches URL COUNT times at once (each a new TCP connection, so a new flow through the load
# balancer) and prints the sha256 of every body, one per line. Shipped with lbdeploy (templates/runner/fetch-hashes.sh).
# Usage: fetch-hashes.sh COUNT URL
count=$1
url=$2
i=0
while [ "$i" -lt "$count" ]; do
    ( wget -q -T 5 -t 1 -O - "$url" | sha256sum ) &
    i=$((i + 1))
done
wait
