#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Idle TCP connections against the API, from loopback source addresses.

  connflood.py flood PORT [--addrs 20] [--per 100] [--probes 10] [--timeout 3]
      Holds ADDRS*PER idle connections from 127.0.0.2, .3, ... (each one
      that the server closes is opened again), and meanwhile asks
      GET /healthz PROBES times from 127.0.0.200 on a new connection.
      Exit 0 if every probe got 200 within TIMEOUT seconds.
  connflood.py perclient PORT ADDR N
      Opens N idle connections from ADDR; prints how many the server
      closed within 1 s.
  connflood.py idle PORT ADDR MAX
      One idle connection; prints the seconds until the server closed it
      (or MAX if it did not).
Loopback only; bounded in time.
"""
import argparse
import errno
import selectors
import socket
import sys
import threading
import time


def opener(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((src, 0))
    err = s.connect_ex(("127.0.0.1", port))
    if err not in (0, errno.EINPROGRESS):
        s.close()
        return None
    return s


def closed_by_peer(s):
    try:
        return s.recv(1, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def probe(port, timeout):
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                     source_address=("127.0.0.200", 0))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        r = b""
        while b"\r\n" not in r:
            c = s.recv(256)
            if not c:
                break
            r += c
        s.close()
        code = r.split(b" ")[1].decode() if r.count(b" ") else "none"
    except OSError as e:
        code = "error (%s)" % e
    return code, time.monotonic() - t0


def flood(a):
    sel = selectors.DefaultSelector()
    srcs = ["127.0.0.%d" % (2 + i) for i in range(a.addrs)]
    want = {src: a.per for src in srcs}
    held = {src: 0 for src in srcs}
    reopened = 0

    def fill():
        nonlocal reopened
        for src in srcs:
            while held[src] < want[src]:
                s = opener(a.port, src)
                if s is None:
                    return
                sel.register(s, selectors.EVENT_READ, src)
                held[src] += 1
                reopened += 1

    fill()
    print("flood: %d connections from %d addresses" % (sum(held.values()), len(srcs)))
    results = []

    def prober():
        time.sleep(1.0)
        for _ in range(a.probes):
            results.append(probe(a.port, a.timeout))
            time.sleep(0.2)

    t = threading.Thread(target=prober)
    t.start()
    while t.is_alive():
        for key, _ in sel.select(timeout=0.05):
            if closed_by_peer(key.fileobj):
                sel.unregister(key.fileobj)
                key.fileobj.close()
                held[key.data] -= 1
        fill()
    ok = sum(1 for code, dt in results if code == "200" and dt < a.timeout)
    print("flood: held %d, opened %d in all" % (sum(held.values()), reopened))
    for code, dt in results:
        print("probe: %s in %.3f s" % (code, dt))
    print("probes: %d of %d answered 200" % (ok, len(results)))
    return 0 if ok == len(results) == a.probes else 1


def perclient(a):
    socks = [s for s in (opener(a.port, a.addr) for _ in range(a.n)) if s]
    time.sleep(1)
    closed = sum(1 for s in socks if closed_by_peer(s))
    print(closed)
    return 0


def idle(a):
    s = opener(a.port, a.addr)
    t0 = time.monotonic()
    while time.monotonic() - t0 < a.max:
        if closed_by_peer(s):
            break
        time.sleep(0.1)
    print("%.1f" % (time.monotonic() - t0))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flood")
    f.add_argument("port", type=int)
    f.add_argument("--addrs", type=int, default=20)
    f.add_argument("--per", type=int, default=100)
    f.add_argument("--probes", type=int, default=10)
    f.add_argument("--timeout", type=float, default=3.0)
    c = sub.add_parser("perclient")
    c.add_argument("port", type=int)
    c.add_argument("addr")
    c.add_argument("n", type=int)
    i = sub.add_parser("idle")
    i.add_argument("port", type=int)
    i.add_argument("addr")
    i.add_argument("max", type=float)
    a = p.parse_args()
    return {"flood": flood, "perclient": perclient, "idle": idle}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
