#!/usr/bin/env bash
# Builds lbdeploy and lbengine (Release) when a source is newer than the last build; silent otherwise.
# lbdeploy is published ReadyToRun (precompiled with its libraries, framework-dependent) to cli/bin/Release/publish/,
# where ./lbdeploy and the benchmarks run it: a one-shot CLI otherwise spends ~1 s of CPU of a large plan in the JIT.
# The path keeps /bin/Release/ so lbdeploy finds the Release lbengine of this checkout (cli/Runner/EngineBinary.cs).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.build-stamp
if [[ -f $stamp ]] && [[ -f cli/bin/Release/publish/lbdeploy.dll ]] \
   && [[ -z $(find cli engine templates tools/build.sh Directory.Build.props Directory.Packages.props global.json \
      -newer "$stamp" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' -o -name '*.sbn' -o -name '*.py' -o -name build.sh \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -print -quit 2>/dev/null) ]]; then
  exit 0
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# ReadyToRun code is per platform; the IL beside it still runs (JIT-compiled) anywhere .NET does.
case $(uname -m) in
  aarch64 | arm64) rid=linux-arm64 ;;
  *) rid=linux-x64 ;;
esac
log=$(mktemp)
if ! { dotnet publish cli/Lbdeploy.csproj -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
         -o cli/bin/Release/publish -nologo -v q \
       && dotnet build engine/LbEngine/LbEngine.csproj -c Release -nologo -v q; } >"$log" 2>&1; then
  grep -E 'error|Error' "$log" >&2 || cat "$log" >&2
  rm -f "$log"
  echo "build failed: fix the errors above and run again" >&2
  exit 1
fi
rm -f "$log"
touch "$stamp"
