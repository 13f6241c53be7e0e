#!/usr/bin/env python3
"""Which next hop the kernel picks for each flow: KernelMultipathInNamespaceTests' half that touches the kernel.

usage: kernel_multipath_probe.py PREFIX BRANCHES SEED FIELDS FLOWS.json
Builds three namespaces PREFIX-s (sender), PREFIX-r (router with one multipath route over BRANCHES equal next hops,
policy 3, the given fields and seed) and PREFIX-k (where the next hops are), sends one packet per flow from PREFIX-s
(plain, or IP-in-IP when the flow has "inner"), captures in PREFIX-k which link each arrived on and prints
{flow index: branch} as JSON. Removes the namespaces it made. Never touches the root namespace's addresses or routes.
A flow: {"outer": [src, dst, proto, sport, dport]} or {"outer": [src, dst], "inner": [src, dst, proto, sport, dport]};
destinations are in 10.99.0.0/16.
"""
import json, select, socket, struct, subprocess, sys, time

prefix, branches, seed, fields, flows_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
S, R, K = prefix + "-s", prefix + "-r", prefix + "-k"


def sh(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def setup():
    for ns in (S, R, K):
        sh("ip", "netns", "add", ns)
    sh("ip", "-n", S, "link", "add", "s0", "type", "veth", "peer", "name", "r0", "netns", R)
    sh("ip", "-n", S, "addr", "add", "10.77.0.2/24", "dev", "s0")
    sh("ip", "-n", S, "link", "set", "s0", "up")
    sh("ip", "-n", S, "route", "add", "default", "via", "10.77.0.1")
    sh("ip", "-n", R, "addr", "add", "10.77.0.1/24", "dev", "r0")
    sh("ip", "-n", R, "link", "set", "r0", "up")
    nexthops = []
    for i in range(1, branches + 1):
        sh("ip", "-n", R, "link", "add", "r%d" % i, "type", "veth", "peer", "name", "k%d" % i, "netns", K)
        sh("ip", "-n", R, "addr", "add", "10.78.%d.1/24" % i, "dev", "r%d" % i)
        sh("ip", "-n", R, "link", "set", "r%d" % i, "up")
        sh("ip", "-n", K, "addr", "add", "10.78.%d.2/24" % i, "dev", "k%d" % i)
        sh("ip", "-n", K, "link", "set", "k%d" % i, "up")
        nexthops += ["nexthop", "via", "10.78.%d.2" % i, "dev", "r%d" % i]
    sh("ip", "netns", "exec", R, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
       "net.ipv4.conf.r0.rp_filter=0", "net.ipv4.fib_multipath_hash_policy=3",
       "net.ipv4.fib_multipath_hash_fields=" + fields, "net.ipv4.fib_multipath_hash_seed=%d" % seed)
    sh("ip", "-n", R, "route", "add", "10.99.0.0/16", *nexthops)
    for i in range(1, branches + 1):  # resolve every next hop's MAC before the flows
        sh("ip", "netns", "exec", R, "ping", "-c1", "-W2", "10.78.%d.2" % i)


def teardown():
    for ns in (S, R, K):
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


SINK = r'''
import json, select, socket, struct, sys, time
branches, seconds = int(sys.argv[1]), float(sys.argv[2])
socks = {}
for i in range(1, branches + 1):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800)); s.bind(("k%d" % i, 0)); socks[s] = i - 1
print("listening", flush=True)
seen, end = {}, time.time() + seconds
while time.time() < end:
    ready, _, _ = select.select(list(socks), [], [], 0.2)
    for s in ready:
        data, _ = s.recvfrom(4096)
        if data[-8:-4] == b"LBKM":
            seen[struct.unpack(">I", data[-4:])[0]] = socks[s]
print(json.dumps(seen))
'''

SEND = r'''
import json, socket, struct, sys, time
def ip(src, dst, proto, payload):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst)) + payload
def l4(proto, sport, dport, tag):
    if proto == 6: return struct.pack(">HHIIBBHHH", sport, dport, 0, 0, 0x50, 0x02, 1024, 0, 0) + tag
    if proto == 17: return struct.pack(">HHHH", sport, dport, 8 + len(tag), 0) + tag
    return struct.pack(">BBHHH", 8, 0, 0, sport, 1) + tag
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i, f in enumerate(json.load(open(sys.argv[1]))):
    tag = b"LBKM" + struct.pack(">I", i)
    if "inner" in f:
        src, dst, proto, sp, dp = f["inner"]
        packet = ip(f["outer"][0], f["outer"][1], 4, ip(src, dst, proto, l4(proto, sp, dp, tag)))
    else:
        src, dst, proto, sp, dp = f["outer"]
        packet = ip(src, dst, proto, l4(proto, sp, dp, tag))
    s.sendto(packet, (f["outer"][1], 0))
    time.sleep(0.0005)
'''

try:
    setup()
    count = len(json.load(open(flows_file)))
    sink = subprocess.Popen(["ip", "netns", "exec", K, sys.executable, "-c", SINK, str(branches), str(3 + count * 0.002)],
                            stdout=subprocess.PIPE, text=True)
    sink.stdout.readline()  # "listening"
    sh("ip", "netns", "exec", S, sys.executable, "-c", SEND, flows_file)
    print(sink.communicate()[0].strip())
finally:
    teardown()
