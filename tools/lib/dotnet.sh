# Finds the dotnet host where the installers put it and puts its folder on PATH when it is not there already:
# PATH, /usr/share/dotnet (Microsoft's packages), /usr/lib/dotnet (Debian/Ubuntu's), ~/.dotnet (dotnet-install.sh).
# Sourced by tools/lib/common.sh and ./lbdeploy. lb_dotnet_found is 1 when it found one, 0 otherwise.
LB_DOTNET_HOMES=(/usr/share/dotnet /usr/lib/dotnet "${HOME:-/root}/.dotnet")
lb_dotnet_found=0
if command -v dotnet >/dev/null 2>&1; then
  lb_dotnet_found=1
else
  for lb_dotnet_home in "${LB_DOTNET_HOMES[@]}"; do
    if [[ -x $lb_dotnet_home/dotnet ]]; then
      export PATH="$lb_dotnet_home:$PATH" DOTNET_ROOT="${DOTNET_ROOT:-$lb_dotnet_home}"
      lb_dotnet_found=1
      break
    fi
  done
  unset lb_dotnet_home
fi
LB_DOTNET_MISSING="the .NET 10 SDK is not installed (no dotnet on PATH nor in ${LB_DOTNET_HOMES[*]}); install it: wget https://dot.net/v1/dotnet-install.sh && bash dotnet-install.sh --channel 10.0 (into ~/.dotnet), then run again"
