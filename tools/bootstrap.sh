#!/usr/bin/env bash
# Idempotent set-up for a Debian 12 machine: the apt packages lbdeploy needs at run time and in tests, then the
# .NET restore and a Release build. Quiet when everything is already there.
#   tools/bootstrap.sh [--with-test-tools] [--with-bench-tools]
# --with-test-tools: the test suite also renders the trace picture in a headless browser (chromium) and loads the
#   zsh completion script in zsh.
# --with-bench-tools: tools/bench-scapy.sh runs the scapy baseline (python3-scapy).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"

APT_PACKAGES=(mininet php-cli tcpdump iputils-ping libpcap0.8 nftables wget curl ethtool iproute2 procps netsniff-ng python3 python3-networkx time frr frr-pythontools)
for option in "$@"; do
  case $option in
    --with-test-tools) APT_PACKAGES+=(chromium zsh) ;;
    --with-bench-tools) APT_PACKAGES+=(python3-scapy) ;;
    *) lb_usage 2 ;;
  esac
done

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  [[ $EUID -eq 0 ]] || lb_die "missing packages: ${missing[*]}; run as root (sudo $0) to install them"
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v dotnet >/dev/null 2>&1 ||
  lb_die "the .NET 10 SDK is not installed; install it (https://dot.net/v1/dotnet-install.sh --channel 10.0) and run again"

tools/build.sh
