#!/usr/bin/python3
"""Paced UDP load for tools/bench-scapy.sh, from inside one client host (mnexec -a PID): RATE datagrams per second
of one flow (SOURCE_PORT -> HOST:PORT, so one mux and one DIP carry it all) for SECONDS. Prints the number sent.

  udp_sender.py HOST PORT SOURCE_PORT RATE SECONDS
"""
import socket
import sys
import time


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    host, port, source_port, rate, seconds = argv[1], int(argv[2]), int(argv[3]), float(argv[4]), float(argv[5])
    if not (0 < rate <= 20000 and 0 < seconds <= 30):
        sys.exit("udp_sender: RATE 1..20000, SECONDS 1..30")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", source_port))
    payload = b"lbdeploy bench-scapy"
    count = int(rate * seconds)
    start = time.perf_counter()
    for i in range(count):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        s.sendto(payload, (host, port))
    print(count)


if __name__ == "__main__":
    main(sys.argv)
