#!/usr/bin/python3
"""HTTP load generator for lbdeploy tests and benchmarks. Runs INSIDE a client host (mnexec -a PID ...): it only
talks to the URL it is given. Bounded: at most 120 s, 32 short workers, 8 long-lived connections.

Short workers: one GET of --path per new TCP connection (a new flow each), back to back (or paced with --rate).
Long workers: GET of --long-path read slowly (--long-rate bytes/s), so each connection lives for seconds; a
connection that got its response headers and then failed or came up short is "broken".

Writes one JSON line per request to --out: {"k": "s"|"l", "t0": start, "t1": end (unix seconds), "ok": bool,
"err": "...", "est": bool (long: headers received), "src": "client address:port"}; and a summary line on stdout.

  loadgen.py --host 20.0.0.1 --seconds 30 --short 4 --long 2 --out /tmp/h3.jsonl
"""
import argparse, http.client, json, socket, sys, threading, time

p = argparse.ArgumentParser()
p.add_argument("--host", required=True)
p.add_argument("--port", type=int, default=80)
p.add_argument("--path", default="/index.html")
p.add_argument("--long-path", default="/large.bin")
p.add_argument("--seconds", type=float, required=True)
p.add_argument("--short", type=int, default=2)
p.add_argument("--long", type=int, default=0)
p.add_argument("--long-rate", type=int, default=256 * 1024)
p.add_argument("--rate", type=float, default=0, help="short requests per second per worker (0: back to back)")
p.add_argument("--timeout", type=float, default=3.0)
p.add_argument("--out", required=True)
a = p.parse_args()
if not (0 < a.seconds <= 120 and 0 <= a.short <= 32 and 0 <= a.long <= 8):
    sys.exit("loadgen: --seconds 0..120, --short 0..32, --long 0..8")

lock = threading.Lock()
events = []
deadline = time.time() + a.seconds

def record(**e):
    with lock:
        events.append(e)

def short_worker():
    gap = 1.0 / a.rate if a.rate > 0 else 0
    while time.time() < deadline:
        t0 = time.time(); src = ""
        try:
            c = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
            c.request("GET", a.path)
            src = "%s:%d" % c.sock.getsockname()[:2]
            r = c.getresponse(); body = r.read(); c.close()
            ok, err = r.status == 200 and len(body) > 0, "" if r.status == 200 else "status %d" % r.status
        except Exception as ex:
            ok, err = False, type(ex).__name__ + ": " + str(ex)
        t1 = time.time()
        record(k="s", t0=t0, t1=t1, ok=ok, err=err, src=src)
        if gap and t1 - t0 < gap:
            time.sleep(gap - (t1 - t0))

def long_worker():
    chunk = 16384
    while time.time() < deadline:
        t0 = time.time(); established = False; got = 0; expected = -1; src = ""
        try:
            c = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
            c.request("GET", a.long_path)
            src = "%s:%d" % c.sock.getsockname()[:2]
            r = c.getresponse()
            established = r.status == 200
            expected = int(r.getheader("Content-Length", "-1"))
            while True:
                data = r.read(chunk)
                if not data:
                    break
                got += len(data)
                # Pace the reads: the window closes and the connection lives for expected / long_rate seconds.
                wait = t0 + got / a.long_rate - time.time()
                if wait > 0:
                    time.sleep(wait)
            c.close()
            ok = established and got == expected
            err = "" if ok else "short body %d of %d" % (got, expected)
        except Exception as ex:
            ok, err = False, type(ex).__name__ + ": " + str(ex) + " after %d bytes" % got
        record(k="l", t0=t0, t1=time.time(), ok=ok, err=err, est=established, src=src)

threads = [threading.Thread(target=short_worker) for _ in range(a.short)] + [threading.Thread(target=long_worker) for _ in range(a.long)]
for t in threads: t.start()
for t in threads: t.join()
with open(a.out, "w") as f:
    for e in events:
        f.write(json.dumps(e) + "\n")
s = [e for e in events if e["k"] == "s"]; l = [e for e in events if e["k"] == "l"]
print(json.dumps({"short": len(s), "short_failed": sum(not e["ok"] for e in s), "long": len(l),
                  "long_broken": sum(e["est"] and not e["ok"] for e in l), "long_failed": sum(not e["ok"] for e in l)}))
