#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Numbered UDP datagrams in several flows, and a receiver that checks
each flow arrives in order.
  flows.py send DST PORT FLOWS COUNT   one socket (source port) per flow
  flows.py recv PORT SECONDS           prints "flows F received R reordered X"
"""
import socket
import struct
import sys
import time


def send(dst, port, flows, count):
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(flows)]
    payload = b"x" * 18
    for seq in range(count):
        for f, s in enumerate(socks):
            s.sendto(struct.pack("!II", f, seq) + payload, (dst, port))
        if seq % 4 == 3:
            time.sleep(0.001)	# no more than the receiver's Python keeps up with


def recv(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("0.0.0.0", port))
    s.settimeout(0.5)
    last, received, reordered = {}, 0, 0
    end = time.time() + seconds
    while time.time() < end:
        try:
            data, addr = s.recvfrom(2048)
        except socket.timeout:
            if received:
                break		# the stream is over
            continue
        if len(data) < 8:
            continue
        flow, seq = struct.unpack("!II", data[:8])
        key = (addr, flow)
        if key in last and seq <= last[key]:
            reordered += 1
        last[key] = max(seq, last.get(key, -1))
        received += 1
    print("flows %d received %d reordered %d" % (len(last), received, reordered), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        recv(int(sys.argv[2]), float(sys.argv[3]))
