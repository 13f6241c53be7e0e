#!/bin/sh
# lbdeploy plan: removes VIP 20.0.0.10 from DIP h2 (undoes vip-up.sh). Generated; safe to run twice.
ip addr del 20.0.0.10/32 dev h2-eth0 2>/dev/null || true
sysctl -qw net.ipv4.conf.all.arp_ignore=0
sysctl -qw net.ipv4.conf.all.arp_announce=0
sysctl -qw net.ipv4.conf.h2-eth0.arp_ignore=0
sysctl -qw net.ipv4.conf.h2-eth0.arp_announce=0
ip route replace default via 10.1.2.1 dev h2-eth0
