#!/usr/bin/env python3
# The lbdeploy testbed launcher (templates/testbed/launcher.py, copied into the state directory by `testbed up`).
# Builds a headless mininet network whose switches are Linux routers (plain namespaced nodes with ip_forward), wired
# with p4-utils' exact interface names, port numbers and MACs, from STATE_DIR/testbed.json (written by lbdeploy's
# serializer: no value of the topology is ever spliced into this code). No controller, no Open vSwitch, no routes:
# `lbdeploy apply` installs those. Runs until SIGTERM, then removes everything it made.
# Usage: PYTHON launcher.py STATE_DIR (PYTHON: the python3 that imports mininet, cli/Nodes/MininetInstall.cs)
import json
import os
import shlex
import signal
import sys
import time
import traceback

from mininet.log import setLogLevel
from mininet.link import Link, TCLink
from mininet.net import Mininet
from mininet.node import Host

STATE_DIR = sys.argv[1]

with open(os.path.join(STATE_DIR, "testbed.json")) as model_file:
    MODEL = json.load(model_file)

# Links behave like wires: a userspace mux forwarding a packet whose checksum the veth left unfinished makes the
# server drop it (seen on this fabric), so every offload is off.
ETHTOOL = "ethtool -K {intf} rx off tx off sg off tso off gso off gro off >/dev/null 2>&1"

# Loose reverse-path filtering everywhere: strict rp_filter drops the DSR replies (source = VIP on a server port).
COMMON_SYSCTLS = [
    "net.ipv6.conf.all.disable_ipv6=1",
    "net.ipv6.conf.default.disable_ipv6=1",
    "net.ipv4.conf.all.rp_filter=2",
    "net.ipv4.conf.default.rp_filter=2",
]

# The multipath hash (policy, fields, seed) is the plan's: each switch's script sets it before its routes.
SWITCH_SYSCTLS = [
    "net.ipv4.ip_forward=1",
    "net.ipv4.conf.all.send_redirects=0",
    "net.ipv4.conf.default.send_redirects=0",
]

# Every value that goes into a node's shell line is quoted.
q = shlex.quote


def write_state(name, content):
    path = os.path.join(STATE_DIR, name)
    with open(path + ".tmp", "w") as f:
        f.write(content)
    os.replace(path + ".tmp", path)


def run(node, script):
    """Runs a script in the node's shell and fails loudly when it does."""
    out = node.cmd(script + "; echo __rc=$?")
    lines = out.strip().splitlines()
    rc = lines[-1] if lines else ""
    if rc != "__rc=0":
        raise RuntimeError("%s: '%s' failed: %s" % (node.name, script[:200], out.strip()[-400:]))


def interface_script(intf, address, extra=()):
    cmds = ["ip addr flush dev %s" % q(intf)]
    if address:
        cmds.append("ip addr add %s dev %s" % (q(address), q(intf)))
    cmds.append("ip link set %s up" % q(intf))
    cmds.append("sysctl -qw %s" % q("net.ipv4.conf.%s.rp_filter=2" % intf))
    cmds.append(ETHTOOL.format(intf=q(intf)))
    cmds.extend(extra)
    return cmds


def configure(net):
    for host in MODEL["hosts"]:
        node = net.get(host["name"])
        cmds = ["sysctl -qw %s" % q(s) for s in COMMON_SYSCTLS + ["net.ipv4.ip_forward=0"]]
        cmds.append("ip link set lo up")
        cmds += interface_script(host["interface"], host["address"])
        cmds.append("ip route replace default via %s dev %s" % (q(host["gateway"]), q(host["interface"])))
        run(node, " && ".join(cmds))
    for switch in MODEL["switches"]:
        node = net.get(switch["name"])
        cmds = ["sysctl -qw %s" % q(s) for s in COMMON_SYSCTLS + SWITCH_SYSCTLS]
        cmds.append("ip link set lo up")
        for intf in switch["interfaces"]:
            redirects = "sysctl -qw %s" % q("net.ipv4.conf.%s.send_redirects=0" % intf["name"])
            cmds += interface_script(intf["name"], intf.get("address"), [redirects])
        run(node, " && ".join(cmds))


def main():
    setLogLevel("info")
    write_state("launcher.pid", str(os.getpid()))
    net = Mininet(topo=None, controller=None, switch=None, build=False, autoSetMacs=False)
    stopping = {"requested": False}

    def request_stop(signum, frame):
        stopping["requested"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # The app config's link options (bw, delay, loss, queue) become tc shaping only on request (`testbed up --shape`):
    # the course's bw 1 (Mbit/s) would cap every measurement of the load balancer at the link, not at the engines.
    shape_links = MODEL["shape_links"]
    try:
        started = time.time()
        for host in MODEL["hosts"]:
            net.addHost(host["name"], cls=Host, ip=None)
        for switch in MODEL["switches"]:
            # A Linux router: a namespaced node like a host, forwarding by its kernel routing table.
            net.addHost(switch["name"], cls=Host, ip=None)
        for link in MODEL["links"]:
            shaping = link["shaping"] if shape_links else {}
            net.addLink(net.get(link["node1"]), net.get(link["node2"]), port1=link["port1"], port2=link["port2"],
                        intfName1=link["interface1"], intfName2=link["interface2"], addr1=link["mac1"], addr2=link["mac2"],
                        cls=TCLink if shaping else Link, **shaping)
        configure(net)
        nodes = {}
        for host in MODEL["hosts"]:
            nodes[host["name"]] = {"kind": "host", "pid": net.get(host["name"]).pid}
        for switch in MODEL["switches"]:
            nodes[switch["name"]] = {"kind": "switch", "pid": net.get(switch["name"]).pid}
        write_state("nodes.json", json.dumps(nodes, indent=1))
        print("*** testbed ready: %d hosts, %d switches, %d links in %.1f s"
              % (len(MODEL["hosts"]), len(MODEL["switches"]), len(MODEL["links"]), time.time() - started), flush=True)
        write_state("ready", "")
        while not stopping["requested"]:
            time.sleep(0.2)
        print("*** stopping", flush=True)
    except Exception:
        traceback.print_exc()
        write_state("error", traceback.format_exc())
        stop(net)
        sys.exit(1)
    stop(net)


def stop(net):
    for path in ("ready", "nodes.json"):
        try:
            os.remove(os.path.join(STATE_DIR, path))
        except FileNotFoundError:
            pass
    try:
        net.stop()
    except Exception:
        traceback.print_exc()
    print("*** testbed stopped", flush=True)


if __name__ == "__main__":
    main()
