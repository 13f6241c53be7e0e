#!/bin/sh
# lbdeploy plan: removes the routes switches/linux/a8.sh added. Generated; safe to run twice.
ip route del 10.13.1.0/24 2>/dev/null || true
ip route del 10.13.2.0/24 2>/dev/null || true
ip route del 10.14.3.0/24 2>/dev/null || true
ip route del 10.14.4.0/24 2>/dev/null || true
ip route del 10.15.5.0/24 2>/dev/null || true
ip route del 10.15.6.0/24 2>/dev/null || true
ip route del 10.16.7.0/24 2>/dev/null || true
ip route del 10.16.8.0/24 2>/dev/null || true
ip route del 10.17.9.0/24 2>/dev/null || true
ip route del 10.17.10.0/24 2>/dev/null || true
ip route del 10.18.11.0/24 2>/dev/null || true
ip route del 10.18.12.0/24 2>/dev/null || true
ip route del 10.19.13.0/24 2>/dev/null || true
ip route del 10.19.14.0/24 2>/dev/null || true
ip route del 10.20.15.0/24 2>/dev/null || true
ip route del 10.20.16.0/24 2>/dev/null || true
ip route del 20.0.0.1/32 2>/dev/null || true
