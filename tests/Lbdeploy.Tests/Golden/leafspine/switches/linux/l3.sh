#!/bin/sh
# lbdeploy plan: routes of switch l3 as a Linux router (target linux). Generated; edit lb.yaml instead.
# Run inside the switch's network namespace. Idempotent: every route is `ip route replace`.
set -e

# Route between ports.
sysctl -qw net.ipv4.ip_forward=1
# Hash ECMP on the 5-tuple of every packet (src/dst address, protocol, src/dst port = fields 0x0037), as bmv2 does.
# Policy 1 is not enough: a forwarded packet that still carries its sender socket's hash is routed by that hash,
# and TCP re-rolls it after a retransmission timeout, moving a live connection to the other mux.
sysctl -qw net.ipv4.fib_multipath_hash_policy=3
sysctl -qw net.ipv4.fib_multipath_hash_fields=0x0037
# Loose reverse-path filtering: with Direct Server Return, replies come from the VIP out of a server's port,
# a source strict rp_filter would drop.
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2
sysctl -qw net.ipv4.conf.l3-eth1.rp_filter=2
sysctl -qw net.ipv4.conf.l3-eth2.rp_filter=2
sysctl -qw net.ipv4.conf.l3-eth3.rp_filter=2
sysctl -qw net.ipv4.conf.l3-eth4.rp_filter=2
sysctl -qw net.ipv4.conf.l3-eth5.rp_filter=2

# remote hosts
ip route replace 10.1.1.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
ip route replace 10.1.2.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
ip route replace 10.1.3.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
ip route replace 10.2.4.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
ip route replace 10.2.5.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
ip route replace 10.2.6.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
# attached hosts
ip route replace 10.3.7.2/32 dev l3-eth1
ip route replace 10.3.8.2/32 dev l3-eth2
ip route replace 10.3.9.2/32 dev l3-eth3
# remote hosts
ip route replace 10.4.10.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
ip route replace 10.4.11.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
ip route replace 10.4.12.0/24 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
# VIP
ip route replace 20.0.0.10/32 nexthop via 20.3.5.2 dev l3-eth4 nexthop via 20.3.6.2 dev l3-eth5
