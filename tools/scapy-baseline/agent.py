#!/usr/bin/python3
"""The seed's host agent, rebuilt for a baseline: scapy sniffs the IP-in-IP packets addressed to this DIP, strips the
outer header and hands the inner packet to the local stack (a raw IP socket: the kernel keeps the client's source
address, so the server answers the client directly). Runs inside the DIP host (mnexec -a PID).

  agent.py --iface h13-eth0 --address 10.19.13.2

On SIGTERM it prints `agent: N packets delivered` and exits.
"""
import argparse
import signal
import socket
import sys

from scapy.all import IP, sniff

IPPROTO_IPIP = 4


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iface", required=True)
    parser.add_argument("--address", required=True, help="this DIP's address: the outer destination")
    args = parser.parse_args()
    # While a raw IP-in-IP socket is open the kernel does not answer each tunnelled packet with ICMP "protocol
    # unreachable" (it has no ipip module); the packets themselves are taken from the sniffer.
    hold = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_IPIP)
    hold.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # A raw IP socket (IPPROTO_RAW: header included), not scapy's default layer-3 socket, which would route the
    # packet back out of the interface instead of into this host.
    deliver = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    delivered = [0]

    def decapsulate(packet):
        inner = packet[IP].payload
        if isinstance(inner, IP):
            deliver.sendto(bytes(inner), (inner.dst, 0))
            delivered[0] += 1

    def stop(*_):
        print("agent: %d packets delivered" % delivered[0], flush=True)
        hold.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("agent: ready on %s for %s" % (args.iface, args.address), flush=True)
    sniff(iface=args.iface, filter="ip proto %d and dst host %s" % (IPPROTO_IPIP, args.address), prn=decapsulate, store=False)


if __name__ == "__main__":
    main()
