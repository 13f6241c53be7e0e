#!/usr/bin/python3
"""HTTP load from inside one client host (run with mnexec -a PID): CONCURRENCY threads, each making one GET per new
TCP connection (a new flow each), back to back, for SECONDS. Prints one JSON document: {"ok": N, "errors": N,
"latencies_ms": [...]}. Only talks to HOST:PORT.

  http_load.py HOST PORT PATH SECONDS CONCURRENCY
"""
import http.client
import json
import sys
import threading
import time


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    host, port, path, duration, concurrency = argv[1], int(argv[2]), argv[3], float(argv[4]), int(argv[5])
    if not (0 < duration <= 120 and 1 <= concurrency <= 32):
        sys.exit("http_load: SECONDS 0..120, CONCURRENCY 1..32")
    latencies, errors, lock = [], [0], threading.Lock()

    def worker():
        end = time.time() + duration
        while time.time() < end:
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection(host, port, timeout=5)
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                connection.close()
                ok = response.status == 200
            except Exception:
                ok = False
            with lock:
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"ok": len(latencies), "errors": errors[0], "latencies_ms": latencies}))


if __name__ == "__main__":
    main(sys.argv)
