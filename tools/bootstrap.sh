#!/usr/bin/env bash
# Idempotent set-up for a Debian 12 machine: the apt packages lbdeploy needs at run time and in tests, then the
# .NET restore and a Release build. Quiet when everything is already there.
#   tools/bootstrap.sh [--with-test-tools] [--with-bench-tools] [--dry-run]
# A mininet built from source (mnexec on PATH, a python3 that imports mininet) is left alone: Debian's mininet
# package is installed only when one of the two is missing.
# --with-test-tools: the test suite also renders the trace picture in a headless browser (chromium), loads the
#   zsh completion script in zsh, and runs an sshd inside testbed hosts to stand in for real machines
#   (openssh-server; its service is not needed and the tests start their own sshd).
# --with-bench-tools: tools/bench-scapy.sh runs the scapy baseline (python3-scapy), tools/bench-ab.sh runs ab (apache2-utils).
# --dry-run: print what it would apt-get install, which mininet and dotnet it found, and change nothing.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$LB_ROOT"

APT_PACKAGES=(mininet php-cli tcpdump iputils-ping libpcap0.8 nftables wget curl ethtool iproute2 procps netsniff-ng python3 python3-networkx time frr frr-pythontools libxdp1 xdp-tools clang-14 libbpf-dev libxdp-dev openssh-client)
dry_run=0
for option in "$@"; do
  case $option in
    --with-test-tools) APT_PACKAGES+=(chromium zsh openssh-server) ;;
    --with-bench-tools) APT_PACKAGES+=(python3-scapy apache2-utils) ;;
    --dry-run) dry_run=1 ;;
    *) lb_usage 2 ;;
  esac
done

# The same search as lbdeploy's (cli/Nodes/MininetInstall.cs): mnexec on PATH, then the python3 of PATH or the
# system's importing the package (a folder without __init__.py does not count).
mininet_found=""
if mnexec_path=$(command -v mnexec 2>/dev/null) && [[ -x $mnexec_path ]]; then
  for python in "$(command -v python3 2>/dev/null || true)" /usr/bin/python3 /usr/local/bin/python3; do
    [[ -n $python && -x $python ]] || continue
    if package=$("$python" -c 'import mininet, os; print(os.path.dirname(mininet.__file__))' 2>/dev/null); then
      mininet_found="mnexec $mnexec_path, package $package (imported by $python)"
      break
    fi
  done
fi
wanted=()
for pkg in "${APT_PACKAGES[@]}"; do
  [[ $pkg == mininet && -n $mininet_found ]] || wanted+=("$pkg")
done

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((dry_run)); then
  echo "bootstrap: mininet: ${mininet_found:-not found (no mnexec on PATH, or no python3 imports mininet), the Debian package is needed}"
  echo "bootstrap: would apt-get install: ${missing[*]:-nothing}"
  ((lb_dotnet_found)) && echo "bootstrap: dotnet: $(command -v dotnet)" || echo "bootstrap: $LB_DOTNET_MISSING"
  exit 0
fi
if ((${#missing[@]})); then
  [[ $EUID -eq 0 ]] || lb_die "missing packages: ${missing[*]}; run it as root (a root shell, or sudo $0) to install them"
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

((lb_dotnet_found)) || lb_die "$LB_DOTNET_MISSING"

tools/build.sh
