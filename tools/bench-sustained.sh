#!/usr/bin/env bash
# Sustained load through the VIP: every client for SECONDS at the highest rate the testbed sustains with zero errors.
# On demand (not part of the test suite). Needs a running deployment (`lbdeploy up`). Every request is made from
# inside a client host (mnexec -a PID) by tools/loadgen.py; nothing is sent from the root namespace.
#
#   sudo tools/bench-sustained.sh [-d SECONDS (60)] [-c WORKERS PER CLIENT (0: find it)] [-p PATH (/index.html)]
#
# With -c 0 it first probes 4 s at 1, 2, 4, 8 workers per client (each worker: one GET per new connection, back to
# back) and keeps the highest-throughput level without errors; then the long run. Prints requests/s, errors,
# latency percentiles and the muxes' packets and drops over the run (from their control sockets).
set -euo pipefail
duration=60 conc=0 path=/index.html
while getopts "d:c:p:h" opt; do
  case $opt in
    d) duration=$OPTARG ;; c) conc=$OPTARG ;; p) path=$OPTARG ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
done
(( duration >= 5 && duration <= 120 )) || { echo "bench-sustained: -d must be 5..120 seconds" >&2; exit 2; }
(( conc >= 0 && conc <= 32 )) || { echo "bench-sustained: -c must be 0..32" >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "bench-sustained: needs root (mnexec); run with sudo" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
state=${LBDEPLOY_STATE_DIR:-/run/lbdeploy}
plan=$state/deploy/plan/plan.json nodes=$state/testbed/nodes.json applied=$state/deploy/applied.json
for f in "$plan" "$nodes" "$applied"; do
  [[ -f $f ]] || { echo "bench-sustained: $f missing: start the service with lbdeploy up" >&2; exit 1; }
done
work=$(mktemp -d /tmp/lbdeploy-sustained.XXXXXX)
trap 'rm -rf "$work"' EXIT

eval "$(/usr/bin/python3 - "$plan" "$nodes" <<'PY'
import json, sys
plan, nodes = (json.load(open(p)) for p in sys.argv[1:3])
print("vip=%s port=%d" % (plan["vip"]["address"], int(plan["vip"]["ports"][0].split("/")[0])))
print("clients=(%s)" % " ".join("%s:%d" % (c, nodes[c]["pid"]) for c in plan["clients"]))
PY
)"

muxstats() { # -> JSON {host: stats} of every mux, read from its control socket (root namespace: Unix sockets only)
  /usr/bin/python3 - "$applied" <<'PY'
import json, socket, sys
out = {}
for u in json.load(open(sys.argv[1]))["units"]:
    if u["kind"] != "mux": continue
    s = socket.socket(socket.AF_UNIX); s.settimeout(3); s.connect(u["control_socket"]); s.sendall(b"stats\n"); s.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := s.recv(65536): data += chunk
    out[u["host"]] = json.loads(data)
print(json.dumps(out))
PY
}

run() { # label seconds workers
  local label=$1 secs=$2 workers=$3 pids=()
  for c in "${clients[@]}"; do
    mnexec -a "${c#*:}" /usr/bin/python3 "$root/tools/loadgen.py" --host "$vip" --port "$port" --path "$path" \
      --seconds "$secs" --short "$workers" --out "$work/$label.${c%%:*}.jsonl" >/dev/null &
    pids+=($!)
  done
  wait "${pids[@]}"
}

summary() { # label seconds -> "requests errors req/s p50 p99"
  /usr/bin/python3 - "$work" "$1" "$2" <<'PY'
import glob, json, sys
work, label, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
ok = err = 0; lat = []
for f in glob.glob("%s/%s.*.jsonl" % (work, label)):
    for line in open(f):
        e = json.loads(line)
        if e["ok"]: ok += 1; lat.append((e["t1"] - e["t0"]) * 1000)
        else: err += 1
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * (len(lat) - 1)))] if lat else float("nan")
print("%d %d %.0f %.1f %.1f %.1f" % (ok + err, err, ok / secs, p(0.5), p(0.99), lat[-1] if lat else float("nan")))
PY
}

echo "bench-sustained: ${#clients[@]} clients, GET http://$vip:$port$path, one new connection per request"
if (( conc == 0 )); then
  best=0 best_rate=0
  for level in 1 2 4 8; do
    run "probe$level" 4 "$level"
    read -r n e rate p50 p99 max <<<"$(summary "probe$level" 4)"
    printf "  probe %2d workers/client: %6s req/s, %s errors, p50 %s ms, p99 %s ms\n" "$level" "$rate" "$e" "$p50" "$p99"
    if (( e == 0 )) && (( rate > best_rate * 105 / 100 )); then best=$level best_rate=$rate; fi
  done
  (( best > 0 )) || { echo "bench-sustained: every probe level had errors" >&2; exit 1; }
  conc=$best
fi
echo "bench-sustained: ${duration} s at $conc workers per client ($(( conc * ${#clients[@]} )) concurrent connections)"
before=$(muxstats)
run sustained "$duration" "$conc"
after=$(muxstats)
read -r n e rate p50 p99 max <<<"$(summary sustained "$duration")"
printf "%-10s %10s %8s %10s %8s %8s %8s\n" requests errors "req/s" "p50 ms" "p99 ms" "max ms" workers
printf "%-10s %10s %8s %10s %8s %8s %8s\n" "$n" "$e" "$rate" "$p50" "$p99" "$max" "$conc"
/usr/bin/python3 - "$before" "$after" "$duration" <<'PY'
import json, sys
b, a, secs = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
for host in sorted(a):
    d = lambda k: a[host][k] - b[host][k]
    drops = {k: v - b[host]["drops"][k] for k, v in a[host]["drops"].items() if v - b[host]["drops"][k]}
    print("mux %s: %d packets in (%.0f/s), %d forwarded, drops %s" % (host, d("packets_in"), d("packets_in") / secs, d("forwarded"), drops or "none"))
PY
(( e == 0 )) || { echo "bench-sustained: $e errors" >&2; exit 1; }
