#!/bin/bash
# lbdeploy apply: starts PROGRAM ARGS... as a daemon (its own session, stdin from /dev/null, stdout and stderr
# appended to LOG) and prints its pid. Shipped with lbdeploy (templates/runner/daemon.sh).
# Usage: daemon.sh LOG PROGRAM [ARGS...]
log=$1
shift
(
    # Descriptors inherited from the caller (the lock of `flock ... lbdeploy up`, a pipe) must not live as long
    # as the daemon: close every one above stderr before the program starts.
    for fd in /proc/self/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
    done
    exec setsid "$@"
) >>"$log" 2>&1 </dev/null &
echo $!
