#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Client side of bench-api.sh: sequential API requests over one
keep-alive connection, timed one by one.  Prints numbers; exits non-zero
only when the API does not answer as documented (then there are no
numbers worth printing).

  apibench.py PORT cycle N PREFIX MACBASE   POST N tenants, then DELETE them
  apibench.py PORT create N PREFIX MACBASE  POST N tenants, left in place
  apibench.py PORT scrape N                 GET /metrics N times
  apibench.py PORT get NAME                 print GET /tenants/NAME's body
  apibench.py PORT serve FILE               a reference server: FILE's bytes
                                            for any GET (HTTP/1.1 keep-alive,
                                            a thread per connection)
"""
import http.client
import json
import math
import os
import sys
import time

# BENCH_VLANS=1: each tenant on a VLAN of its own (1 + i % 4094), so that
# one tenant's multicast (IPv6 DAD, MLD, router solicitations) is not
# flooded to all the others
VLANS = os.environ.get("BENCH_VLANS") == "1"


def tenant(prefix, i, macbase):
    """A tenant: one vNIC, one address, a default route."""
    a, b = i >> 8 & 255, i & 255
    t = {
        "name": "%s%04d" % (prefix, i),
        "vnics": [{"name": "eth0",
                   "mac": "02:00:%02x:%02x:%02x:%02x" % (macbase, i >> 16 & 255, a, b),
                   "addresses": ["10.%d.%d.1/24" % (a, b)]}],
        "routes": [{"dst": "0.0.0.0/0", "via": "10.%d.%d.254" % (a, b), "dev": "eth0"}],
    }
    if VLANS:
        t["vnics"][0]["vlan"] = 1 + i % 4094
    return t


def pct(sorted_ms, p):
    """Nearest-rank percentile of an ascending list."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def summary(what, ms):
    s = sorted(ms)
    print("%-24s p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms   mean %6.2f ms   (%d requests)"
          % (what, pct(s, 50), pct(s, 99), s[-1], sum(s) / len(s), len(s)))


class Client:
    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.reconnects = 0

    def request(self, method, path, body=None):
        """One request; returns (status, body bytes, seconds)."""
        headers = {}
        if body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body, headers)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, data, time.perf_counter() - t0
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: retry
                # once on a new one (and say so at the end).
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.reconnects += 1


def expect(status, want, method, path, data):
    if status != want:
        sys.exit("apibench: %s %s: %d (wanted %d): %s"
                 % (method, path, status, want, data[:300].decode(errors="replace")))


def create(c, n, prefix, macbase):
    ms = []
    for i in range(n):
        t = tenant(prefix, i, macbase)
        status, data, s = c.request("POST", "/tenants", t)
        expect(status, 201, "POST", "/tenants (%s)" % t["name"], data)
        ms.append(s * 1000)
    return ms


def serve(port, path):
    import http.server

    with open(path, "rb") as f:
        body = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = 128	# the default 5 drops SYNs from 64 connections

        def handle_error(self, request, client_address):
            pass			# wrk resets its connections when it stops

    Server(("127.0.0.1", port), Handler).serve_forever()


def main():
    port, cmd, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if cmd == "serve":
        serve(port, args[0])
        return
    c = Client(port)
    if cmd == "cycle":
        n, prefix, macbase = int(args[0]), args[1], int(args[2], 0)
        summary("POST /tenants", create(c, n, prefix, macbase))
        ms = []
        for i in range(n):
            path = "/tenants/%s%04d" % (prefix, i)
            status, data, s = c.request("DELETE", path)
            expect(status, 204, "DELETE", path, data)
            ms.append(s * 1000)
        summary("DELETE /tenants/NAME", ms)
    elif cmd == "create":
        n, prefix, macbase = int(args[0]), args[1], int(args[2], 0)
        t0 = time.perf_counter()
        ms = create(c, n, prefix, macbase)
        wall = time.perf_counter() - t0
        print("%d tenants created end to end in %.2f s: %.0f tenants/s"
              % (n, wall, n / wall))
        # the slowest stretch: does a create get slower as tenants pile up?
        k = max(1, min(1000, n // 10))
        first, last = sorted(ms[:k]), sorted(ms[-k:])
        print("  per POST, first %d: p50 %.2f ms, p99 %.2f ms; last %d: p50 %.2f ms, p99 %.2f ms"
              % (k, pct(first, 50), pct(first, 99), k, pct(last, 50), pct(last, 99)))
    elif cmd == "scrape":
        n = int(args[0])
        ms, size = [], 0
        for _ in range(n):
            status, data, s = c.request("GET", "/metrics")
            expect(status, 200, "GET", "/metrics", data)
            ms.append(s * 1000)
            size = len(data)
        s = sorted(ms)
        med = (s[(n - 1) // 2] + s[n // 2]) / 2
        print("/metrics scrape (%d scrapes, one keep-alive connection): median %.1f ms, "
              "max %.1f ms, %d bytes, %d lines"
              % (n, med, s[-1], size, data.count(b"\n")))
        print("  aim: < 100 ms: %s" % ("met" if s[-1] < 100 else
                                       "met by the median, NOT by the max" if med < 100
                                       else "NOT met"))
        for line in data.decode().splitlines():
            if line.startswith(("nuse_tenants ", "nuse_kernel_memory_",
                                "nuse_dataplane_tx_dropped_total", "nuse_dataplane_hairpin_total")):
                print("  " + line)
    elif cmd == "get":
        status, data, _ = c.request("GET", "/tenants/" + args[0])
        expect(status, 200, "GET", "/tenants/" + args[0], data)
        sys.stdout.buffer.write(data)
    else:
        sys.exit("apibench: unknown command " + cmd)
    if c.reconnects:
        print("  (the server closed the keep-alive connection %d time(s); retried)"
              % c.reconnects)


if __name__ == "__main__":
    main()
