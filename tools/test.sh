#!/usr/bin/env bash
# The whole test suite: unit, golden-file, property, engine-in-netns and end-to-end (mininet) tests.
# Needs root for the network tests (they create network namespaces and a mininet fabric).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh --with-test-tools
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results=$(mktemp -d)
status=0
dotnet test lbdeploy.slnx -c Release --logger "trx;LogFilePrefix=run" --results-directory "$results" "$@" || status=$?
# One plain closing line over every test project.
python3 - "$results" <<'PY' || true
import sys, glob, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find("t:ResultSummary/t:Counters", ns)
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
rm -rf "$results"
exit $status
