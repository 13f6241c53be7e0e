#!/bin/sh
# lbdeploy verify: fetches URL COUNT times at once (each a new TCP connection, so a new flow through the load
# balancer) and prints the sha256 of every body, one line per GET ("failed" for a GET that failed, with wget's
# reason on stderr). Shipped with lbdeploy (templates/runner/fetch-hashes.sh).
# Usage: fetch-hashes.sh COUNT URL
count=$1
url=$2

fetch() {
    body=$(mktemp) || { echo failed; return; }
    errors=$(mktemp) || { rm -f "$body"; echo failed; return; }
    if wget -nv -T 5 -t 1 -O "$body" "$url" 2>"$errors"; then
        sha256sum <"$body"
    else
        echo failed
        # wget -nv says why in one or two lines (refused, reset, timed out, the HTTP status): one line here, without
        # the timestamp wget puts before an HTTP error (so the same reason reads the same).
        printf '%s\n' "$(tr '\n' ' ' <"$errors" | sed 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] //g')" >&2
    fi
    rm -f "$body" "$errors"
}

i=0
while [ "$i" -lt "$count" ]; do
    fetch &
    i=$((i + 1))
done
wait
