#!/bin/sh
# lbdeploy on a machine without systemd: keeps one program running after the SSH session that started it ends.
# Shipped with lbdeploy (templates/remote/supervise.sh) into the machine's lbdeploy_root; systemd machines use
# systemd-run instead.
#   supervise.sh start PIDFILE LOG COMMAND   starts the supervisor in its own session, prints its pid
#   supervise.sh run PIDFILE LOG COMMAND     (what start runs) writes its pid, runs COMMAND with /bin/sh, starts it
#                                            again when it fails (after 1 s, doubling to 30 s), ends when it exits 0
#                                            or on TERM/INT, which it passes on to the program
#   supervise.sh stop PID GRACE              ends what start (or systemd-run) started as PID: the systemd unit it
#                                            belongs to is stopped; else TERM to its process group (the supervisor's
#                                            session: the program goes too), KILL after GRACE seconds; exits 1 when
#                                            anything of it still runs
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
    pid=$2
    grace=$3
    unit=$(sed -n 's|^0::.*/\(lbdeploy-[0-9a-f]*-[^/]*\.service\)$|\1|p' "/proc/$pid/cgroup" 2>/dev/null)
    if [ -n "$unit" ] && [ -d /run/systemd/system ]; then
        # systemd would start the program again after a KILL (Restart=on-failure): it stops its own units.
        systemctl stop "$unit" 2>/dev/null
        systemctl reset-failed "$unit" 2>/dev/null
    fi
    # The third field after the command name in /proc/PID/stat is the process group: a supervisor leads its own.
    read -r stat 2>/dev/null <"/proc/$pid/stat" || exit 0
    set -- ${stat##*) }
    target=$pid
    [ "$3" = "$pid" ] && target=-$pid
    # Whether the pid, or a process of its group, runs (a zombie waiting for its parent does not).
    alive() {
        for f in /proc/[0-9]*/stat; do
            read -r s 2>/dev/null <"$f" || continue
            set -- ${s##*) }
            [ "$1" = Z ] && continue
            if [ "$target" = "$pid" ]; then [ "$f" = "/proc/$pid/stat" ] && return 0; else [ "$3" = "$pid" ] && return 0; fi
        done
        return 1
    }
    kill -TERM "$target" 2>/dev/null
    ticks=$((grace * 10))
    while alive && [ "$ticks" -gt 0 ]; do sleep 0.1; ticks=$((ticks - 1)); done
    if alive; then
        kill -KILL "$target" 2>/dev/null
        ticks=20
        while alive && [ "$ticks" -gt 0 ]; do sleep 0.1; ticks=$((ticks - 1)); done
    fi
    if alive; then
        echo "process $pid (or its group) still runs after TERM and KILL" >&2
        exit 1
    fi
    ;;
*)
    echo "usage: supervise.sh start|run PIDFILE LOG COMMAND | stop PID GRACE" >&2
    exit 2
    ;;
esac
