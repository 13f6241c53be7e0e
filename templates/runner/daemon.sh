#!/bin/sh
# lbdeploy apply: starts PROGRAM ARGS... as a daemon (its own session, stdin from /dev/null, stdout and stderr
# appended to LOG) and prints its pid. Shipped with lbdeploy (templates/runner/daemon.sh).
# Usage: daemon.sh LOG PROGRAM [ARGS...]
log=$1
shift
setsid "$@" >>"$log" 2>&1 </dev/null &
echo $!
