#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A TEST DOUBLE of the appliance's tool RPC (src/rpc/nrpc.h), for
testing the preload library's marshalling and interposition only.

It is NOT the product: it runs every call on the HOST kernel, in whatever
network namespace it was started in (tests start it with `ip netns exec`),
where the real appliance runs them in a tenant of its library kernel.
It speaks the server side of nrpc.h as the preload library reads it, and
is as strict about message shape as a test needs to be.

    fake_appliance.py SOCKET TENANT
"""
import ctypes
import errno
import ctypes.util
import os
import socket
import struct
import sys
import threading

HDR = struct.Struct("=IHHII")            # len, type, flags, seq, pad
CALL = struct.Struct("=IHHIIII6q")       # hdr, op, out_max, args[6]
HELLO = struct.Struct("=IHHIIIIQ64s")    # hdr, version, flags, fork_of, tenant
REPLY = struct.Struct("=IHHIIqII")       # hdr, ret, out_len, pad
MSG_MAX = 256 * 1024
T_HELLO, T_CALL, T_CANCEL, T_REPLY = 1, 2, 3, 4
OPS = ("SOCKET CLOSE BIND CONNECT LISTEN ACCEPT SHUTDOWN GETSOCKNAME "
       "GETPEERNAME SENDTO RECVFROM SENDMSG RECVMSG SETSOCKOPT GETSOCKOPT "
       "IOCTL FCNTL READ WRITE POLL OPEN DUP NULL").split()

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
c_buf = ctypes.create_string_buffer


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]


class pollfd(ctypes.Structure):
    _fields_ = [("fd", ctypes.c_int), ("events", ctypes.c_short),
                ("revents", ctypes.c_short)]


class Bad(Exception):
    """A malformed message: the connection closes."""


def sys_(r):
    """A libc result as the protocol's: r, or -errno."""
    return -ctypes.get_errno() if r < 0 else r


def addr(ptr):
    return ctypes.cast(ptr, ctypes.c_void_p)


SESSIONS = {}
TABLE_USERS = {}                    # id(fds) -> sessions on that table
HELLO_THREAD = 0x1
SESSIONS_LOCK = threading.Lock()
NEXT_ID = [1]


class Session:
    def __init__(self, conn, fds):
        self.conn = conn
        self.fds = fds              # remote number -> host fd

    def new_fd(self, hostfd):
        if hostfd < 0:
            return hostfd
        with SESSIONS_LOCK:         # a thread's session shares the table
            n = 3
            while n in self.fds:
                n += 1
            self.fds[n] = hostfd
        return n

    def host(self, n):
        if n not in self.fds:
            raise KeyError
        return self.fds[n]

    # -- reading the connection --
    def read_exact(self, n):
        b = bytearray()
        while len(b) < n:
            chunk = self.conn.recv(n - len(b))
            if not chunk:
                raise EOFError
            b += chunk
        return bytes(b)

    def reply(self, seq, ret, out=b""):
        self.conn.sendall(REPLY.pack(REPLY.size + len(out), T_REPLY, 0, seq, 0,
                                     ret, len(out), 0) + out)


def name_out(buf, ln):
    return struct.pack("=I", ln.value) + buf.raw[:min(ln.value, 128)]


class Calls:
    """One method per op: (session, args, in data, out_max) -> (ret, out)."""

    def SOCKET(s, a, d, m):
        return s.new_fd(sys_(libc.socket(a[0], a[1], a[2]))), b""

    def CLOSE(s, a, d, m):
        fd = s.fds.pop(a[0])
        return sys_(libc.close(fd)), b""

    def BIND(s, a, d, m):
        return sys_(libc.bind(s.host(a[0]), d, len(d))), b""

    def CONNECT(s, a, d, m):
        return sys_(libc.connect(s.host(a[0]), d, len(d))), b""

    def LISTEN(s, a, d, m):
        return sys_(libc.listen(s.host(a[0]), a[1])), b""

    def SHUTDOWN(s, a, d, m):
        return sys_(libc.shutdown(s.host(a[0]), a[1])), b""

    def ACCEPT(s, a, d, m):
        buf, ln = c_buf(128), ctypes.c_uint32(128)
        r = sys_(libc.accept4(s.host(a[0]), buf, ctypes.byref(ln), a[1]))
        return (s.new_fd(r), name_out(buf, ln)) if r >= 0 else (r, b"")

    def _name(s, a, fn):
        buf, ln = c_buf(128), ctypes.c_uint32(128)
        r = sys_(fn(s.host(a[0]), buf, ctypes.byref(ln)))
        return r, name_out(buf, ln) if r >= 0 else b""

    def GETSOCKNAME(s, a, d, m):
        return Calls._name(s, a, libc.getsockname)

    def GETPEERNAME(s, a, d, m):
        return Calls._name(s, a, libc.getpeername)

    def SENDTO(s, a, d, m):
        alen = a[2]
        if alen > len(d) or alen > 128:
            return -22, b""
        sa, data = d[:alen], d[alen:]
        return sys_(libc.sendto(s.host(a[0]), data, len(data), a[1],
                                sa if alen else None, alen)), b""

    def RECVFROM(s, a, d, m):
        buf, sa, ln = c_buf(max(a[1], 1)), c_buf(128), ctypes.c_uint32(128)
        r = sys_(libc.recvfrom(s.host(a[0]), buf, a[1], a[2], sa, ctypes.byref(ln)))
        if r < 0:
            return r, b""
        return r, struct.pack("=I", ln.value) + sa.raw + buf.raw[:min(r, a[1])]

    def SENDMSG(s, a, d, m):
        nl, cl = struct.unpack_from("=II", d)
        name, ctl, data = d[8:8 + nl], d[8 + nl:8 + nl + cl], d[8 + nl + cl:]
        nb, cb, db = c_buf(name or b"\0"), c_buf(ctl or b"\0"), c_buf(data or b"\0")
        iov = iovec(addr(db).value, len(data))
        mh = msghdr(addr(nb).value if nl else None, nl, ctypes.pointer(iov), 1,
                    addr(cb).value if cl else None, cl, 0)
        return sys_(libc.sendmsg(s.host(a[0]), ctypes.byref(mh), a[1])), b""

    def RECVMSG(s, a, d, m):
        flags, dlen, nmax, cmax = a[1], a[2], a[3], a[4]
        nb, cb, db = c_buf(max(nmax, 1)), c_buf(max(cmax, 1)), c_buf(max(dlen, 1))
        iov = iovec(addr(db).value, dlen)
        mh = msghdr(addr(nb).value if nmax else None, nmax, ctypes.pointer(iov), 1,
                    addr(cb).value if cmax else None, cmax, 0)
        r = sys_(libc.recvmsg(s.host(a[0]), ctypes.byref(mh), flags))
        if r < 0:
            return r, b""
        nl, cl = min(mh.namelen, nmax), min(mh.controllen, cmax)
        return r, (struct.pack("=III", nl, cl, mh.flags & 0xffffffff) + nb.raw[:nl] +
                   cb.raw[:cl] + db.raw[:min(r, dlen)])

    def SETSOCKOPT(s, a, d, m):
        fd, level, name = s.host(a[0]), a[1], a[2]
        if level == socket.SOL_SOCKET and name in (26, 51):   # the filters
            (count,) = struct.unpack_from("=I", d)
            prog = c_buf(d[4:4 + 8 * count] or b"\0")
            val = c_buf(struct.pack("=HxxxxxxQ", count, addr(prog).value), 16)
            return sys_(libc.setsockopt(fd, level, name, val, 16)), b""
        if level in (0, 41) and name == 64 and len(d) >= 96:   # *_SO_SET_REPLACE
            (num,) = struct.unpack_from("=I", d, 84)
            counters = c_buf(max(num * 16, 1))
            b = bytearray(d)
            struct.pack_into("=Q", b, 88, addr(counters).value)
            r = sys_(libc.setsockopt(fd, level, name, c_buf(bytes(b), len(b)), len(b)))
            return r, counters.raw[:num * 16] if r >= 0 else b""
        val = c_buf(d, max(len(d), 1))
        return sys_(libc.setsockopt(fd, level, name, val, len(d))), b""

    def GETSOCKOPT(s, a, d, m):
        want = a[3]
        buf = c_buf(d.ljust(want, b"\0") or b"\0")
        ln = ctypes.c_uint32(want)
        r = sys_(libc.getsockopt(s.host(a[0]), a[1], a[2], buf, ctypes.byref(ln)))
        if r < 0:
            return r, b""
        return r, struct.pack("=I", ln.value) + buf.raw[:min(ln.value, want)]

    def IOCTL(s, a, d, m):
        fd, req, alen = s.host(a[0]), a[1] & 0xffffffff, a[2]
        if req == 0x8912:                      # SIOCGIFCONF
            buf = c_buf(max(alen, 1))
            ifc = c_buf(struct.pack("=ixxxxQ", alen, addr(buf).value))
            r = sys_(libc.ioctl(fd, ctypes.c_ulong(req), ifc))
            if r < 0:
                return r, b""
            (ln,) = struct.unpack_from("=i", ifc.raw)
            return ln, buf.raw[:ln]
        buf = c_buf(d.ljust(alen, b"\0") or b"\0")
        r = sys_(libc.ioctl(fd, ctypes.c_ulong(req), buf))
        return r, buf.raw[:alen] if r >= 0 else b""

    def FCNTL(s, a, d, m):
        if a[1] not in (1, 2, 3, 4):        # F_GETFD F_SETFD F_GETFL F_SETFL
            return -22, b""
        return sys_(libc.fcntl(s.host(a[0]), a[1], ctypes.c_long(a[2]))), b""

    def READ(s, a, d, m):
        buf = c_buf(max(a[1], 1))
        r = sys_(libc.read(s.host(a[0]), buf, a[1]))
        return r, buf.raw[:r] if r > 0 else b""

    def WRITE(s, a, d, m):
        return sys_(libc.write(s.host(a[0]), d, len(d))), b""

    def OPEN(s, a, d, m):
        path = d.rstrip(b"\0")
        if not (path.startswith(b"/proc/net/") or path.startswith(b"/proc/sys/") or
                path.startswith(b"/proc/self/net/")):
            return -13, b""
        return s.new_fd(sys_(libc.open(path, a[0], a[1]))), b""

    def DUP(s, a, d, m):
        return s.new_fd(sys_(libc.dup(s.host(a[0])))), b""

    def NULL(s, a, d, m):
        return 0, b""


def do_poll(s, seq, a, d):
    n, tmo = a[0], a[1]
    arr = (pollfd * (n + 1))()
    for i in range(n):
        fd, ev, _ = struct.unpack_from("=ihh", d, 8 * i)
        arr[i].fd = s.fds.get(fd, -1)
        arr[i].events = ev
        if fd not in s.fds:
            arr[i].fd, arr[i].revents = -1, 0x20   # POLLNVAL below
    arr[n].fd, arr[n].events = s.conn.fileno(), 1
    r = sys_(libc.poll(arr, n + 1, tmo))
    if r > 0 and arr[n].revents:
        h = HDR.unpack(s.read_exact(HDR.size))
        if h[1] != T_CANCEL or h[0] != HDR.size or h[3] != seq:
            raise Bad("not a CANCEL during POLL")
        r = sys_(libc.poll(arr, n, 0))
    out = b""
    ready = 0
    for i in range(n):
        fd, ev, _ = struct.unpack_from("=ihh", d, 8 * i)
        rev = arr[i].revents if fd in s.fds else 0x20
        ready += rev != 0
        out += struct.pack("=ihh", fd, ev, rev)
    return (ready if r >= 0 else r), out


def serve_call(s, hdr, body):
    if len(body) < CALL.size - HDR.size:
        raise Bad("short call")
    f = CALL.unpack(HDR.pack(*hdr) + body[:CALL.size - HDR.size])
    op, out_max, args = f[5], f[6], list(f[7:])
    data = body[CALL.size - HDR.size:]
    if op < 1 or op > len(OPS):
        return -22, b""
    if OPS[op - 1] == "POLL":
        ret, out = do_poll(s, hdr[3], args, data)
    else:
        try:
            ret, out = getattr(Calls, OPS[op - 1])(s, args, data, out_max)
        except KeyError:
            ret, out = -9, b""              # EBADF: not one of this session's
        except (struct.error, ValueError, IndexError):
            ret, out = -22, b""
    if len(out) > out_max:
        raise Bad("out data beyond out_max for %s" % OPS[op - 1])
    return ret, out


def serve(conn, tenant):
    s = Session(conn, {})
    try:
        while True:     # it speaks version 1 only, as an older appliance
            h = HDR.unpack(s.read_exact(HDR.size))
            if h[1] != T_HELLO or h[0] != HELLO.size:
                raise Bad("first message is not HELLO")
            hello = HELLO.unpack(HDR.pack(*h) + s.read_exact(HELLO.size - HDR.size))
            if hello[5] == 1:
                break
            s.reply(h[3], -errno.EPROTONOSUPPORT)
        name = hello[8].split(b"\0")[0].decode()
        if name != tenant:
            s.reply(h[3], -2)
            return
        with SESSIONS_LOCK:
            if hello[7]:
                parent = SESSIONS.get(hello[7])
                if parent and hello[6] & HELLO_THREAD:
                    s.fds = parent.fds      # one table, as threads have
                elif parent:
                    s.fds = {n: os.dup(fd) for n, fd in parent.fds.items()}
            TABLE_USERS[id(s.fds)] = TABLE_USERS.get(id(s.fds), 0) + 1
            sid = NEXT_ID[0]
            NEXT_ID[0] += 1
            SESSIONS[sid] = s
        s.reply(h[3], 0, struct.pack("=q", sid))
        while True:
            h = HDR.unpack(s.read_exact(HDR.size))
            if h[0] < CALL.size or h[0] > MSG_MAX or h[1] != T_CALL:
                if h[1] == T_CANCEL and h[0] == HDR.size:
                    continue                # a CANCEL that missed its POLL
                raise Bad("bad header %r" % (h,))
            ret, out = serve_call(s, h, s.read_exact(h[0] - HDR.size))
            s.reply(h[3], ret, out)
    except (EOFError, ConnectionError):
        pass
    except Bad as e:
        print("fake_appliance: %s" % e, file=sys.stderr)
    finally:
        with SESSIONS_LOCK:
            users = TABLE_USERS.pop(id(s.fds), 1) - 1
            if users > 0:
                TABLE_USERS[id(s.fds)] = users
            else:
                for fd in s.fds.values():
                    os.close(fd)
            for k in [k for k, v in SESSIONS.items() if v is s]:
                del SESSIONS[k]
        conn.close()


def main():
    path, tenant = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(64)
    print("fake_appliance: serving %s on %s" % (tenant, path), flush=True)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, tenant), daemon=True).start()


if __name__ == "__main__":
    main()
