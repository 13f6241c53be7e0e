#!/usr/bin/env bash
# Runs COMMAND... on this machine as a course VM with mininet built from source sees it, without touching the machine:
# run it under `unshare -m --propagation private` so every bind mount below lives only in that mount namespace.
#   unshare -m --propagation private bash source-mininet.sh WORK MODE COMMAND...
# Debian's package folder is covered by an empty one, /usr/bin/mnexec by an empty non-executable file, and dpkg's
# status by a copy without the mininet package. MODE "source" then puts a copy of the package in WORK/site (on
# PYTHONPATH) and mnexec in WORK/bin (on PATH), as `make install` of a source checkout would elsewhere; MODE "none"
# leaves mininet missing.
set -euo pipefail
work=$1 mode=$2
shift 2
package=/usr/lib/python3/dist-packages/mininet
mkdir -p "$work/empty" "$work/site" "$work/bin"
if [[ $mode == source ]]; then
  cp -r "$package" "$work/site/"
  cp /usr/bin/mnexec "$work/bin/mnexec"
  export PYTHONPATH="$work/site${PYTHONPATH:+:$PYTHONPATH}" PATH="$work/bin:$PATH"
fi
: >"$work/no-mnexec"
chmod 0644 "$work/no-mnexec"
awk 'BEGIN { RS = ""; ORS = "\n\n" } !/^Package: mininet\n/' /var/lib/dpkg/status >"$work/dpkg-status"
mount --bind "$work/empty" "$package"
mount --bind "$work/no-mnexec" /usr/bin/mnexec
mount --bind "$work/dpkg-status" /var/lib/dpkg/status
exec "$@"
