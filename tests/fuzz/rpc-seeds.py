#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write corpus/rpc/: message streams as a tool's preload library sends
them (src/rpc/nrpc.h), one seed per group of ops.  Each seed is one byte
(bit 0: an iptables job's session; bit 1: one call, no HELLO, its length
the file's), a HELLO, then calls; a call's seq is
the kernel's answer the harness completes it with.  Run it again after
changing the protocol; the files are committed."""
import os
import struct

HELLO, CALL, CANCEL = 1, 2, 3
OPS = dict(socket=1, close=2, bind=3, connect=4, listen=5, accept=6, shutdown=7,
           getsockname=8, getpeername=9, sendto=10, recvfrom=11, sendmsg=12,
           recvmsg=13, setsockopt=14, getsockopt=15, ioctl=16, fcntl=17, read=18,
           write=19, poll=20, open=21, dup=22, null=23)


def hdr(length, typ, seq):
    return struct.pack('=IHHII', length, typ, 0, seq, 0)


def hello(tenant=b'acme', flags=0, fork_of=0):
    body = struct.pack('=IIQ', 1, flags, fork_of) + tenant.ljust(64, b'\0')
    return hdr(16 + len(body), HELLO, 1) + body


def call(op, args=(), data=b'', out_max=65536, ret=0):
    a = list(args) + [0] * (6 - len(args))
    body = struct.pack('=II6q', OPS[op], out_max, *a) + data
    return hdr(16 + len(body), CALL, ret & 0xffffffff) + body


def cancel():
    return hdr(16, CANCEL, 0)


SIN = struct.pack('=HH4s8x', 2, 8080, bytes([127, 0, 0, 1]))
SEEDS = {
    'sockets': [call('socket', (2, 1, 0), ret=3), call('bind', (3,), SIN),
                call('listen', (3, 16)), call('accept', (3, 0), ret=16),
                call('getsockname', (3,), ret=16), call('getpeername', (3,), ret=16),
                call('connect', (3,), SIN), call('shutdown', (3, 2)),
                call('dup', (3,), ret=5), call('close', (5,)), call('null')],
    'data': [call('sendto', (3, 0, 16), SIN + b'hello', ret=5),
             call('recvfrom', (3, 1500, 0), ret=100),
             call('write', (3,), b'data', ret=4), call('read', (3, 4096), ret=10),
             call('sendmsg', (3, 0), struct.pack('=II', 16, 16) + SIN +
                  struct.pack('=QII', 16, 1, 1) + b'payload', ret=7),
             call('recvmsg', (3, 0, 1500, 128, 64), ret=20)],
    'options': [call('setsockopt', (3, 1, 2), struct.pack('=i', 1)),
                call('setsockopt', (3, 1, 26), struct.pack('=I', 1) +
                     struct.pack('=HBBI', 6, 0, 0, 0xffff)),
                call('getsockopt', (3, 1, 2, 4), ret=0),
                call('getsockopt', (3, 1, 26, 2), ret=0),
                call('getsockopt', (3, 0, 41, 64), bytes(16)),
                call('setsockopt', (3, 0, 64), bytes(96) ),
                call('fcntl', (3, 4, 2048)), call('fcntl', (3, 3, 0), ret=2)],
    'ioctl': [call('ioctl', (3, 0x541B, 4), ret=0),
              call('ioctl', (3, 0x8912, 640), ret=0),
              call('ioctl', (3, 0x8913, 40), b'eth0'.ljust(40, b'\0')),
              call('ioctl', (3, 0x8946, 196), b'eth0'.ljust(16, b'\0') +
                   struct.pack('=I', 3) + bytes(192))],
    'poll-open': [call('poll', (2, 1000), struct.pack('=ihh', 3, 1, 0) +
                       struct.pack('=ihh', 4, 1, 0), ret=1),
                  call('poll', (1, -1), struct.pack('=ihh', 3, 1, 0), ret=0), cancel(),
                  call('open', (0, 0), b'/proc/net/dev\0', ret=6),
                  call('open', (0, 0), b'/proc/sys/net/ipv4/ip_forward\0', ret=7),
                  call('open', (0, 0), b'/etc/passwd\0')],
    'bad': [hello(b''), hello(b'acme', flags=2), hello(b'x' * 64), hello(),
            call('read', (-1, 10)), call('socket', (1, 1, 0)), call('null', (), b'x'),
            call('ioctl', (3, 0x1234, 4)), hdr(16, 9, 0)],
}
JOB = [call('socket', (2, 3, 255), ret=3), call('setsockopt', (3, 0, 64), bytes(96)),
       call('open', (0, 0), b'/proc/net/ip_tables_names\0', ret=4),
       call('socket', (2, 1, 0))]

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'rpc')
os.makedirs(here, exist_ok=True)
for name, msgs in SEEDS.items():
    with open(os.path.join(here, name), 'wb') as f:
        f.write(b'\0' + (hello() if name != 'bad' else b'') + b''.join(msgs))
# One message each, its length the file's (the harness's bit 1).
for name, msgs in SEEDS.items():
    for i, m in enumerate(msgs):
        if m[4:6] == struct.pack('=H', CALL):
            with open(os.path.join(here, 'one-%s-%d' % (name, i)), 'wb') as f:
                f.write(b'\2' + m)
with open(os.path.join(here, 'job'), 'wb') as f:
    f.write(b'\1' + hello() + b''.join(JOB))
