#!/bin/sh
# lbdeploy plan: routes of switch c4 as a Linux router (target linux). Generated; edit lb.yaml instead.
# Run inside the switch's network namespace. Idempotent: every route is `ip route replace`.
# -f: no pathname expansion when the $ecmpN sets below are split into words.
set -ef

# Route between ports.
sysctl -qw net.ipv4.ip_forward=1
# Hash ECMP on the 5-tuple of every packet (src/dst address, protocol, src/dst port) and, for IP-in-IP, on the
# inner 5-tuple too (fields 0x0040-0x0800), so the flows one mux tunnels to one DIP spread over the fabric.
# Policy 1 is not enough: a forwarded packet that still carries its sender socket's hash is routed by that hash,
# and TCP re-rolls it after a retransmission timeout, moving a live connection to the other mux.
sysctl -qw net.ipv4.fib_multipath_hash_policy=3
sysctl -qw net.ipv4.fib_multipath_hash_fields=0x0df7
# A pinned seed, this switch's own (derived from switches.hash_seed): `lbdeploy trace` computes the branch the kernel
# takes, and successive hops do not repeat one another's choice. 0 would mean random; kernels before 6.11 have no
# such setting and keep a random seed.
if [ -e /proc/sys/net/ipv4/fib_multipath_hash_seed ]; then
  sysctl -qw net.ipv4.fib_multipath_hash_seed=1523589074
fi
# Loose reverse-path filtering: with Direct Server Return, replies come from the VIP out of a server's port,
# a source strict rp_filter would drop.
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2
sysctl -qw net.ipv4.conf.c4-eth1.rp_filter=2
sysctl -qw net.ipv4.conf.c4-eth2.rp_filter=2
sysctl -qw net.ipv4.conf.c4-eth3.rp_filter=2
sysctl -qw net.ipv4.conf.c4-eth4.rp_filter=2

# remote hosts
ip route replace 10.13.1.0/24 via 20.2.12.1 dev c4-eth1
ip route replace 10.13.2.0/24 via 20.2.12.1 dev c4-eth1
ip route replace 10.14.3.0/24 via 20.2.12.1 dev c4-eth1
ip route replace 10.14.4.0/24 via 20.2.12.1 dev c4-eth1
ip route replace 10.15.5.0/24 via 20.4.12.1 dev c4-eth2
ip route replace 10.15.6.0/24 via 20.4.12.1 dev c4-eth2
ip route replace 10.16.7.0/24 via 20.4.12.1 dev c4-eth2
ip route replace 10.16.8.0/24 via 20.4.12.1 dev c4-eth2
ip route replace 10.17.9.0/24 via 20.6.12.1 dev c4-eth3
ip route replace 10.17.10.0/24 via 20.6.12.1 dev c4-eth3
ip route replace 10.18.11.0/24 via 20.6.12.1 dev c4-eth3
ip route replace 10.18.12.0/24 via 20.6.12.1 dev c4-eth3
ip route replace 10.19.13.0/24 via 20.8.12.1 dev c4-eth4
ip route replace 10.19.14.0/24 via 20.8.12.1 dev c4-eth4
ip route replace 10.20.15.0/24 via 20.8.12.1 dev c4-eth4
ip route replace 10.20.16.0/24 via 20.8.12.1 dev c4-eth4
# VIP
ip route replace 20.0.0.1/32 via 20.2.12.1 dev c4-eth1
