#!/bin/sh
# lbdeploy on a machine without systemd: keeps one program running after the SSH session that started it ends.
# Shipped with lbdeploy (templates/remote/supervise.sh) into the machine's lbdeploy_root; systemd machines use
# systemd-run instead.
#   supervise.sh start PIDFILE LOG COMMAND   starts the supervisor in its own session, prints its pid
#   supervise.sh run PIDFILE LOG COMMAND     (what start runs) writes its pid, runs COMMAND with /bin/sh, starts it
#                                            again when it fails (after 1 s, doubling to 30 s), ends when it exits 0
#                                            or on TERM/INT, which it passes on to the program
#   supervise.sh stop PIDFILE                TERM to the supervisor named by PIDFILE, KILL after 5 s
set -u
mode=$1
pidfile=$2
case $mode in
start)
    log=$3
    mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")"
    # A background job of a non-interactive sh is no group leader, so setsid execs in place: $! is the supervisor.
    setsid /bin/sh "$0" run "$pidfile" "$log" "$4" >>"$log" 2>&1 </dev/null &
    echo $!
    ;;
run)
    command=$4
    echo $$ >"$pidfile.tmp" && mv -f "$pidfile.tmp" "$pidfile"
    child=
    stopping=
    trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
    delay=1
    while :; do
        /bin/sh -c "exec $command" &
        child=$!
        wait "$child"
        status=$?
        # A signal interrupts wait before the program is gone: wait for it again.
        while [ -n "$stopping" ] && kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
        [ -n "$stopping" ] && break
        [ "$status" -eq 0 ] && break
        echo "supervise: the program exited $status; starting it again in ${delay} s"
        sleep "$delay"
        [ -n "$stopping" ] && break
        delay=$((delay * 2))
        [ "$delay" -gt 30 ] && delay=30
    done
    rm -f "$pidfile"
    ;;
stop)
    [ -r "$pidfile" ] || exit 0
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || exit 0
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.5
    done
    kill -KILL "$pid" 2>/dev/null
    rm -f "$pidfile"
    ;;
*)
    echo "usage: supervise.sh start|run PIDFILE LOG COMMAND | stop PIDFILE" >&2
    exit 2
    ;;
esac
