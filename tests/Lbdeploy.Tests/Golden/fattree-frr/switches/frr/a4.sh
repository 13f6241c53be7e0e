#!/bin/sh
# lbdeploy plan: kernel settings of switch a4 under FRR (target frr). Generated; edit lb.yaml instead.
# Run inside the switch's network namespace before FRR starts. No route is installed here: FRR's zebra installs
# every route from BGP (switches/frr/<switch>.conf). Idempotent.
set -e

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
  sysctl -qw net.ipv4.fib_multipath_hash_seed=3132990798
fi
# Loose reverse-path filtering: with Direct Server Return, replies come from the VIP out of a server's port,
# a source strict rp_filter would drop.
sysctl -qw net.ipv4.conf.all.rp_filter=2
sysctl -qw net.ipv4.conf.default.rp_filter=2
sysctl -qw net.ipv4.conf.a4-eth1.rp_filter=2
sysctl -qw net.ipv4.conf.a4-eth2.rp_filter=2
sysctl -qw net.ipv4.conf.a4-eth3.rp_filter=2
sysctl -qw net.ipv4.conf.a4-eth4.rp_filter=2
