#!/usr/bin/env bash
# Regenerates the golden plan directories (tests/Lbdeploy.Tests/Golden/*/) from the current templates and code.
# Review the diff (git diff tests/Lbdeploy.Tests/Golden) before committing: every change there is a change users see.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"
export LBDEPLOY_REFRESH_GOLDEN=1
dotnet test tests/Lbdeploy.Tests/Lbdeploy.Tests.csproj -c Release --filter "FullyQualifiedName~Lbdeploy.Tests.Golden" -v q -nologo
git status --short tests/Lbdeploy.Tests/Golden || true
