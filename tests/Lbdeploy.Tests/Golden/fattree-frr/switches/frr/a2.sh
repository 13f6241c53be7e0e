#!/bin/sh
# lbdeploy plan: kernel settings of switch a2 under FRR (target frr). Generated; edit lb.yaml instead.
# Run inside the switch's network namespace before FRR starts. No route is installed here: FRR's zebra installs
# every route from BGP (switches/frr/<switch>.conf). Idempotent.
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
sysctl -qw net.ipv4.conf.a2-eth1.rp_filter=2
sysctl -qw net.ipv4.conf.a2-eth2.rp_filter=2
sysctl -qw net.ipv4.conf.a2-eth3.rp_filter=2
sysctl -qw net.ipv4.conf.a2-eth4.rp_filter=2
