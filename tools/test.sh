#!/usr/bin/env bash
# The whole test suite: unit, golden-file, property, engine-in-netns and end-to-end (mininet) tests.
# Needs root for the network tests (they create network namespaces and a mininet fabric).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"
tools/bootstrap.sh --with-test-tools
lb_workdir lbdeploy-test-results
results=$LB_WORK
status=0
# One test project at a time (-m:1): the engine's namespace tests push traffic through veths at full speed, and
# alongside the mininet end-to-end tests they starve the testbed's timers (health probes, the mux watcher).
dotnet test lbdeploy.slnx -c Release -m:1 --logger "trx;LogFilePrefix=run" --results-directory "$results" "$@" || status=$?
# One plain closing line over every test project.
lb_python test_summary.py "$results" || true
exit $status
