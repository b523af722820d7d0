#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A VLAN switch for test hosts, for machines whose kernel has no 802.1Q:
vlanswitch.py TRUNK VID:PORT... forwards frames tagged VID on TRUNK to the
untagged PORT and tags what PORT sends.  Runs until killed."""
import select
import socket
import struct
import sys

ETH_P_ALL = 3
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4


def open_port(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, 0))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    return s


def vlan_of(frame, ancillary):
    """The VID of a trunk frame and the frame without its tag."""
    for level, kind, data in ancillary:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= 20:
            status, _, _, _, _, tci, _ = struct.unpack("IIIHHHH", data[:20])
            if status & TP_STATUS_VLAN_VALID or tci:
                return tci & 0xFFF, frame
    if frame[12:14] == b"\x81\x00" and len(frame) >= 18:
        return struct.unpack("!H", frame[14:16])[0] & 0xFFF, frame[:12] + frame[16:]
    return None, frame


def main():
    trunk = open_port(sys.argv[1])
    ports, vid_of = {}, {}
    for spec in sys.argv[2:]:
        vid, ifname = spec.split(":")
        s = open_port(ifname)
        ports[int(vid)] = s
        vid_of[s] = int(vid)
    socks = [trunk] + list(ports.values())
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            try:
                frame, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(64))
            except OSError:
                return  # the trunk went away: the appliance stopped
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            try:
                if s is trunk:
                    vid, frame = vlan_of(frame, anc)
                    if vid in ports:
                        ports[vid].send(frame)
                else:
                    tag = struct.pack("!HH", 0x8100, vid_of[s])
                    trunk.send(frame[:12] + tag + frame[12:])
            except OSError:
                pass


if __name__ == "__main__":
    main()
