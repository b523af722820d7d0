#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""badframes.py IFACE COUNT DSTMAC: send COUNT malformed frames out of IFACE:
runts, oversized frames, bad VLAN tags, random bytes and bogus IP headers
(some addressed to DSTMAC, a tenant's MAC).  Prints what it sent."""
import os
import random
import socket
import struct
import sys


def frames(dst, src, n):
    rnd = random.Random(1234)
    kinds = ["runt", "oversized", "badvlan", "random", "badip", "badip6", "qinq"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind == "runt":
            yield kind, os.urandom(rnd.randint(1, 13))
        elif kind == "oversized":
            yield kind, dst + src + b"\x08\x00" + os.urandom(rnd.randint(1600, 9000))
        elif kind == "badvlan":
            tci = rnd.choice([4095, 0xFFFF, rnd.randint(1, 4094)])
            body = os.urandom(rnd.randint(0, 3)) if i % 2 else os.urandom(40)
            yield kind, dst + src + b"\x81\x00" + struct.pack("!H", tci) + body
        elif kind == "random":
            yield kind, os.urandom(rnd.randint(14, 1514))
        elif kind == "badip":
            ihl_ver = rnd.choice([0x40, 0x4F, 0x45, 0x60, 0xFF])
            hdr = struct.pack("!BBHHHBBH4s4s", ihl_ver, 0, rnd.randint(0, 65535), 1, 0,
                              64, rnd.randint(0, 255), 0, os.urandom(4), os.urandom(4))
            yield kind, dst + src + b"\x08\x00" + hdr + os.urandom(rnd.randint(0, 64))
        elif kind == "badip6":
            yield kind, dst + src + b"\x86\xdd" + os.urandom(rnd.randint(0, 80))
        else:
            yield kind, dst + src + b"\x88\xa8\x00\x05\x81\x00\x00\x06" + os.urandom(40)


def main():
    iface, count, dst = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3].replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src = b"\x02\xbb\xbb\xbb\xbb\x01"
    sent, refused = {}, 0
    for kind, frame in frames(dst, src, count):
        try:
            s.send(frame)
            sent[kind] = sent.get(kind, 0) + 1
        except OSError:
            refused += 1
    print("sent", sum(sent.values()), sent, "refused by the host kernel", refused)


if __name__ == "__main__":
    main()
