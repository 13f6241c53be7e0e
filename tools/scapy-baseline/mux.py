#!/usr/bin/python3
"""The seed's mux, rebuilt for a baseline: scapy sniffs the packets to the VIP on the mux's interface, picks a DIP by a
hash of the 5-tuple, wraps the packet in an outer IPv4 header (IP-in-IP, protocol 4) to that DIP and sends it to the
gateway. One packet at a time, in Python: what lbengine replaces. Runs inside the mux host (mnexec -a PID).

  mux.py --iface h1-eth0 --address 10.13.1.2 --gateway 10.13.1.1 --vip 20.0.0.1 --dips 10.19.13.2,10.19.14.2

On SIGTERM it prints `mux: N packets forwarded` and exits.
"""
import argparse
import signal
import sys
import zlib

from scapy.all import IP, TCP, UDP, ICMP, Ether, conf, get_if_hwaddr, getmacbyip, sniff


def flow_hash(packet):
    """CRC32 of the 5-tuple (ICMP: the echo identifier in place of the ports), the same on every mux."""
    ip = packet[IP]
    if TCP in packet or UDP in packet:
        l4 = packet[TCP] if TCP in packet else packet[UDP]
        ports = (l4.sport, l4.dport)
    elif ICMP in packet:
        ports = (packet[ICMP].id, 0)
    else:
        ports = (0, 0)
    key = "%s|%s|%d|%d|%d" % (ip.src, ip.dst, ip.proto, ports[0], ports[1])
    return zlib.crc32(key.encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iface", required=True)
    parser.add_argument("--address", required=True, help="the mux's own address: the outer source")
    parser.add_argument("--gateway", required=True, help="the next hop's address (its MAC is asked with ARP)")
    parser.add_argument("--vip", required=True)
    parser.add_argument("--dips", required=True, help="comma-separated DIP addresses")
    args = parser.parse_args()
    dips = args.dips.split(",")
    own_mac = get_if_hwaddr(args.iface)
    gateway_mac = getmacbyip(args.gateway)
    if gateway_mac is None:
        sys.exit("mux: gateway %s did not answer ARP on %s; check --gateway" % (args.gateway, args.iface))
    out = conf.L2socket(iface=args.iface)
    forwarded = [0]

    def forward(packet):
        dip = dips[flow_hash(packet) % len(dips)]
        out.send(Ether(src=own_mac, dst=gateway_mac) / IP(src=args.address, dst=dip, proto=4, ttl=64) / packet[IP])
        forwarded[0] += 1

    def stop(*_):
        print("mux: %d packets forwarded" % forwarded[0], flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("mux: ready on %s, %s -> %s" % (args.iface, args.vip, ", ".join(dips)), flush=True)
    sniff(iface=args.iface, filter="ip dst host %s" % args.vip, prn=forward, store=False)


if __name__ == "__main__":
    main()
