#!/usr/bin/env bash
# Rewrites the expected lines of the bad-input corpus (tests/Lbdeploy.Tests/Corpus/*.cases) from what each case prints
# now. Review the diff (git diff tests/Lbdeploy.Tests/Corpus) before committing: every line there is a message users see.
# Usage: tools/refresh-corpus.sh [NAME-FILTER]
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 LBDEPLOY_REFRESH_CORPUS=1
filter="FullyQualifiedName~Lbdeploy.Tests.Corpus"
[ $# -gt 0 ] && filter="$filter&DisplayName~$1"
dotnet test tests/Lbdeploy.Tests/Lbdeploy.Tests.csproj -c Release --filter "$filter" -v q -nologo || true
git status --short tests/Lbdeploy.Tests/Corpus || true
