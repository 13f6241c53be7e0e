#!/usr/bin/env bash
# Idempotent set-up for a Debian 12 machine: the apt packages lbdeploy needs at run time and in tests, then the
# .NET restore and a Release build. Quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(mininet php-cli tcpdump iputils-ping libpcap0.8 nftables wget curl ethtool iproute2 procps netsniff-ng python3 python3-networkx time)
# The test suite also renders the trace picture in a headless browser: `bootstrap.sh --with-test-tools`.
if [[ ${1:-} == --with-test-tools ]]; then
  APT_PACKAGES+=(chromium)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    echo "bootstrap: missing packages: ${missing[*]}; run as root (sudo $0) to install them" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "bootstrap: the .NET 10 SDK is not installed; install it (https://dot.net/v1/dotnet-install.sh --channel 10.0) and run again" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
tools/build.sh
