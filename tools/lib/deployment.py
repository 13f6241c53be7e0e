#!/usr/bin/python3
"""What the benchmark scripts need to know about a running deployment (`lbdeploy up`), read from its state files.

  deployment.py shell-vars PLAN NODES APPLIED
      bash assignments to eval: vip port dip dip_addr dip_pid server_pid, and arrays clients muxes dips of
      "host:pid" ("host:pid:address" for dips)
  deployment.py engine-vars PLAN_DIR APPLIED NODES
      bash arrays to eval, from the engine configs and the applied units: engine_pids (every mux and agent), watcher_pid,
      mux_specs of "host:pid:interface:address:gateway:dip,dip,..." and agent_specs of "host:pid:interface:address"
  deployment.py mux-stats APPLIED
      {host: stats} of every mux, asked on its control socket (a Unix socket: nothing crosses the fabric)
  deployment.py engine-stat SOCKET KEY
      one field of an engine's stats reply (KEY may name a nested one: second_chance.marked)
  deployment.py engine-json SOCKET [COMMAND]
      an engine's whole reply to COMMAND (stats), as JSON
"""
import json
import shlex
import socket
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def ask(control_socket, command="stats"):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(3)
    s.connect(control_socket)
    s.sendall(command.encode() + b"\n")
    s.shutdown(socket.SHUT_WR)
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return json.loads(data)


def shell_vars(plan_path, nodes_path, applied_path):
    plan, nodes, applied = load(plan_path), load(nodes_path), load(applied_path)
    pid = lambda host: nodes[host]["pid"]
    dip = plan["dips"][0]
    server = next(u for u in applied["units"] if u["kind"] == "server" and u["host"] == dip["host"])
    values = {
        "vip": plan["vip"]["address"],
        "port": int(plan["vip"]["ports"][0].split("/")[0]),
        "dip": dip["host"],
        "dip_addr": dip["address"],
        "dip_pid": pid(dip["host"]),
        "server_pid": server["pid"],
    }
    for name, value in values.items():
        print("%s=%s" % (name, shlex.quote(str(value))))
    arrays = {
        "clients": ["%s:%d" % (c, pid(c)) for c in plan["clients"]],
        "muxes": ["%s:%d" % (m["host"], pid(m["host"])) for m in plan["muxes"]],
        "dips": ["%s:%d:%s" % (d["host"], pid(d["host"]), d["address"]) for d in plan["dips"]],
        "mux_pids": [str(u["pid"]) for u in applied["units"] if u["kind"] == "mux"],
        "agent_pids": [str(u["pid"]) for u in applied["units"] if u["kind"] == "agent"],
    }
    for name, items in arrays.items():
        print("%s=(%s)" % (name, " ".join(shlex.quote(i) for i in items)))


def engine_vars(plan_dir, applied_path, nodes_path):
    applied, nodes = load(applied_path), load(nodes_path)
    units = [u for u in applied["units"] if u["kind"] in ("mux", "agent")]
    mux_specs, agent_specs = [], []
    for unit in units:
        config = load("%s/engines/%s-%s.json" % (plan_dir, unit["host"], unit["kind"]))
        fields = [unit["host"], str(nodes[unit["host"]]["pid"]), config["interface"], config["address"]]
        if unit["kind"] == "mux":
            mux_specs.append(":".join(fields + [config["gateway"]["address"], ",".join(d["address"] for d in config["dips"])]))
        else:
            agent_specs.append(":".join(fields))
    print("engine_pids=(%s)" % " ".join(str(u["pid"]) for u in units))
    print("watcher_pid=%s" % ((applied.get("watcher") or {}).get("pid") or ""))
    print("mux_specs=(%s)" % " ".join(shlex.quote(m) for m in mux_specs))
    print("agent_specs=(%s)" % " ".join(shlex.quote(a) for a in agent_specs))


def mux_stats(applied_path):
    print(json.dumps({u["host"]: ask(u["control_socket"]) for u in load(applied_path)["units"] if u["kind"] == "mux"}))


def main(argv):
    command, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if command == "shell-vars" and len(args) == 3:
        shell_vars(*args)
    elif command == "engine-vars" and len(args) == 3:
        engine_vars(*args)
    elif command == "mux-stats" and len(args) == 1:
        mux_stats(args[0])
    elif command == "engine-stat" and len(args) == 2:
        value = ask(args[0])
        for key in args[1].split("."):
            value = value[key]
        print(value)
    elif command == "engine-json" and len(args) in (1, 2):
        print(json.dumps(ask(*args)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
