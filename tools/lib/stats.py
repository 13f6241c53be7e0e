#!/usr/bin/python3
"""Numbers for the benchmark scripts (tools/bench-*.sh), which call it instead of carrying inline Python.

  stats.py http-table SECONDS NAME GLOB [NAME GLOB ...]
      one row per NAME: req/s, errors, p50, p99 over the http_load.py outputs (JSON) matching GLOB
  stats.py requests SECONDS GLOB
      over loadgen.py outputs (JSON lines) matching GLOB: "requests errors req/s p50 p99 max" (ms)
  stats.py mux-delta BEFORE_JSON AFTER_JSON SECONDS
      per mux: packets in (and per second), forwarded and drops between two deployment.py mux-stats snapshots
  stats.py rate-row NAME SENT GOT SECONDS BUSY_JIFFIES|- PROCESS_JIFFIES|- [NOTE]
      one bench-engine.sh table row: offered and handled pps, their ratio, CPU ns per handled packet (and NOTE)
  stats.py rate-summary ROWS.md [ROW=BASELINE...]
      per row name (rate-row lines named "NAME (round N)"): rounds, median and range of handled pps and engine CPU
      ns per packet; then for each ROW=BASELINE pair the ratio of their engine CPU per packet, round by round
  stats.py second-chance-note BEFORE.json AFTER.json
      what an engine's second chance did between two stats replies: the mux's share of forwarded packets marked,
      the agent's redirects and sock_diag lookups (count, mean ns)
  stats.py ab-report WORKDIR ROUNDS
      bench-ab.sh's runs (MODE.TARGET.ROUND.txt, .csv, .cpu): per mode and round, req/s, p50/p99 and the engines'
      CPU per request through the VIP and direct; then the medians over the rounds and VIP/direct
  stats.py pps-row SENT DELIVERED SECONDS MUX_JIFFIES AGENT_JIFFIES
      one bench-scapy.sh table row: offered and delivered pps, their ratio, mux and agent CPU us per delivered packet
"""
import glob
import json
import re
import statistics
import sys

JIFFY_NS = 1e7  # USER_HZ = 100


def percentile(sorted_values, fraction):
    """The value at FRACTION (0..1) of an ascending list, nearest rank below; NaN for an empty list."""
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))]


def http_table(seconds, pairs):
    print("%-34s %10s %8s %9s %9s" % ("target", "req/s", "errors", "p50 ms", "p99 ms"))
    for name, pattern in zip(pairs[::2], pairs[1::2]):
        ok = errors = 0
        latencies = []
        for path in glob.glob(pattern):
            with open(path) as f:
                run = json.load(f)
            ok += run["ok"]
            errors += run["errors"]
            latencies += run["latencies_ms"]
        latencies.sort()
        print("%-34s %10.0f %8d %9.1f %9.1f" % (name, ok / seconds, errors, percentile(latencies, 0.5), percentile(latencies, 0.99)))


def requests(seconds, pattern):
    ok = errors = 0
    latencies = []
    for path in glob.glob(pattern):
        with open(path) as f:
            for line in f:
                event = json.loads(line)
                if event["ok"]:
                    ok += 1
                    latencies.append((event["t1"] - event["t0"]) * 1000)
                else:
                    errors += 1
    latencies.sort()
    print("%d %d %.0f %.1f %.1f %.1f" % (ok + errors, errors, ok / seconds, percentile(latencies, 0.5),
                                         percentile(latencies, 0.99), latencies[-1] if latencies else float("nan")))


def mux_delta(before, after, seconds):
    for host in sorted(after):
        a, b = after[host], before[host]
        delta = lambda key: a[key] - b[key]
        drops = {k: v - b["drops"][k] for k, v in a["drops"].items() if v - b["drops"][k]}
        print("mux %s: %d packets in (%.0f/s), %d forwarded, drops %s"
              % (host, delta("packets_in"), delta("packets_in") / seconds, delta("forwarded"), drops or "none"))


def rate_row(name, sent, got, seconds, busy, process, note=None):
    machine = "%7.0f" % (busy * JIFFY_NS / max(got, 1)) if busy is not None else "      -"
    engine = "%7.0f" % (process * JIFFY_NS / max(got, 1)) if process is not None else "      -"
    print("| %s | %8.0fk | %8.0fk | %6.2f%% | %s | %s |%s"
          % (name, sent / seconds / 1e3, got / seconds / 1e3, 100 * got / max(sent, 1), machine, engine,
             "" if note is None else " %s |" % note))


def rate_summary(path, pairs):
    rows = {}
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            match = re.fullmatch(r"(.*) \(round (\d+)\)", cells[0])
            if not match or cells[5] == "-":
                continue
            rows.setdefault(match.group(1), {})[int(match.group(2))] = (float(cells[2].rstrip("k")), float(cells[5]))
    spread = lambda values: "%.0f (%.0f-%.0f)" % (statistics.median(values), min(values), max(values))
    print("| row | rounds | handled kpps, median (range) | engine CPU ns/pkt, median (range) |")
    print("|---|---|---|---|")
    for name, rounds in rows.items():
        print("| %s | %d | %s | %s |" % (name, len(rounds), spread([r[0] for r in rounds.values()]), spread([r[1] for r in rounds.values()])))
    print()
    print("| engine CPU per packet | ratio per round | median |")
    print("|---|---|---|")
    for pair in pairs:
        row, baseline = pair.split("=", 1)
        common = sorted(set(rows.get(row, {})) & set(rows.get(baseline, {})))
        ratios = [rows[row][r][1] / rows[baseline][r][1] for r in common]
        if ratios:
            print("| %s / %s | %s | **%+.1f%%** |" % (row, baseline, ", ".join("%.3f" % x for x in ratios), 100 * (statistics.median(ratios) - 1)))


def second_chance_note(before_path, after_path):
    with open(before_path) as f:
        before = json.load(f)
    with open(after_path) as f:
        after = json.load(f)
    section_before, section = before.get("second_chance") or {}, after.get("second_chance")
    if section is None:
        print("off")
        return
    delta = lambda key: section.get(key, 0) - section_before.get(key, 0)
    if after["role"] == "mux":
        forwarded = after["forwarded"] - before["forwarded"]
        print("marked %.1f%% of %d" % (100 * delta("marked") / max(forwarded, 1), forwarded))
        return
    lookups = delta("sock_diag_lookups")
    mean = "%.0f ns" % (delta("sock_diag_nanoseconds") / lookups) if lookups else "-"
    print("redirected %d, sock_diag lookups %d (mean %s)" % (delta("redirected_out"), lookups, mean))


AB_MODES = (("new", "new connection per request"), ("keepalive", "keep-alive"), ("latency", "new connection per request, -c 1"))


def ab_run(workdir, mode, target, round_number):
    """One ab run: requests per second, completed and failed requests, p50 and p99 (us), engine CPU ns (VIP runs)."""
    stem = "%s/%s.%s.%d" % (workdir, mode, target, round_number)
    text = open(stem + ".txt").read()
    number = lambda label: float(re.search(r"^%s:\s+([0-9.]+)" % label, text, re.M).group(1))
    percent = {}
    for line in open(stem + ".csv").read().splitlines()[1:]:
        at, ms = line.split(",")
        percent[int(at)] = float(ms) * 1000
    mux_ns, agent_ns = (int(v) for v in open(stem + ".cpu").read().split())
    return {"rps": number("Requests per second"), "done": number("Complete requests"),
            "failed": number("Failed requests"), "p50": percent[50], "p99": percent[99],
            "kept": number("Keep-Alive requests") if re.search(r"^Keep-Alive requests:", text, re.M) else None,
            "mux_ns": mux_ns, "agent_ns": agent_ns}


def ab_report(workdir, rounds):
    median = statistics.median
    for mode, title in AB_MODES:
        runs = [(ab_run(workdir, mode, "vip", r), ab_run(workdir, mode, "direct", r)) for r in range(1, rounds + 1)]
        print()
        print("%s:" % title)
        print("| round | VIP req/s | direct req/s | VIP/direct | VIP p50 / p99 us | direct p50 / p99 us | failed | mux CPU us/req | agent CPU us/req |")
        print("|---|---|---|---|---|---|---|---|---|")
        per_request = lambda run, key: run[key] / 1e3 / max(run["done"], 1)
        for number, (vip, direct) in enumerate(runs, 1):
            print("| %d | %.0f | %.0f | %.2f | %.0f / %.0f | %.0f / %.0f | %d + %d | %.1f | %.1f |" % (
                number, vip["rps"], direct["rps"], vip["rps"] / direct["rps"], vip["p50"], vip["p99"],
                direct["p50"], direct["p99"], vip["failed"], direct["failed"],
                per_request(vip, "mux_ns"), per_request(vip, "agent_ns")))
        ratios = [vip["rps"] / direct["rps"] for vip, direct in runs]
        added = [vip["p50"] - direct["p50"] for vip, direct in runs]
        print("| **median** | %.0f | %.0f | **%.2f** | %.0f / %.0f | %.0f / %.0f | | %.1f | %.1f |" % (
            median(v["rps"] for v, _ in runs), median(d["rps"] for _, d in runs), median(ratios),
            median(v["p50"] for v, _ in runs), median(v["p99"] for v, _ in runs),
            median(d["p50"] for _, d in runs), median(d["p99"] for _, d in runs),
            median(per_request(v, "mux_ns") for v, _ in runs), median(per_request(v, "agent_ns") for v, _ in runs)))
        print("VIP/direct per round: %s; p50 added by the VIP path: %s us (median %.0f us)" % (
            ", ".join("%.2f" % r for r in ratios), ", ".join("%.0f" % a for a in added), median(added)))
        kept = [(v["kept"], d["kept"]) for v, d in runs if v["kept"] is not None]
        if kept:
            print("requests on a kept-alive connection (VIP, direct) per round: %s" % ", ".join("%d, %d" % k for k in kept))


def pps_row(sent, delivered, seconds, mux, agent):
    per_packet = lambda jiffies: jiffies * JIFFY_NS / 1e3 / max(delivered, 1)
    print("| %8.0f | %9.0f | %6.1f%% | %7.0f | %7.0f |"
          % (sent / seconds, delivered / seconds, 100 * delivered / max(sent, 1), per_packet(mux), per_packet(agent)))


def main(argv):
    command, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if command == "http-table" and len(args) >= 3 and len(args) % 2 == 1:
        http_table(float(args[0]), args[1:])
    elif command == "requests" and len(args) == 2:
        requests(float(args[0]), args[1])
    elif command == "mux-delta" and len(args) == 3:
        mux_delta(json.loads(args[0]), json.loads(args[1]), float(args[2]))
    elif command == "rate-row" and len(args) in (6, 7):
        rate_row(args[0], int(args[1]), int(args[2]), float(args[3]), None if args[4] == "-" else int(args[4]),
                 None if args[5] == "-" else int(args[5]),
                 args[6] if len(args) == 7 else None)
    elif command == "rate-summary" and len(args) >= 1:
        rate_summary(args[0], args[1:])
    elif command == "second-chance-note" and len(args) == 2:
        second_chance_note(*args)
    elif command == "ab-report" and len(args) == 2:
        ab_report(args[0], int(args[1]))
    elif command == "pps-row" and len(args) == 5:
        pps_row(int(args[0]), int(args[1]), float(args[2]), int(args[3]), int(args[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
