#!/bin/sh
# lbdeploy plan: removes the routes switches/linux/l2.sh added. Generated; safe to run twice.
ip route del 10.1.1.0/24 2>/dev/null || true
ip route del 10.1.2.0/24 2>/dev/null || true
ip route del 10.1.3.0/24 2>/dev/null || true
ip route del 10.2.4.2/32 2>/dev/null || true
ip route del 10.2.5.2/32 2>/dev/null || true
ip route del 10.2.6.2/32 2>/dev/null || true
ip route del 10.3.7.0/24 2>/dev/null || true
ip route del 10.3.8.0/24 2>/dev/null || true
ip route del 10.3.9.0/24 2>/dev/null || true
ip route del 10.4.10.0/24 2>/dev/null || true
ip route del 10.4.11.0/24 2>/dev/null || true
ip route del 10.4.12.0/24 2>/dev/null || true
ip route del 20.0.0.10/32 2>/dev/null || true
