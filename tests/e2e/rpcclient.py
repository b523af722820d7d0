#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A client of the tool RPC (src/rpc/nrpc.h), stdlib only, for the tests.

    rpcclient.py SOCKET SCENARIO [ARGS...]

Each scenario prints "ok: ..." or "FAIL: ..." lines and exits 1 if any
check failed.  The message layouts are packed with struct from nrpc.h.
"""
import errno
import mmap
import os
import random
import select
import threading
import socket
import struct
import sys
import time

NRPC_VERSION = 1
MSG_MAX = 256 * 1024
DATA_MAX = MSG_MAX - 128
HELLO, CALL, CANCEL, REPLY = 1, 2, 3, 4
(SOCKET, CLOSE, BIND, CONNECT, LISTEN, ACCEPT, SHUTDOWN, GETSOCKNAME, GETPEERNAME,
 SENDTO, RECVFROM, SENDMSG, RECVMSG, SETSOCKOPT, GETSOCKOPT, IOCTL, FCNTL, READ,
 WRITE, POLL, OPEN, DUP, NULL) = range(1, 24)

RING = 5
HELLO_SHM = 0x2
SHM_MAGIC = 0x6e73686d
# struct nrpc_shm: magic version size req_off req_max rep_off rep_max pad0[8];
# then the client's words at 64 (req_seq cancel cli_wait), the appliance's at 128
SHM_HEAD = struct.Struct("=IIQIIIII")
SHM_BELL = 1
REQ_SEQ, CANCEL_W, CLI_WAIT, REP_SEQ, SRV_SPIN, CLOSED = 64, 68, 72, 128, 132, 136

HDR = struct.Struct("=IHHII")            # len, type, flags, seq, pad
HELLO_MSG = struct.Struct("=IHHII II Q 64s")
CALL_MSG = struct.Struct("=IHHII II 6q")
REPLY_MSG = struct.Struct("=IHHII q II")
POLLFD = struct.Struct("=ihh")
POLLIN, POLLNVAL = 0x1, 0x20
HELLO_THREAD = 0x1
SO_TIMESTAMP = 29       # Linux's; not in Python's socket module

failed = 0


def check(ok, what):
    global failed
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failed = 1
    return ok


def sockaddr_in(addr, port):
    return struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) + \
        socket.inet_aton(addr) + bytes(8)


class Closed(Exception):
    pass


class Rpc:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.seq = 0
        self.sid = 0

    def close(self):
        self.s.close()

    def send(self, data):
        self.s.sendall(data)

    def read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise Closed()
            buf += chunk
        return buf

    def reply(self):
        head = self.read_exact(REPLY_MSG.size)
        ln, typ, flags, seq, pad, ret, out_len, pad2 = REPLY_MSG.unpack(head)
        if typ != REPLY or ln != REPLY_MSG.size + out_len:
            raise Exception("bad reply header %r" % (REPLY_MSG.unpack(head),))
        return seq, ret, self.read_exact(out_len)

    def hello(self, tenant, fork_of=0, version=NRPC_VERSION, flags=0):
        self.seq += 1
        self.send(HELLO_MSG.pack(HELLO_MSG.size, HELLO, 0, self.seq, 0, version, flags,
                                 fork_of, tenant.encode()))
        seq, ret, out = self.reply()
        if ret == 0:
            self.sid = struct.unpack("=q", out)[0]
        return ret

    def call_msg(self, op, args=(), data=b"", out_max=DATA_MAX):
        self.seq += 1
        a = list(args) + [0] * (6 - len(args))
        return CALL_MSG.pack(CALL_MSG.size + len(data), CALL, 0, self.seq, 0, op,
                             out_max, *a) + data

    def start(self, op, args=(), data=b"", out_max=DATA_MAX):
        self.send(self.call_msg(op, args, data, out_max))

    def finish(self):
        seq, ret, out = self.reply()
        if seq != self.seq:
            raise Exception("reply seq %d, want %d" % (seq, self.seq))
        return ret, out

    def call(self, op, args=(), data=b"", out_max=DATA_MAX):
        self.start(op, args, data, out_max)
        return self.finish()

    def cancel(self):
        self.send(HDR.pack(HDR.size, CANCEL, 0, 0, 0))


class Chan(Rpc):
    """A session with a shared channel (version 2): calls written into the
    region, rung on the socket; replies read from the region."""

    def hello_shm(self, tenant):
        self.seq += 1
        self.send(HELLO_MSG.pack(HELLO_MSG.size, HELLO, 0, self.seq, 0, 2, HELLO_SHM, 0,
                                 tenant.encode()))
        msg, anc, _, _ = self.s.recvmsg(REPLY_MSG.size + 16, socket.CMSG_SPACE(16))
        while len(msg) < REPLY_MSG.size + 16:
            msg += self.read_exact(REPLY_MSG.size + 16 - len(msg))
        _, _, _, _, _, ret, out_len, _ = REPLY_MSG.unpack_from(msg)
        fds = []
        for level, typ, data in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds += list(struct.unpack("=%di" % (len(data) // 4), data[:len(data) // 4 * 4]))
        if ret != 0 or out_len != 16 or len(fds) not in (1, 2):
            raise Exception("HELLO for a channel: ret %d, %d bytes, fds %r" % (ret, out_len, fds))
        self.sid, size = struct.unpack_from("=qQ", msg, REPLY_MSG.size)
        self.memfd = fds[0]
        self.size = size
        self.m = mmap.mmap(self.memfd, size)
        (self.magic, self.version, self.rsize, self.req_off, self.req_max, self.rep_off,
         self.rep_max, self.features) = SHM_HEAD.unpack_from(self.m)
        self.nfds = len(fds)
        self.bell = fds[1] if len(fds) == 2 and self.features & SHM_BELL else None
        self.use_bell = self.bell is not None
        return 0

    def u32(self, off, v=None):
        # One 4-byte load or store, as the library makes them: never
        # struct.pack_into, which zeroes its bytes first and then writes
        # them one by one, so that the appliance may read a seq of 0 or
        # half written (and close the session for it, rightly).
        if getattr(self, "w32", None) is None or self.w32.obj is not self.m:
            self.w32 = memoryview(self.m).cast("I")
        if off % 4:
            raise ValueError("u32 at %d: not aligned" % off)
        if v is None:
            return self.w32[off // 4]
        self.w32[off // 4] = v & 0xffffffff

    def ring(self):
        """The doorbell's eventfd if there is one (and use_bell), else a
        RING on the socket; which one it was."""
        if getattr(self, "use_bell", False):
            try:
                os.write(self.bell, struct.pack("=Q", 1))
                return "bell"
            except OSError:     # full (a fuzzing client filled it): the socket
                pass
        self.send(HDR.pack(HDR.size, RING, 0, self.seq, 0))
        return "socket"

    def start(self, op, args=(), data=b"", out_max=DATA_MAX):
        msg = self.call_msg(op, args, data, out_max)
        self.m[self.req_off:self.req_off + len(msg)] = msg
        self.u32(REQ_SEQ, self.seq)
        self.polling = op == POLL
        self.ring()

    def finish(self, timeout=10):
        end = time.time() + timeout
        if self.polling:       # a POLL's reply is rung on the socket
            self.s.settimeout(timeout)
            h = HDR.unpack(self.read_exact(HDR.size))
            if h[1] != RING or h[3] != self.seq:
                raise Exception("not the POLL's RING: %r" % (h,))
        while self.u32(REP_SEQ) != self.seq:
            if self.u32(CLOSED):
                raise Closed()
            if time.time() > end:
                raise socket.timeout()
            time.sleep(0.0002)
        ln, typ, flags, seq, pad, ret, out_len, pad2 = REPLY_MSG.unpack_from(self.m, self.rep_off)
        if typ != REPLY or ln != REPLY_MSG.size + out_len:
            raise Exception("bad reply header")
        o = self.rep_off + REPLY_MSG.size
        return ret, bytes(self.m[o:o + out_len])

    def cancel(self):
        self.u32(CANCEL_W, self.seq)
        self.ring()

    def closed(self, timeout=5):
        """Has the appliance ended the session (its socket closed)?"""
        self.s.settimeout(timeout)
        try:
            while True:
                d = self.s.recv(4096)
                if not d:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def chan_hello(path, tenant):
    c = Chan(path)
    c.hello_shm(tenant)
    return c


def connect_hello(path, tenant):
    r = Rpc(path)
    ret = r.hello(tenant)
    if ret:
        raise Exception("HELLO %s: %d" % (tenant, ret))
    return r


def tcp_listener(r, addr, port):
    fd, _ = r.call(SOCKET, (socket.AF_INET, socket.SOCK_STREAM, 0))
    r.call(SETSOCKOPT, (fd, socket.SOL_SOCKET, socket.SO_REUSEADDR), struct.pack("=i", 1))
    ret, _ = r.call(BIND, (fd,), sockaddr_in(addr, port))
    if ret == 0:
        ret, _ = r.call(LISTEN, (fd, 8))
    return fd, ret


def nulls_while_pending(path, tenant, pending):
    """NULL calls on another session until @pending's reply is readable."""
    other = connect_hello(path, tenant)
    lat = []
    while not select.select([pending.s], [], [], 0)[0]:
        t0 = time.perf_counter()
        ret, _ = other.call(NULL)
        lat.append(time.perf_counter() - t0)
        if ret != 0 or len(lat) > 2000000:
            break
    other.close()
    return lat


# --- scenarios ---

def sc_hello(path, tenant):
    r = Rpc(path)
    ret = r.hello(tenant)
    print("hello %s: %d session %d" % (tenant, ret, r.sid), flush=True)
    return 0 if ret == 0 else 1


def sc_echo(path, tenant, addr, port):
    """A TCP server in the tenant: ACCEPT blocks while another session runs
    NULL calls; then RECVFROM and SENDTO the upper-cased bytes back."""
    r = connect_hello(path, tenant)
    lfd, ret = tcp_listener(r, addr, int(port))
    check(ret == 0, "SOCKET+BIND+LISTEN on %s:%s (fd %d)" % (addr, port, lfd))
    print("listening", flush=True)
    t0 = time.time()
    r.start(ACCEPT, (lfd, 0))
    lat = nulls_while_pending(path, tenant, r)
    fd, out = r.finish()
    alen = struct.unpack_from("=I", out)[0]
    peer = socket.inet_ntoa(out[8:12]) if alen >= 8 else "?"
    check(fd >= 0, "ACCEPT after %.2f s: fd %d from %s" % (time.time() - t0, fd, peer))
    lat.sort()
    check(len(lat) >= 20 and lat[len(lat) // 2] < 0.05,
          "another session made %d NULL calls meanwhile (median %.0f us, max %.0f us)"
          % (len(lat), lat[len(lat) // 2] * 1e6 if lat else 0, lat[-1] * 1e6 if lat else 0))
    got, out = r.call(RECVFROM, (fd, 4096, 0))
    data = out[4 + 128:]
    check(got > 0 and data == out[132:132 + got], "RECVFROM: %r" % data)
    ret, _ = r.call(SENDTO, (fd, 0, 0), data.upper())
    check(ret == len(data), "SENDTO %d bytes back" % ret)
    r.call(CLOSE, (fd,))
    r.call(CLOSE, (lfd,))
    return failed


def sc_poll(path, tenant):
    r = connect_hello(path, tenant)
    fd, _ = r.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
    r.call(BIND, (fd,), sockaddr_in("127.0.0.1", 7001))
    pfd = POLLFD.pack(fd, POLLIN, 0)
    t0 = time.time()
    ret, out = r.call(POLL, (1, 300), pfd)
    dt = time.time() - t0
    check(ret == 0 and 0.25 < dt < 1.5, "POLL 300 ms on a quiet socket: %d after %.0f ms"
          % (ret, dt * 1000))
    t0 = time.time()
    r.start(POLL, (1, -1), pfd)
    time.sleep(0.3)
    check(not select.select([r.s], [], [], 0)[0], "POLL without timeout still pending")
    r.cancel()
    ret, out = r.finish()
    dt = time.time() - t0
    check(ret == 0 and dt < 1.0, "CANCEL ended it: %d after %.0f ms" % (ret, dt * 1000))
    t0 = time.time()
    ret, _ = r.call(POLL, (1, 200), pfd)
    dt = time.time() - t0
    check(ret == 0 and dt > 0.15, "the next POLL is not woken by the old cancel (%.0f ms)"
          % (dt * 1000))
    r.call(SENDTO, (fd, 0, 16), sockaddr_in("127.0.0.1", 7001) + b"ping")
    ret, out = r.call(POLL, (1, 1000), pfd)
    revents = POLLFD.unpack(out)[2] if len(out) == POLLFD.size else 0
    check(ret == 1 and revents & POLLIN, "POLL sees a datagram: %d, revents %#x"
          % (ret, revents))
    r.cancel()      # nothing pending: ignored, no reply
    ret, _ = r.call(NULL)
    check(ret == 0, "a stray CANCEL is ignored")
    ret, out = r.call(POLL, (2, 0), pfd + POLLFD.pack(0, POLLIN, 0))
    hidden = POLLFD.unpack(out[POLLFD.size:])[2] if len(out) == 2 * POLLFD.size else 0
    check(hidden in (0, POLLNVAL), "fd 0 in a POLL: revents %#x (never the session's "
          "eventfd)" % hidden)
    return failed


def sc_proc(path, tenant, want):
    r = connect_hello(path, tenant)
    fd, _ = r.call(OPEN, (os.O_RDONLY, 0), b"/proc/net/dev\0")
    text = b""
    while fd >= 0:
        n, out = r.call(READ, (fd, 65536))
        if n <= 0:
            break
        text += out
    check(fd >= 0 and want.encode() in text, "OPEN+READ /proc/net/dev shows %s (%d bytes)"
          % (want, len(text)))
    for p in ("/etc/passwd", "/proc/net/../../etc/passwd", "/proc/self/net/../status",
              "/proc/1/net/dev", "proc/net/dev"):
        ret, _ = r.call(OPEN, (os.O_RDONLY, 0), p.encode() + b"\0")
        check(ret == -errno.EACCES, "OPEN %s refused: %d" % (p, ret))
    ret, _ = r.call(OPEN, (os.O_WRONLY, 0), b"/proc/sys/kernel/hostname\0")
    check(ret == -errno.EACCES, "OPEN /proc/sys/kernel/... for writing refused: %d" % ret)
    fd, _ = r.call(OPEN, (os.O_RDONLY, 0), b"/proc/sys/kernel/ostype\0")
    check(fd >= 0, "OPEN /proc/sys/kernel/ostype for reading: %d" % fd)
    fd, _ = r.call(OPEN, (os.O_WRONLY | os.O_TRUNC, 0),
                   b"/proc/sys/net/ipv4/conf/all/forwarding\0")
    ret, _ = r.call(WRITE, (fd,), b"1\n")
    check(fd >= 0 and ret == 2, "WRITE 1 to the tenant's net.ipv4.conf.all.forwarding: %d"
          % ret)
    return failed


def expect_closed(path, data, what, tenant=None):
    r = Rpc(path)
    try:
        if tenant:
            r.hello(tenant)
        r.send(data)
        r.s.settimeout(5)
        got = r.s.recv(4096)
        check(got == b"", "%s: connection closed" % what)
    except (ConnectionResetError, BrokenPipeError):
        check(True, "%s: connection reset" % what)
    except socket.timeout:
        check(False, "%s: still open after 5 s" % what)
    r.close()


def sc_garbage(path, tenant):
    bystander = connect_hello(path, tenant)
    expect_closed(path, HDR.pack(8, HELLO, 0, 1, 0), "length 8 < header")
    expect_closed(path, HDR.pack(1 << 31, CALL, 0, 1, 0) + bytes(64), "length 2 GiB")
    expect_closed(path, HDR.pack(MSG_MAX + 1, CALL, 0, 1, 0), "length NRPC_MSG_MAX + 1")
    expect_closed(path, HDR.pack(16, 99, 0, 1, 0), "type 99")
    expect_closed(path, HDR.pack(16, REPLY, 0, 1, 0), "a REPLY from the client")
    expect_closed(path, HDR.pack(16, HELLO, 7, 1, 0), "flags 7")
    expect_closed(path, CALL_MSG.pack(CALL_MSG.size, CALL, 0, 1, 0, NULL, 0, 0, 0, 0, 0, 0, 0),
                  "a CALL before HELLO")
    expect_closed(path, HDR.pack(20, CANCEL, 0, 1, 0) + bytes(4), "CANCEL with a body")
    expect_closed(path, os.urandom(4096), "4 KiB of random bytes")
    expect_closed(path, HELLO_MSG.pack(HELLO_MSG.size, HELLO, 0, 1, 0, 1, 0, 0,
                                       tenant.encode()), "HELLO twice", tenant)
    two = CALL_MSG.pack(CALL_MSG.size, CALL, 0, 1, 0, NULL, 0, 0, 0, 0, 0, 0, 0)
    expect_closed(path, CALL_MSG.pack(CALL_MSG.size, CALL, 0, 1, 0, POLL, 0, 0, -1,
                                      0, 0, 0, 0) + two, "a call while a POLL is in flight",
                  tenant)

    r = Rpc(path)
    check(r.hello(tenant, version=99) == -errno.EPROTONOSUPPORT, "HELLO version 99")
    check(r.hello("nosuchtenant") == -errno.ENOENT, "HELLO an unknown tenant: -ENOENT")
    r.seq += 1
    r.send(HELLO_MSG.pack(HELLO_MSG.size, HELLO, 0, r.seq, 0, 1, 0, 0, b"x" * 64))
    check(r.reply()[1] == -errno.EINVAL, "HELLO with an unterminated tenant: -EINVAL")
    r.seq += 1
    r.send(HDR.pack(HDR.size + 4, HELLO, 0, r.seq, 0) + bytes(4))
    check(r.reply()[1] == -errno.EINVAL, "a short HELLO: -EINVAL")
    check(r.hello(tenant, fork_of=1 << 60) == -errno.ESRCH, "HELLO fork_of an unknown "
          "session: -ESRCH")
    check(r.hello(tenant) == 0, "then a good HELLO on the same connection")

    def expect(ret, want, what):
        check(ret == want, "%s: %d (want %d)" % (what, ret, want))

    r.seq += 1
    r.send(HDR.pack(HDR.size + 8, CALL, 0, r.seq, 0) + bytes(8))
    expect(r.finish()[0], -errno.EINVAL, "a CALL shorter than struct nrpc_call")
    expect(r.call(0)[0], -errno.ENOSYS, "op 0")
    expect(r.call(999)[0], -errno.ENOSYS, "op 999")
    expect(r.call(NULL, data=b"x")[0], -errno.EINVAL, "NULL with in data")
    fd, _ = r.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
    expect(r.call(BIND, (fd,), bytes(500))[0], -errno.EINVAL, "BIND with a 500-byte address")
    expect(r.call(SENDTO, (fd, 0, 1 << 20), b"abc")[0], -errno.EINVAL,
           "SENDTO with an address length past the data")
    expect(r.call(SENDMSG, (fd, 0), struct.pack("=II", 16, 1 << 30) + bytes(16))[0],
           -errno.EINVAL, "SENDMSG with a control length past the data")
    expect(r.call(POLL, (3, 0), bytes(8))[0], -errno.EINVAL, "POLL nfds 3 with one pollfd")
    expect(r.call(POLL, (1 << 40, 0))[0], -errno.EINVAL, "POLL nfds 2^40")
    expect(r.call(CLOSE, (-1,))[0], -errno.EBADF, "CLOSE -1")
    expect(r.call(CLOSE, ((1 << 32) + fd,))[0], -errno.EBADF, "CLOSE 2^32 + fd")
    expect(r.call(READ, (4000, 16))[0], -errno.EBADF, "READ fd 4000")
    pfd, _ = r.call(OPEN, (os.O_RDONLY, 0), b"/proc/net/dev\0")
    ret, out = r.call(READ, (pfd, 1 << 40), out_max=(1 << 32) - 1)
    check(0 < ret == len(out), "READ of 2^40 bytes, out_max 4 GiB: %d bytes" % ret)
    r.call(CLOSE, (pfd,))
    expect(r.call(RECVFROM, (fd, 100, 0), out_max=10)[0], -errno.EINVAL,
           "RECVFROM with out_max too small for the address")
    expect(r.call(SOCKET, (socket.AF_UNIX, socket.SOCK_STREAM, 0))[0], -errno.EAFNOSUPPORT,
           "SOCKET AF_UNIX")
    expect(r.call(IOCTL, (fd, 0x890B, 0))[0], -errno.ENOTTY, "ioctl SIOCADDRT (pointers)")
    expect(r.call(IOCTL, (fd, 0x541B, 64))[0], -errno.EINVAL, "FIONREAD with 64 bytes")
    expect(r.call(FCNTL, (fd, 0, 10))[0], -errno.EINVAL, "fcntl F_DUPFD")
    expect(r.call(SETSOCKOPT, (fd, socket.SOL_SOCKET, 60), struct.pack("=i", 1))[0],
           -errno.ENOPROTOOPT, "SO_ZEROCOPY")
    tfd, _ = r.call(SOCKET, (socket.AF_INET, socket.SOCK_STREAM, 0))
    expect(r.call(GETSOCKOPT, (tfd, socket.IPPROTO_TCP, 35, 64))[0], -errno.ENOPROTOOPT,
           "getsockopt TCP_ZEROCOPY_RECEIVE")
    accept_all = struct.pack("=I", 1) + struct.pack("=HBBI", 0x06, 0, 0, 0xffffffff)
    expect(r.call(SETSOCKOPT, (fd, socket.SOL_SOCKET, 26), accept_all)[0], 0,
           "SO_ATTACH_FILTER, one instruction")
    expect(r.call(SETSOCKOPT, (fd, socket.SOL_SOCKET, 26), struct.pack("=I", 5000))[0],
           -errno.EINVAL, "SO_ATTACH_FILTER whose count is not the data's")
    ret, out = r.call(GETSOCKOPT, (fd, socket.SOL_SOCKET, 26, 1))
    check(ret == 0 and out[:4] == struct.pack("=I", 1) and out[4:12] == accept_all[4:],
          "SO_GET_FILTER: the length counts instructions (%d, %r)" % (ret, out[:12]))
    ret, out = r.call(GETSOCKOPT, (fd, socket.IPPROTO_IP, 41, 16),
                      struct.pack("=4I", 0xe0000001, 0, 0, 1 << 30))
    check(ret < 0, "IP_MSFILTER get asking for 2^30 sources in 16 bytes: %d" % ret)
    ret, out = r.call(IOCTL, (fd, 0x8912, 4096))
    check(ret > 0 and b"lo" in out, "SIOCGIFCONF: %d bytes" % ret)
    ret, _ = r.call(IOCTL, (fd, 0x8912, 0))
    check(ret > 0, "SIOCGIFCONF with no buffer: %d bytes needed" % ret)
    ret, out = r.call(IOCTL, (fd, 0x541B, 4), bytes(4))
    check(ret == 0 and len(out) == 4, "FIONREAD: %d, %d bytes" % (ret, len(out)))
    for fdn in range(0, 4):     # one of them is the session's eventfd
        if fdn in (fd, tfd):
            continue
        expect(r.call(READ, (fdn, 8))[0], -errno.EBADF, "READ the unknown fd %d" % fdn)
    expect(r.call(NULL)[0], 0, "the session still works")
    ret, _ = bystander.call(NULL)
    check(ret == 0, "a session opened before all this still works")
    return failed


def sc_iptables(path, tenant):
    """IPT_SO_SET_REPLACE of the filter table by itself, its counters pointer
    garbage: the appliance must point it at its own buffer."""
    r = connect_hello(path, tenant)
    fd, _ = r.call(SOCKET, (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW))
    name = b"filter".ljust(32, b"\0")
    ret, out = r.call(GETSOCKOPT, (fd, socket.IPPROTO_IP, 64, 84), name)
    if not check(ret == 0 and len(out) == 4 + 84, "IPT_SO_GET_INFO filter: %d" % ret):
        return failed
    info = out[4:]
    hooks = info[32:36]
    hook_entry, underflow = info[36:56], info[56:76]
    num, size = struct.unpack_from("=II", info, 76)
    ret, out = r.call(GETSOCKOPT, (fd, socket.IPPROTO_IP, 65, 40 + size),
                      name + struct.pack("=II", size, 0))
    check(ret == 0 and len(out) == 4 + 40 + size, "IPT_SO_GET_ENTRIES: %d entries, %d bytes"
          % (num, size))
    entries = out[4 + 40:]
    repl = name + hooks + struct.pack("=II", num, size) + hook_entry + underflow + \
        struct.pack("=IQ", num, 0x4141414141414141) + entries
    ret, out = r.call(SETSOCKOPT, (fd, socket.IPPROTO_IP, 64), repl)
    check(ret == 0 and len(out) == num * 16, "IPT_SO_SET_REPLACE with a garbage counters "
          "pointer: %d, %d bytes of old counters" % (ret, len(out)))
    ret, _ = r.call(SETSOCKOPT, (fd, socket.IPPROTO_IP, 64), repl[:50])
    check(ret == -errno.EINVAL, "a replace shorter than struct ipt_replace: %d" % ret)
    return failed


def sc_flood(path, count):
    """Many connections with a bad header: each closed, the log rate-limited."""
    for _ in range(int(count)):
        r = Rpc(path)
        r.send(HDR.pack(4, HELLO, 0, 1, 0))
        r.s.settimeout(5)
        if r.s.recv(16) != b"":
            check(False, "a bad header left the connection open")
            return failed
        r.close()
    check(True, "%s connections with a bad header, each closed" % count)
    return failed


def sc_slow(path, tenant):
    """A message arriving one byte at a time, and a reply larger than the
    socket buffer that the program reads late, while another session is
    served meanwhile."""
    r = Rpc(path)
    r.seq += 1
    msg = HELLO_MSG.pack(HELLO_MSG.size, HELLO, 0, r.seq, 0, 1, 0, 0, tenant.encode())
    for b in msg:
        r.send(bytes([b]))
        time.sleep(0.001)
    check(r.reply()[1] == 0, "HELLO sent a byte at a time")
    a = connect_hello(path, tenant)
    lfd, ret = tcp_listener(a, "127.0.0.1", 7002)
    cfd, _ = r.call(SOCKET, (socket.AF_INET, socket.SOCK_STREAM, 0))
    ret, _ = r.call(CONNECT, (cfd,), sockaddr_in("127.0.0.1", 7002))
    afd, _ = a.call(ACCEPT, (lfd, 0))
    check(ret == 0 and afd >= 0, "CONNECT and ACCEPT over the tenant's loopback")
    big = os.urandom(250000)        # more than a unix socket buffer
    sent = 0
    while sent < len(big):
        n, _ = r.call(SENDTO, (cfd, 0, 0), big[sent:sent + 65536])
        if n <= 0:
            break
        sent += n
    a.start(RECVFROM, (afd, sent, socket.MSG_WAITALL))
    time.sleep(0.5)         # the reply waits in the appliance meanwhile
    lat = []
    b = connect_hello(path, tenant)
    for _ in range(50):
        t0 = time.perf_counter()
        b.call(NULL)
        lat.append(time.perf_counter() - t0)
    check(max(lat) < 0.1, "NULLs of a third session meanwhile: max %.0f us" % (max(lat) * 1e6))
    n, out = a.finish()
    data = out[132:]
    check(n == sent == len(big) and data == big,
          "a %d-byte reply read late arrived whole" % len(out))
    return failed


def sc_listen(path, tenant, addr, port, mode):
    """mode "block": listen, then block in ACCEPT forever (to be killed);
    "bind": SOCKET+BIND+LISTEN and print the result."""
    r = connect_hello(path, tenant)
    lfd, ret = tcp_listener(r, addr, int(port))
    print("listen %s:%s: %d" % (addr, port, ret), flush=True)
    if mode == "block" and ret == 0:
        print("accepting", flush=True)
        r.call(ACCEPT, (lfd, 0))
    return 0 if ret == 0 else 1


def sc_fork(path, tenant, other_uid):
    """A session forked from another has a copy of its descriptors; one of
    another uid (that may connect: the appliance's own) may not fork from it."""
    a = connect_hello(path, tenant)
    fd, _ = a.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
    a.call(BIND, (fd,), sockaddr_in("127.0.0.1", 7003))
    b = Rpc(path)
    check(b.hello(tenant, fork_of=a.sid) == 0, "HELLO fork_of session %d" % a.sid)
    ret, out = b.call(GETSOCKNAME, (fd,))
    port = struct.unpack("!H", out[6:8])[0] if len(out) >= 8 else 0
    check(ret == 0 and port == 7003, "the child has the parent's fd %d (port %d)" % (fd, port))
    b.call(CLOSE, (fd,))
    ret, _ = a.call(GETSOCKNAME, (fd,))
    check(ret == 0, "the child's CLOSE left the parent's fd open")
    ret, out = b.call(POLL, (0, 100))
    check(ret == 0, "the child's POLL uses its own eventfd: %d" % ret)
    pid = os.fork()
    if pid == 0:
        os.setgroups([100])     # users: the rpc group, so it may connect
        os.setresgid(int(other_uid), int(other_uid), int(other_uid))
        os.setresuid(int(other_uid), int(other_uid), int(other_uid))
        c = Rpc(path)
        os._exit(0 if c.hello(tenant, fork_of=a.sid) == -errno.EACCES else 1)
    check(os.waitpid(pid, 0)[1] == 0, "uid %s may not fork from root's session" % other_uid)
    return failed


def sc_thread(path, tenant, other_uid):
    """A thread's session (HELLO_THREAD) shares its process's descriptors,
    so one may block in a call on them while the other works; another
    process, even of the same uid, may not join; the thread's eventfd goes
    when it ends."""
    a = connect_hello(path, tenant)
    probe, _ = a.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
    a.call(CLOSE, (probe,))
    b = Rpc(path)
    check(b.hello(tenant, fork_of=a.sid, flags=HELLO_THREAD) == 0,
          "HELLO_THREAD of session %d" % a.sid)
    fd, _ = b.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
    b.call(BIND, (fd,), sockaddr_in("127.0.0.1", 7004))
    ret, out = a.call(GETSOCKNAME, (fd,))
    port = struct.unpack("!H", out[6:8])[0] if len(out) >= 8 else 0
    check(ret == 0 and port == 7004, "the thread's socket %d is the process's (port %d)"
          % (fd, port))
    b.start(RECVFROM, (fd, 64, 0))
    time.sleep(0.2)
    ret, _ = a.call(NULL)
    check(ret == 0 and not select.select([b.s], [], [], 0)[0],
          "a call works while the thread's RECVFROM blocks on a shared socket")
    s2, _ = a.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
    a.call(SENDTO, (s2, 0, 16), sockaddr_in("127.0.0.1", 7004) + b"wake")
    ret, out = b.finish()
    check(ret == 4 and out.endswith(b"wake"), "and the other session's datagram wakes it")
    ret, _ = b.call(POLL, (0, 50))
    check(ret == 0, "the thread's POLL has its own eventfd: %d" % ret)
    for flags, fork_of, want, what in ((0x2, a.sid, -errno.EINVAL, "unknown HELLO flags"),
                                       (HELLO_THREAD, 0, -errno.EINVAL, "HELLO_THREAD of no session"),
                                       (HELLO_THREAD, 1 << 40, -errno.ESRCH, "HELLO_THREAD of none such")):
        c = Rpc(path)
        ret = c.hello(tenant, fork_of=fork_of, flags=flags)
        check(ret == want, "%s: %d" % (what, ret))
        c.close()
    for uid in (0, int(other_uid)):
        pid = os.fork()
        if pid == 0:
            if uid:
                os.setgroups([100])     # users: the rpc group, so it may connect
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
            c = Rpc(path)
            os._exit(0 if c.hello(tenant, fork_of=a.sid, flags=HELLO_THREAD) == -errno.EACCES
                     else 1)
        check(os.waitpid(pid, 0)[1] == 0,
              "another process (uid %d) may not join the session as a thread" % uid)
    a.call(CLOSE, (s2,))
    b.close()
    for _ in range(50):         # the thread's eventfd closes after it ends
        n, _ = a.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
        a.call(CLOSE, (n,))
        if n == probe:
            break
        time.sleep(0.05)
    check(n == probe, "after the thread ends its eventfd is gone: fd %d again (%d)"
          % (probe, n))
    ret, _ = a.call(GETSOCKNAME, (fd,))
    check(ret == 0, "the thread's socket outlives its session, as a thread's does")
    return failed


def fork_hello(b, sid, tenant):
    """Send a HELLO fork_of @sid without waiting for its reply."""
    b.seq += 1
    b.send(HELLO_MSG.pack(HELLO_MSG.size, HELLO, 0, b.seq, 0, NRPC_VERSION, 0, sid,
                          tenant.encode()))


def bind_listen(path, tenant, port):
    """SOCKET+BIND+LISTEN on 0.0.0.0:@port in a new session, no SO_REUSEADDR,
    then that session ends: 0, or -EADDRINUSE while another listens."""
    c = connect_hello(path, tenant)
    fd, _ = c.call(SOCKET, (socket.AF_INET, socket.SOCK_STREAM, 0))
    ret, _ = c.call(BIND, (fd,), sockaddr_in("0.0.0.0", port))
    if ret == 0:
        ret, _ = c.call(LISTEN, (fd, 1))
    c.close()
    return ret


def port_freed(path, tenant, port):
    for _ in range(50):
        ret = bind_listen(path, tenant, port)
        if ret != -errno.EADDRINUSE:
            return ret
        time.sleep(0.1)
    return ret


def sc_forkgone(path, tenant, port):
    """A forked session's copy of its parent's listener lives as long as
    the child's connection, and no longer: however parent and child end
    (the child first, the child before its HELLO is answered, the parent
    first), once both have gone the port can be bound again."""
    port = int(port)
    for how in ("the child first", "the child before its HELLO's reply",
                "the parent first"):
        a = connect_hello(path, tenant)
        # port_freed()'s own listener goes with its session, which the
        # appliance ends after that connection closes: on another CPU,
        # perhaps a little later
        for _ in range(50):
            lfd, ret = tcp_listener(a, "0.0.0.0", port)
            if ret != -errno.EADDRINUSE:
                break
            a.call(CLOSE, (lfd,))
            time.sleep(0.1)
        if not check(ret == 0, "%s: the parent listens on %d" % (how, port)):
            return failed
        b = Rpc(path)
        if how == "the child before its HELLO's reply":
            fork_hello(b, a.sid, tenant)
            b.close()
        else:
            check(b.hello(tenant, fork_of=a.sid) == 0, "%s: HELLO fork_of" % how)
        if how == "the child first":
            b.close()
        a.call(CLOSE, (lfd,))
        a.close()
        if how == "the parent first":
            ret = bind_listen(path, tenant, port)
            check(ret == -errno.EADDRINUSE, "%s: the child's copy still listens (%d)"
                  % (how, ret))
            b.close()
        ret = port_freed(path, tenant, port)
        check(ret == 0, "%s: with both gone, port %d is free (%d)" % (how, port, ret))
    return failed


def sc_recvmsg(path, tenant):
    """RECVMSG's out_max bounds exactly what its reply carries (nrpc.h):
    the three u32, namemax, controlmax and the data.  A datagram received
    into a buffer of its exact size comes whole, whatever the appliance
    pads between name and control while it receives."""
    r = connect_hello(path, tenant)
    fd, _ = r.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
    to = sockaddr_in("127.0.0.1", 7004)
    r.call(BIND, (fd,), to)
    r.call(SETSOCKOPT, (fd, socket.SOL_SOCKET, SO_TIMESTAMP), struct.pack("=i", 1))
    data = b"0123456789"
    for namemax, ctlmax in ((16, 0), (0, 0), (5, 32), (16, 32)):
        r.call(SENDTO, (fd, 0, len(to)), to + data)
        out_max = 12 + namemax + ctlmax + len(data)
        ret, out = r.call(RECVMSG, (fd, 0, len(data), namemax, ctlmax), out_max=out_max)
        nl, cl, flags = struct.unpack_from("=III", out) if len(out) >= 12 else (-1, -1, 0)
        got = out[12 + nl + cl:] if nl >= 0 else b""
        check(ret == len(data) and got == data and not flags & socket.MSG_TRUNC and
              nl == namemax and cl == ctlmax and len(out) == out_max,
              "RECVMSG namemax %d controlmax %d, out_max %d: %d, %d bytes out, name %d, "
              "control %d, data %r" % (namemax, ctlmax, out_max, ret, len(out), nl, cl, got))
    r.call(SENDTO, (fd, 0, len(to)), to + data)
    ret, out = r.call(RECVMSG, (fd, 0, len(data), 16, 0), out_max=12 + 16 + 4)
    check(ret == 4 and out[28:] == data[:4] and len(out) == 32,
          "RECVMSG with out_max 4 bytes short of the datagram: %d, %r" % (ret, out[28:]))
    return failed


def sc_null(path, tenant, count):
    r = connect_hello(path, tenant)
    lat = []
    for _ in range(int(count)):
        t0 = time.perf_counter()
        r.call(NULL)
        lat.append(time.perf_counter() - t0)
    lat.sort()
    n = len(lat)
    print("NULL round trip over %d calls: mean %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us"
          % (n, sum(lat) / n * 1e6, lat[n // 2] * 1e6, lat[n * 99 // 100] * 1e6,
             lat[-1] * 1e6), flush=True)
    return 0


def sc_refused(path, tenant):
    """Expect the appliance to refuse this process."""
    try:
        r = Rpc(path)
    except OSError as e:
        print("refused at connect: %s" % e.strerror, flush=True)
        return 0
    # A refused peer gets its answer (seq 0) at once, maybe before its
    # HELLO is sent (which then fails): it is still there to read.
    ret = None
    try:
        ret = r.hello(tenant)
    except (Closed, BrokenPipeError, ConnectionResetError):
        try:
            ret = r.reply()[1]
        except (Closed, ConnectionResetError):
            pass
    print("answered %s" % ret, flush=True)
    return 0 if ret == -errno.EACCES else 1


def sc_shm(path, tenant):
    """A session with a shared channel: its layout, calls and POLL/CANCEL
    through it, the region sealed; a version 1 client beside it."""
    c = chan_hello(path, tenant)
    check(c.magic == SHM_MAGIC and c.version == 2 and c.rsize == c.size and
          c.req_max >= MSG_MAX and c.rep_max >= MSG_MAX and
          c.req_off + c.req_max <= c.size and c.rep_off + c.rep_max <= c.size,
          "the region's layout: %d bytes, calls at %d, replies at %d"
          % (c.size, c.req_off, c.rep_off))
    check(c.bell is not None and c.nfds == 2,
          "the HELLO reply carried a doorbell (features %#x, %d descriptors)"
          % (c.features, c.nfds))
    try:
        os.ftruncate(c.memfd, 4096)
        check(False, "the client shrank the region")
    except OSError as e:
        check(e.errno == errno.EPERM, "the region cannot shrink (sealed): %s" % e.strerror)
    try:
        os.ftruncate(c.memfd, c.size * 2)
        check(False, "the client grew the region")
    except OSError as e:
        check(e.errno == errno.EPERM, "nor grow: %s" % e.strerror)
    ret, _ = c.call(NULL)
    check(ret == 0, "NULL through the channel: %d" % ret)
    fd, _ = c.call(SOCKET, (socket.AF_INET, socket.SOCK_DGRAM, 0))
    ret, _ = c.call(BIND, (fd,), sockaddr_in("127.0.0.1", 7011))
    check(fd >= 0 and ret == 0, "SOCKET and BIND through the channel: fd %d, %d" % (fd, ret))
    big = bytes(range(256)) * 300
    to = sockaddr_in("127.0.0.1", 7011)
    ret, _ = c.call(SENDTO, (fd, 0, len(to)), to + big[:60000])
    got, out = c.call(RECVFROM, (fd, 65536, 0))
    check(ret == 60000 and got == 60000 and out[4 + 128:] == big[:60000],
          "a 60,000-byte datagram out and back through the region: %d, %d" % (ret, got))
    pfd = POLLFD.pack(fd, POLLIN, 0)
    t0 = time.time()
    c.start(POLL, (1, -1), pfd)
    time.sleep(0.3)
    check(not select.select([c.s], [], [], 0)[0] and c.u32(REP_SEQ) != c.seq,
          "POLL without timeout still pending")
    c.cancel()
    ret, _ = c.finish()
    check(ret == 0 and time.time() - t0 < 1.5, "CANCEL through the channel ended it: %d" % ret)
    c.call(SENDTO, (fd, 0, len(to)), to + b"x")
    ret, out = c.call(POLL, (1, 1000), pfd)
    check(ret == 1, "POLL through the channel sees a datagram: %d" % ret)
    # the socket of a channel's session carries RINGs only
    c.send(c.call_msg(NULL))
    check(c.closed(), "a CALL on the socket of a channel's session: closed")
    v1 = connect_hello(path, tenant)
    ret, _ = v1.call(NULL)
    check(ret == 0, "a version 1 session works beside it: %d" % ret)
    return failed


def sc_shmwake(path, tenant, count):
    """Calls rung only when the region says the kernel's CPU is not
    watching (@srv_spin clear), as the preload library rings, with pauses
    of 0 to 3 ms between them so that it goes to sleep now and then: no
    call may be lost between its look and its sleep.  Three sessions take
    turns."""
    count = int(count)
    rnd = random.Random(count)
    cs = [chan_hello(path, tenant) for _ in range(3)]
    unrung = slept = lost = 0
    rings = {"bell": 0, "socket": 0}
    for i in range(count):
        c = cs[i % len(cs)]
        c.seq += 1
        msg = c.call_msg(NULL)
        c.m[c.req_off:c.req_off + len(msg)] = msg
        c.u32(REQ_SEQ, c.seq)
        if c.u32(SRV_SPIN):
            unrung += 1
        else:
            slept += 1
            # the doorbell, or the socket: the kernel's CPU wakes for both
            c.use_bell = c.bell is not None and rnd.random() < 0.7
            rings[c.ring()] += 1
        c.polling = False
        try:
            ret, _ = c.finish(timeout=2)
        except socket.timeout:
            lost += 1
            break
        if ret != 0:
            check(False, "NULL %d: %d" % (i, ret))
            break
        if rnd.random() < 0.3:
            time.sleep(rnd.random() * 0.003)
    check(not lost, "%d calls, %d not rung (the kernel's CPU was watching), %d rung: "
          "none lost" % (count, unrung, slept))
    check(unrung > 0 and slept > 0, "both kinds happened: %d and %d" % (unrung, slept))
    check(rings["bell"] > 0 and rings["socket"] > 0,
          "rung on the doorbell %d times, on the socket %d" % (rings["bell"], rings["socket"]))
    return failed


def scribble(c, stop, rnd):
    """Write anything anywhere in the region, as fast as it goes."""
    while not stop.is_set():
        off = rnd.randrange(0, 8192) if rnd.random() < 0.7 else rnd.randrange(0, c.size - 8)
        c.m[off:off + 8] = rnd.randbytes(8)


def sc_shmfuzz(path, tenant, rounds, seed):
    """A client that scribbles over its region while its calls are in
    flight: every session it spoils is closed (or its calls answered with
    errors); the appliance goes on serving everyone."""
    rnd = random.Random(int(seed))
    closed = answered = 0
    bystander = chan_hello(path, tenant)
    for i in range(int(rounds)):
        c = chan_hello(path, tenant)
        stop = threading.Event()
        th = threading.Thread(target=scribble, args=(c, stop, random.Random(rnd.random())))
        if i % 2:
            th.start()
        try:
            for _ in range(20):
                kind = rnd.randrange(7)
                c.use_bell = c.bell is not None and rnd.random() < 0.5
                if kind == 0:           # a plausible call, then its bytes flipped
                    op = rnd.choice([NULL, SOCKET, BIND, SETSOCKOPT, IOCTL, SENDTO, POLL,
                                     GETSOCKOPT, OPEN, RECVMSG, SENDMSG])
                    msg = c.call_msg(op, [rnd.randrange(-2, 70000) for _ in range(6)],
                                     rnd.randbytes(rnd.randrange(0, 600)),
                                     rnd.randrange(0, MSG_MAX))
                    c.m[c.req_off:c.req_off + len(msg)] = msg
                    for _ in range(rnd.randrange(4)):
                        o = c.req_off + rnd.randrange(len(msg))
                        c.m[o] = rnd.randrange(256)
                    c.u32(REQ_SEQ, c.seq)
                elif kind == 1:         # a header that lies about its length
                    c.seq += 1
                    c.m[c.req_off:c.req_off + HDR.size] = HDR.pack(
                        rnd.choice([0, 3, MSG_MAX + 1, 1 << 31, 0xffffffff]), CALL, 0, c.seq, 0)
                    c.u32(REQ_SEQ, c.seq)
                elif kind == 2:         # the appliance's own words, and the layout
                    for off in (0, 4, 8, 16, 20, 24, 28, REP_SEQ, SRV_SPIN, CLOSED):
                        c.u32(off, rnd.getrandbits(32))
                    c.u32(REQ_SEQ, rnd.getrandbits(32))
                elif kind == 3:         # a seq that is not the one written
                    c.start(NULL)
                    c.u32(REQ_SEQ, c.seq + rnd.randrange(1, 5))
                elif kind == 4:         # cancel words and rings in a burst
                    c.u32(CANCEL_W, rnd.getrandbits(32))
                    c.u32(CLI_WAIT, rnd.getrandbits(32))
                elif kind == 5 and c.bell is not None:  # the doorbell read, filled, misused
                    for how in rnd.sample(range(4), rnd.randrange(1, 4)):
                        try:
                            if how == 0:
                                os.read(c.bell, 8)
                            elif how == 1:
                                os.write(c.bell, struct.pack("=Q", 0xfffffffffffffffe))
                            elif how == 2:
                                os.write(c.bell, b"\x01\x00\x00\x00")
                            else:
                                os.write(c.bell, struct.pack("=Q", 0))
                        except OSError:
                            pass
                    c.start(NULL)
                else:
                    c.m[c.req_off:c.req_off + 256] = rnd.randbytes(256)
                    c.u32(REQ_SEQ, rnd.getrandbits(32))
                c.ring()
                time.sleep(0.001)
            c.s.settimeout(0.2)
            try:
                if c.s.recv(4096) == b"":
                    closed += 1
                else:
                    answered += 1
            except socket.timeout:
                answered += 1
        except (BrokenPipeError, ConnectionResetError, Closed):
            closed += 1
        stop.set()
        if th.is_alive():
            th.join()
        c.close()
    ret, _ = bystander.call(NULL)
    v1 = connect_hello(path, tenant)
    ret1, _ = v1.call(NULL)
    fresh = chan_hello(path, tenant)
    ret2, _ = fresh.call(NULL)
    check(ret == 0 and ret1 == 0 and ret2 == 0,
          "after %s scribbling sessions (%d closed by the appliance, %d still open): "
          "the appliance serves a channel, a socket and a new channel session"
          % (rounds, closed, answered))
    check(closed > 0, "sessions whose region lied were closed (%d)" % closed)
    return failed


SCENARIOS = {
    "shm": sc_shm, "shmfuzz": sc_shmfuzz, "shmwake": sc_shmwake,
    "hello": sc_hello, "echo": sc_echo, "poll": sc_poll, "proc": sc_proc,
    "garbage": sc_garbage, "flood": sc_flood, "iptables": sc_iptables, "slow": sc_slow, "listen": sc_listen, "fork": sc_fork,
    "thread": sc_thread,
    "forkgone": sc_forkgone, "recvmsg": sc_recvmsg,
    "null": sc_null, "refused": sc_refused,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[2] not in SCENARIOS:
        sys.exit("usage: rpcclient.py SOCKET {%s} ARGS..." % ",".join(SCENARIOS))
    sys.exit(SCENARIOS[sys.argv[2]](sys.argv[1], *sys.argv[3:]))
