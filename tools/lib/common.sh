# Shared by the tools/*.sh scripts: source it right after `set -euo pipefail`:
#   source "$(dirname "$0")/lib/common.sh"
# It sets LB_ROOT (the checkout), LB_TOOL (the script's name) and LB_LIB (this folder), puts dotnet on PATH when it
# is installed off PATH (dotnet.sh), and gives:
#   lb_usage [CODE]                 the script's header comment (its usage), on stderr when CODE != 0, then exit CODE
#   lb_die MESSAGE [CODE]           "TOOL: MESSAGE" on stderr, exit CODE (1)
#   lb_need_root WHY                exit 1 unless root
#   lb_need_command CMD PACKAGE     exit 1 unless CMD is on the PATH, naming the Debian package
#   lb_check_range NAME VALUE MIN MAX   exit 2 unless VALUE is a whole number in MIN..MAX
#   lb_on_exit COMMAND...           run COMMAND at exit (every registered one, last first), whatever the exit status
#   lb_workdir PREFIX               a fresh temp folder, removed at exit (printed, and stored in LB_WORK)
#   lb_stop_pid PID                 SIGTERM to that exact pid and wait for it (if it is our child)
#   lb_netns_fresh NAME...          delete (if present) and create these namespaces (lo up); deleted again at exit
#   lb_deployment_require STATE     exit 1 unless `lbdeploy up` left its plan, node table and applied state there
#   lb_python FILE ARGS...          /usr/bin/python3 on a script of tools/lib
#   lb_start_direct_server SERVER_PID HOST_PID VIP:PORT ADDRESS:PORT LOG
#                                   the server SERVER_PID runs, started again in host HOST_PID listening on ADDRESS:PORT
#                                   instead of VIP:PORT (stopped at exit)
#   lb_http_load LABEL HOST PORT PATH SECONDS CONCURRENCY
#                                   every client (array clients of "host:pid") runs tools/lib/http_load.py inside its
#                                   own host against HOST:PORT; results in $LB_WORK/LABEL.<client>.json
# Scripts keep their own option parsing (each has its own flags), through these helpers.

LB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LB_ROOT=$(cd "$LB_LIB/../.." && pwd)
LB_TOOL=$(basename "$0" .sh)
LB_PYTHON=/usr/bin/python3
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
source "$LB_LIB/dotnet.sh"

lb_usage() {
  local code=${1:-0}
  # The comment block under the shebang, without its leading "# ".
  if ((code)); then exec >&2; fi
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
  exit "$code"
}

lb_die() {
  echo "$LB_TOOL: $1" >&2
  exit "${2:-1}"
}

lb_need_root() {
  [[ $EUID -eq 0 ]] || lb_die "needs root ($1); run it from a root shell or with sudo"
}

lb_need_command() {
  command -v "$1" >/dev/null || lb_die "$1 not found: apt-get install $2"
}

lb_check_range() {
  local name=$1 value=$2 min=$3 max=$4
  [[ $value =~ ^[0-9]+$ ]] && ((value >= min && value <= max)) || lb_die "$name must be $min..$max (got '$value')" 2
}

LB_EXIT_COMMANDS=()
lb_on_exit() {
  LB_EXIT_COMMANDS+=("$(printf '%q ' "$@")")
}
lb_run_exit_commands() {
  local i
  for ((i = ${#LB_EXIT_COMMANDS[@]} - 1; i >= 0; i--)); do eval "${LB_EXIT_COMMANDS[i]}" || true; done
}
trap lb_run_exit_commands EXIT

lb_workdir() {
  LB_WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  lb_on_exit rm -rf "$LB_WORK"
}

lb_stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  wait "$pid" 2>/dev/null || true
}

lb_netns_fresh() {
  local ns
  for ns in "$@"; do
    ip netns del "$ns" 2>/dev/null || true
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    lb_on_exit lb_netns_delete "$ns"
  done
}
lb_netns_delete() {
  ip netns del "$1" 2>/dev/null || true
}

lb_deployment_require() {
  local state=$1 f
  LB_PLAN=$state/deploy/plan/plan.json LB_NODES=$state/testbed/nodes.json LB_APPLIED=$state/deploy/applied.json
  for f in "$LB_PLAN" "$LB_NODES" "$LB_APPLIED"; do
    [[ -f $f ]] || lb_die "$f missing: start the service with lbdeploy up"
  done
}

# lb_deployment_client NAME: after `eval "$(lb_python deployment.py shell-vars ...)"`, sets client_entry (NAME:PID)
# and client_pid for the client NAME, or the deployment's first client when NAME is empty (exit 2 for another name).
lb_deployment_client() {
  local name=$1 c
  client_entry=${clients[0]}
  if [[ -n $name ]]; then
    client_entry=""
    for c in "${clients[@]}"; do [[ ${c%%:*} == "$name" ]] && client_entry=$c; done
    [[ -n $client_entry ]] || lb_die "-C $name is not a client of the deployment (clients: ${clients[*]%%:*})" 2
  fi
  client_pid=${client_entry#*:}
}

# lb_load_line: the load average and CPU count at the start of a benchmark, for its header.
lb_load_line() {
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
}

# lb_round_order ROUND: "vip direct" in odd rounds, "direct vip" in even ones (neither target always goes first).
lb_round_order() {
  (($1 % 2)) && echo "vip direct" || echo "direct vip"
}

lb_python() {
  local script=$1
  shift
  "$LB_PYTHON" "$LB_LIB/$script" "$@"
}

lb_start_direct_server() {
  local server_pid=$1 host_pid=$2 listen=$3 direct=$4 log=$5 argv=() server_argv=() a
  mapfile -d '' server_argv <"/proc/$server_pid/cmdline"
  for a in "${server_argv[@]}"; do [[ $a == "$listen" ]] && argv+=("$direct") || argv+=("$a"); done
  setsid mnexec -a "$host_pid" "${argv[@]}" >"$log" 2>&1 </dev/null &
  lb_on_exit lb_stop_pid "$!"
  sleep 0.5
}

lb_http_load() {
  local label=$1 host=$2 port=$3 path=$4 seconds=$5 concurrency=$6 c pids=()
  for c in "${clients[@]}"; do
    mnexec -a "${c#*:}" "$LB_PYTHON" "$LB_LIB/http_load.py" "$host" "$port" "$path" "$seconds" "$concurrency" >"$LB_WORK/$label.${c%%:*}.json" &
    pids+=($!)
  done
  wait "${pids[@]}"   # only the load: other children (servers) keep running
}
