#!/usr/bin/env bash
# Builds lbdeploy and lbengine (Release) when a source is newer than the last build; silent otherwise.
# lbdeploy is published ReadyToRun (precompiled with its libraries, framework-dependent) to cli/bin/Release/publish/,
# where ./lbdeploy and the benchmarks run it: a one-shot CLI otherwise spends ~1 s of CPU of a large plan in the JIT.
# The path keeps /bin/Release/ so lbdeploy finds the Release lbengine of this checkout (cli/Runner/EngineBinary.cs).
# lbengine is also published self-contained as one file for linux-x64: what lbdeploy ships to machines it reaches
# over SSH (lb.yaml's inventory), which need no .NET.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"
stamp=.build-stamp
if [[ -f $stamp ]] && [[ -f cli/bin/Release/publish/lbdeploy.dll ]] \
   && [[ -z $(find cli engine templates tools/build.sh Directory.Build.props Directory.Packages.props global.json \
      -newer "$stamp" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.sbn' -o -name '*.py' -o -name build.sh \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -print -quit 2>/dev/null) ]]; then
  exit 0
fi
# ReadyToRun code is per platform; the IL beside it still runs (JIT-compiled) anywhere .NET does.
case $(uname -m) in
  aarch64 | arm64) rid=linux-arm64 ;;
  *) rid=linux-x64 ;;
esac
lb_workdir lbdeploy-build
log=$LB_WORK/build.log
if ! { dotnet publish cli/Lbdeploy.csproj -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
         -o cli/bin/Release/publish -nologo -v q \
       && dotnet build engine/LbEngine/LbEngine.csproj -c Release -nologo -v q \
       && dotnet publish engine/LbEngine/LbEngine.csproj -c Release -r linux-x64 --self-contained true -p:PublishSingleFile=true \
            -o engine/LbEngine/bin/Release/publish/linux-x64 -nologo -v q; } >"$log" 2>&1; then
  grep -E 'error|Error' "$log" >&2 || cat "$log" >&2
  lb_die "build failed: fix the errors above and run again"
fi
touch "$stamp"
