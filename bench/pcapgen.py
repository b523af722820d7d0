#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write 64-byte UDP frames of many flows into pcap files, for net_pcap's
infinite_rx: pcapgen.py DST_MAC FLOWS FRAMES_PER_FLOW OUT.pcap...
Flow f goes to file f % len(files): each file (a port's rx queue) holds its
own flows, as RSS would spread them.  Frames are from 10.254.x.y:sport to
10.253.x.y:9, with a good IPv4 header checksum and no UDP checksum."""
import struct
import sys


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(dst_mac, f):
    src = bytes([10, 254, (f >> 8) & 0xFF, f & 0xFF])
    dst = bytes([10, 253, (f * 7 >> 8) & 0xFF, (f * 7) & 0xFF])
    udp_len = 8 + 18
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, f & 0xFFFF, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", 1024 + f % 50000, 9, udp_len, 0) + b"\0" * 18
    return dst_mac + b"\x02\x00\x00\xaa\x00\x01\x08\x00" + ip + udp


def main():
    mac = bytes(int(x, 16) for x in sys.argv[1].split(":"))
    flows, per_flow, outs = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    files = [open(p, "wb") for p in outs]
    for out in files:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for k in range(per_flow):
        for f in range(flows):
            fr = frame(mac, f)
            files[f % len(files)].write(struct.pack("<IIII", k, f, len(fr), len(fr)) + fr)
    for out in files:
        out.close()


if __name__ == "__main__":
    main()
