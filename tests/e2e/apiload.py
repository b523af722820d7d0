#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""HTTP clients for the end-to-end tests of nuse-appliance's API.

  apiload.py load --port P [--threads 64] [--duration 30] [--summary FILE]
      Many clients at once create, read, change and delete tenants (with a
      vNIC, an address and a default route), provoke conflicts on shared
      names, MACs and Idempotency-Keys, send bad bodies and retry with
      Idempotency-Key.  Every answer
      must be one that the API documents for that request; prints the
      counts per status and the request rate.  Exit 0 if every answer was.

  apiload.py churn --port P --log FILE --prefix P --mac-byte B
                   [--max-live N] [--keep NAME ...] [--keep-prefix P]
      One client creates (and sometimes deletes) tenants one after another
      until the daemon goes away, logging each request before it is sent
      and each answer when it arrives (for churn-check).

  apiload.py churn-check --port P --log FILE
      Whether GET /tenants is what the answered requests of the log imply;
      only the one request in flight at the end may or may not have taken
      effect.  Exit 0 if so.

Python 3 standard library only.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid

JSON = {"Content-Type": "application/json"}
TIMEOUT = 20.0


class Conn:
    """A keep-alive HTTP connection that answers (status, headers, body)."""

    def __init__(self, port):
        self.port = port
        self.c = None

    def request(self, method, url, body=None, headers=None):
        if self.c is None:
            self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        try:
            self.c.request(method, url, body=body, headers=headers or {})
            r = self.c.getresponse()
            data = r.read()
        except Exception:
            self.close()
            raise
        if r.will_close:
            self.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def close(self):
        if self.c is not None:
            self.c.close()
        self.c = None


def jload(data):
    try:
        return json.loads(data)
    except ValueError:
        return None


# --- load ---------------------------------------------------------------

NSHARED = 4		# names every client may create: 409s on purpose


def mac(kind, a, n):
    return "02:%02x:%02x:%02x:%02x:%02x" % (kind, a & 0xff, (n >> 16) & 0xff,
                                            (n >> 8) & 0xff, n & 0xff)


def tenant_body(name, m, addr="10.0.0.1/24", gw="10.0.0.254"):
    return {"name": name,
            "vnics": [{"name": "eth0", "mac": m, "addresses": [addr]}],
            "routes": [{"dst": "0.0.0.0/0", "via": gw}]}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = {}
        self.by_what = {}
        self.failures = []
        self.nfail = 0
        self.requests = 0

    def add(self, what, status):
        with self.lock:
            self.requests += 1
            self.by_status[status] = self.by_status.get(status, 0) + 1
            k = "%s %s" % (what, status)
            self.by_what[k] = self.by_what.get(k, 0) + 1

    def fail(self, msg):
        with self.lock:
            self.nfail += 1
            if len(self.failures) < 30:
                self.failures.append(msg)


class Worker(threading.Thread):
    def __init__(self, tid, port, deadline, stats):
        super().__init__(daemon=True)
        self.tid = tid
        self.conn = Conn(port)
        self.deadline = deadline
        self.stats = stats
        self.n = 0
        self.rnd = random.Random(os.getpid() * 1000 + tid)

    def req(self, what, want, method, url, body=None, headers=None):
        """One request whose status must be in @want; None on failure."""
        try:
            status, h, data = self.conn.request(method, url, body, headers)
        except Exception as e:
            self.stats.add(what, "conn-error")
            self.stats.fail("%s %s %s: %s: %s" % (what, method, url, type(e).__name__, e))
            return None
        self.stats.add(what, status)
        if status not in want:
            self.stats.fail("%s %s %s: %d, want %s: %s" % (what, method, url, status,
                            "/".join(map(str, sorted(want))), data[:300]))
            return None
        if status >= 400:
            p = jload(data)
            if (h.get("content-type", "").split(";")[0] != "application/problem+json"
                    or not isinstance(p, dict) or p.get("status") != status):
                self.stats.fail("%s %s %s: %d is not problem+json: %r" % (
                    what, method, url, status, data[:200]))
                return None
        return status, h, data

    def fresh(self):
        self.n += 1
        return "w%d-%d" % (self.tid, self.n), mac(0x10, self.tid, self.n)

    # A tenant's life: create, read, change, delete, gone.
    def life(self):
        name, m = self.fresh()
        body = tenant_body(name, m)
        idem = self.rnd.random() < 0.3
        hdr = dict(JSON)
        if idem:
            hdr["Idempotency-Key"] = uuid.uuid4().hex
        r = self.req("create", {201}, "POST", "/tenants", body, hdr)
        if not r:
            return
        if r[1].get("location") != "/tenants/" + name:
            self.stats.fail("create %s: Location %r" % (name, r[1].get("location")))
        t = jload(r[2])
        if not t or t.get("name") != name or t["vnics"][0]["mac"] != m:
            self.stats.fail("create %s: answered %r" % (name, r[2][:200]))
        if idem:
            # A retry: the first answer again; another body with the key: 422.
            r2 = self.req("idem-retry", {201}, "POST", "/tenants", body, hdr)
            if r2 and (r2[1].get("idempotent-replayed") != "true" or r2[2] != r[2]):
                self.stats.fail("idem-retry %s: not the first answer again" % name)
            other = tenant_body(name + "x", mac(0x30, self.tid, self.n))
            self.req("idem-other", {422}, "POST", "/tenants", other, hdr)
        r = self.req("get", {200}, "GET", "/tenants/" + name)
        if r and (jload(r[2]) or {}).get("name") != name:
            self.stats.fail("get %s: %r" % (name, r[2][:200]))
        # The same MAC under another name, the same name again: 409.
        self.req("dup-mac", {409}, "POST", "/tenants", tenant_body(name + "-b", m), JSON)
        self.req("dup-name", {409}, "POST", "/tenants",
                 tenant_body(name, mac(0x40, self.tid, self.n)), JSON)
        x = self.rnd.random()
        base = "/tenants/" + name
        if x < 0.25:
            self.req("vnic-add", {201}, "POST", base + "/vnics",
                     {"name": "eth1", "mac": mac(0x50, self.tid, self.n), "vlan": 10,
                      "addresses": ["10.1.0.1/24"]}, JSON)
        elif x < 0.5:
            self.req("addr-add", {201}, "POST", base + "/vnics/eth0/addresses",
                     {"address": "10.2.0.1/24"}, JSON)
        elif x < 0.75:
            self.req("sysctl", {200}, "PATCH", base + "/sysctls",
                     {"net.ipv4.ip_forward": "1"}, JSON)
        else:
            self.req("routes", {200}, "GET", base + "/routes")
        self.req("delete", {204}, "DELETE", base)
        self.req("get-gone", {404}, "GET", base)

    # Names and MACs every client uses: 201 or 409, 204 or 404.
    def shared(self):
        k = self.rnd.randrange(NSHARED)
        name = "shared-%d" % k
        r = self.req("shared-create", {201, 409}, "POST", "/tenants",
                     tenant_body(name, mac(0x20, k, 0)), JSON)
        self.req("shared-get", {200, 404}, "GET", "/tenants/" + name)
        if r and r[0] == 201:
            self.req("shared-delete", {204, 404}, "DELETE", "/tenants/" + name)

    # One Idempotency-Key for several clients at once (a new one every
    # 0.5 s): the first runs (201, or 409 if the name is still taken), the
    # others get its answer again, or 409 while it still runs.
    def shared_key(self):
        k = self.rnd.randrange(NSHARED)
        name = "sidem-%d" % k
        hdr = dict(JSON)
        hdr["Idempotency-Key"] = "sidem-%d-%d" % (k, int(time.monotonic() * 2))
        r = self.req("shared-key-create", {201, 409}, "POST", "/tenants",
                     tenant_body(name, mac(0x21, k, 0)), hdr)
        if r and r[0] == 201 and r[1].get("idempotent-replayed") != "true":
            self.req("shared-key-delete", {204, 404}, "DELETE", "/tenants/" + name)

    def bad(self):
        x = self.rnd.randrange(7)
        if x == 0:
            self.req("malformed", {400}, "POST", "/tenants", '{"name": "x", ', JSON)
        elif x == 1:
            self.req("bad-mac", {422}, "POST", "/tenants",
                     {"name": "badmac", "vnics": [{"name": "eth0", "mac": "02:zz"}]}, JSON)
        elif x == 2:
            self.req("not-json", {415}, "POST", "/tenants", '{"name": "x"}',
                     {"Content-Type": "text/plain"})
        elif x == 3:
            self.req("too-big", {413}, "POST", "/tenants", " " * (70 * 1024), JSON)
        elif x == 4:
            self.req("long-name", {422}, "POST", "/tenants",
                     tenant_body("n" * 64, mac(0x60, self.tid, 0)), JSON)
        elif x == 5:
            self.req("get-none", {404}, "GET", "/tenants/none-%d" % self.tid)
        else:
            self.req("delete-none", {404}, "DELETE", "/tenants/none-%d" % self.tid)

    def run(self):
        while time.monotonic() < self.deadline:
            x = self.rnd.random()
            if x < 0.6:
                self.life()
            elif x < 0.75:
                self.shared()
            elif x < 0.8:
                self.shared_key()
            else:
                self.bad()
        self.conn.close()


def load(a):
    stats = Stats()
    t0 = time.monotonic()
    workers = [Worker(i, a.port, t0 + a.duration, stats) for i in range(a.threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(a.duration + 60)
    secs = time.monotonic() - t0
    hung = sum(w.is_alive() for w in workers)
    rate = stats.requests / secs
    print("load: %d clients, %.1f s, %d requests, %.0f requests/s" % (
        a.threads, secs, stats.requests, rate))
    print("load: by status: " + ", ".join("%s: %d" % (k, v) for k, v in
                                          sorted(stats.by_status.items(), key=str)))
    for k in sorted(stats.by_what):
        print("load:   %-22s %d" % (k, stats.by_what[k]))
    for f in stats.failures:
        print("load: BAD: " + f)
    if stats.nfail > len(stats.failures):
        print("load: BAD: ... %d in all" % stats.nfail)
    if hung:
        print("load: BAD: %d clients still running" % hung)
    if a.summary:
        with open(a.summary, "w") as f:
            json.dump({"requests": stats.requests, "seconds": secs, "rate": rate,
                       "by_status": {str(k): v for k, v in stats.by_status.items()},
                       "by_request": stats.by_what,
                       "failures": stats.nfail, "hung": hung}, f)
    return 1 if stats.nfail or hung or not stats.requests else 0


# --- churn ----------------------------------------------------------------

def churn(a):
    c = Conn(a.port)
    log = open(a.log, "w", buffering=1)
    st, _, data = c.request("GET", "/tenants")
    if st != 200:
        print("churn: GET /tenants: %d" % st)
        return 1
    live = [t["name"] for t in json.loads(data)]
    log.write("init %s\n" % json.dumps(live))
    rnd = random.Random()
    n = 0
    while True:
        mine = [t for t in live if t not in a.keep and
                not (a.keep_prefix and t.startswith(a.keep_prefix))]
        if mine and (len(mine) >= a.max_live or rnd.random() < 0.3):
            name = rnd.choice(mine)
            op, method, url, body, want = "delete", "DELETE", "/tenants/" + name, None, 204
        else:
            n += 1
            name = "%s%d" % (a.prefix, n)
            m = mac(a.mac_byte, 0, n)
            op, method, url, body, want = ("create", "POST", "/tenants",
                                           tenant_body(name, m), 201)
        log.write("send %s %s%s\n" % (op, name, " " + m if op == "create" else ""))
        try:
            st, _, data = c.request(method, url, body, JSON if body else None)
        except Exception as e:
            log.write("gone %s: %s\n" % (type(e).__name__, e))
            return 0
        log.write("answer %s %s %d\n" % (op, name, st))
        if st != want:
            print("churn: %s %s: %d, want %d: %s" % (op, name, st, want, data[:300]))
            return 1
        if op == "create":
            live.append(name)
        else:
            live.remove(name)


def churn_check(a):
    live, macs, inflight, answered = None, {}, None, 0
    for line in open(a.log):
        w = line.split()
        if w[0] == "init":
            live = json.loads(line[5:])
        elif w[0] == "send":
            inflight = (w[1], w[2])
            if w[1] == "create":
                macs[w[2]] = w[3]
        elif w[0] == "answer":
            answered += 1
            if int(w[3]) not in (201, 204):
                print("churn-check: %s %s was answered %s" % (w[1], w[2], w[3]))
                return 1
            if w[1] == "create":
                live.append(w[2])
            else:
                live.remove(w[2])
            inflight = None
    if live is None:
        print("churn-check: no init line in the log")
        return 1
    # The request in flight at the kill: the state may have it or not.
    ok = [list(live)]
    if inflight:
        op, name = inflight
        ok.append(live + [name] if op == "create" else [t for t in live if t != name])
    c = Conn(a.port)
    st, _, data = c.request("GET", "/tenants")
    if st != 200:
        print("churn-check: GET /tenants: %d" % st)
        return 1
    got = [t["name"] for t in json.loads(data)]
    print("churn-check: %d answered requests, in flight at the kill: %s; %d tenants" %
          (answered, " ".join(inflight) if inflight else "none", len(got)))
    if not any(sorted(got) == sorted(x) for x in ok):
        print("churn-check: tenants after the restart: %s" % sorted(got))
        for x in ok:
            print("churn-check:   would be right: %s" % sorted(x))
            print("churn-check:   missing %s, extra %s" % (
                sorted(set(x) - set(got)), sorted(set(got) - set(x))))
        return 1
    if inflight:
        print("churn-check: the request in flight %s" % (
            "took effect" if sorted(got) == sorted(ok[1]) else "did not take effect"))
    if got not in ok:
        print("churn-check: the right tenants, but not in creation order: %s, want %s" %
              (got, ok))
        return 1
    # Each one restored with its own vNIC.
    for name in got:
        if name not in macs:
            continue
        st, _, data = c.request("GET", "/tenants/" + name)
        t = jload(data) if st == 200 else None
        if not t or [v["mac"] for v in t["vnics"]] != [macs[name]]:
            print("churn-check: %s after the restart: %d %r" % (name, st, data[:300]))
            return 1
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("load")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--threads", type=int, default=64)
    p.add_argument("--duration", type=float, default=30)
    p.add_argument("--summary")
    p = sub.add_parser("churn")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--mac-byte", type=lambda s: int(s, 0), required=True)
    p.add_argument("--max-live", type=int, default=20)
    p.add_argument("--keep", nargs="*", default=[])
    p.add_argument("--keep-prefix", default="")
    p = sub.add_parser("churn-check")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    a = ap.parse_args()
    return {"load": load, "churn": churn, "churn-check": churn_check}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
