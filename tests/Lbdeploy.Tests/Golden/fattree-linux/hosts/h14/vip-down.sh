#!/bin/sh
# lbdeploy plan: removes VIP 20.0.0.1 from DIP h14 (undoes vip-up.sh). Generated; safe to run twice.
ip addr del 20.0.0.1/32 dev h14-eth0 2>/dev/null || true
sysctl -qw net.ipv4.conf.all.arp_ignore=0
sysctl -qw net.ipv4.conf.all.arp_announce=0
sysctl -qw net.ipv4.conf.h14-eth0.arp_ignore=0
sysctl -qw net.ipv4.conf.h14-eth0.arp_announce=0
ip route replace default via 10.19.14.1 dev h14-eth0
