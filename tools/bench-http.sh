#!/usr/bin/env bash
# HTTP load through the VIP next to the same load straight to one server, in the same run.
# Needs a running deployment (`lbdeploy up`): reads the applied plan (/run/lbdeploy/deploy/plan/plan.json) and the
# testbed's node pids (/run/lbdeploy/testbed/nodes.json). Every request is made from inside a client host
# (mnexec -a PID): nothing is sent from the root namespace. Each request is a new TCP connection (a new flow).
#
#   sudo tools/bench-http.sh [-d SECONDS (5)] [-c CONNECTIONS PER CLIENT (2)] [-p PATH (/index.html)]
#
# The direct run starts a second `php -S` on DIP:8080 in the first DIP (same docroot) and stops it afterwards.
set -euo pipefail
duration=5 concurrency=2 path=/index.html
while getopts "d:c:p:h" opt; do
  case $opt in
    d) duration=$OPTARG ;; c) concurrency=$OPTARG ;; p) path=$OPTARG ;;
    *) sed -n '2,9p' "$0"; exit 2 ;;
  esac
done
(( duration >= 1 && duration <= 60 )) || { echo "bench-http: -d must be 1..60 seconds" >&2; exit 2; }
(( concurrency >= 1 && concurrency <= 16 )) || { echo "bench-http: -c must be 1..16" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "bench-http: needs root (mnexec); run with sudo" >&2; exit 1; }
state=${LBDEPLOY_STATE_DIR:-/run/lbdeploy}
plan=$state/deploy/plan/plan.json nodes=$state/testbed/nodes.json applied=$state/deploy/applied.json
for f in "$plan" "$nodes" "$applied"; do
  [[ -f $f ]] || { echo "bench-http: $f missing: start the service with lbdeploy up" >&2; exit 1; }
done

work=$(mktemp -d /tmp/lbdeploy-bench.XXXXXX)
direct_pid=
cleanup() {
  [[ -n $direct_pid ]] && kill "$direct_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The load generator, run inside each client: CONC threads, new connection per GET, for DURATION seconds.
cat >"$work/load.py" <<'PY'
import http.client, json, sys, threading, time
host, port, path, duration, conc = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
lat, errors, lock = [], [0], threading.Lock()
def worker():
    end = time.time() + duration
    while time.time() < end:
        t = time.perf_counter()
        try:
            c = http.client.HTTPConnection(host, port, timeout=5)
            c.request("GET", path)
            r = c.getresponse(); r.read(); c.close()
            ok = r.status == 200
        except Exception:
            ok = False
        with lock:
            if ok: lat.append((time.perf_counter() - t) * 1000)
            else: errors[0] += 1
threads = [threading.Thread(target=worker) for _ in range(conc)]
for th in threads: th.start()
for th in threads: th.join()
print(json.dumps({"ok": len(lat), "errors": errors[0], "latencies_ms": lat}))
PY

# Everything the run needs, from the plan and the node table: vip, clients, first DIP, pids.
eval "$(/usr/bin/python3 - "$plan" "$nodes" "$applied" <<'PY'
import json, shlex, sys
plan, nodes, applied = (json.load(open(p)) for p in sys.argv[1:4])
pid = lambda n: nodes[n]["pid"]
dip = plan["dips"][0]
server = next(u for u in applied["units"] if u["kind"] == "server" and u["host"] == dip["host"])
port = int(plan["vip"]["ports"][0].split("/")[0])
print("vip=%s port=%d dip=%s dip_addr=%s dip_pid=%d server_pid=%d" % (plan["vip"]["address"], port, dip["host"], dip["address"], pid(dip["host"]), server["pid"]))
print("clients=(%s)" % " ".join("%s:%d" % (c, pid(c)) for c in plan["clients"]))
PY
)"

# The direct server: the DIP's own server command line, listening on DIP:8080 instead of VIP:port.
mapfile -d '' server_argv < "/proc/$server_pid/cmdline"
direct_argv=()
for a in "${server_argv[@]}"; do [[ $a == "$vip:$port" ]] && direct_argv+=("$dip_addr:8080") || direct_argv+=("$a"); done
setsid mnexec -a "$dip_pid" "${direct_argv[@]}" >"$work/direct.log" 2>&1 </dev/null &
direct_pid=$!
sleep 0.5

run() { # label host port
  local label=$1 target=$2 tport=$3 pids=()
  for c in "${clients[@]}"; do
    mnexec -a "${c#*:}" /usr/bin/python3 "$work/load.py" "$target" "$tport" "$path" "$duration" "$concurrency" >"$work/$label.${c%%:*}.json" &
    pids+=($!)
  done
  wait "${pids[@]}"   # not the direct server, which is a child too
}
echo "bench-http: ${#clients[@]} clients x $concurrency connections, ${duration} s each, GET $path"
run vip "$vip" "$port"
run direct "$dip_addr" 8080

/usr/bin/python3 - "$work" "$duration" "$vip:$port" "$dip ($dip_addr:8080)" <<'PY'
import glob, json, sys
work, duration = sys.argv[1], float(sys.argv[2])
def pct(xs, p):
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")
print("%-34s %10s %8s %9s %9s" % ("target", "req/s", "errors", "p50 ms", "p99 ms"))
for label, name in (("vip", "through the VIP " + sys.argv[3]), ("direct", "straight to " + sys.argv[4])):
    ok = err = 0; lat = []
    for f in glob.glob("%s/%s.*.json" % (work, label)):
        d = json.load(open(f)); ok += d["ok"]; err += d["errors"]; lat += d["latencies_ms"]
    lat.sort()
    print("%-34s %10.0f %8d %9.1f %9.1f" % (name, ok / duration, err, pct(lat, 50), pct(lat, 99)))
PY
