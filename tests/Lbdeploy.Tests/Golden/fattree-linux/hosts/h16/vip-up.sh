#!/bin/sh
# lbdeploy plan: puts VIP 20.0.0.1 on DIP h16 for Direct Server Return. Generated; idempotent.
set -e
# The server answers clients from the VIP, so the VIP is a local address here.
ip addr replace 20.0.0.1/32 dev h16-eth0
# Never answer ARP for the VIP, never use it as an ARP source: only the muxes attract traffic to it.
# arp_ignore=2, not 1: with 1 the kernel still answers for an address on the asking interface (the VIP is on it);
# 2 also wants the asker inside the address's subnet, and nobody is inside the VIP's /32.
sysctl -qw net.ipv4.conf.all.arp_ignore=2
sysctl -qw net.ipv4.conf.all.arp_announce=2
sysctl -qw net.ipv4.conf.h16-eth0.arp_ignore=2
sysctl -qw net.ipv4.conf.h16-eth0.arp_announce=2
# The mux adds an outer header of up to 20 bytes (IP-in-IP, and the second chance's option when
# on): advertise an MSS of 1440 (not 1460) so clients' full-size segments still fit the 1500-byte
# links once encapsulated.
ip route replace default via 10.20.16.1 dev h16-eth0 advmss 1440
