#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""arpflood.py IFACE TARGET_IP SUBNET/16 COUNT SECONDS: broadcast COUNT ARP
requests for TARGET_IP out of IFACE, each from a random sender MAC and a
random sender address in SUBNET (a /16, e.g. 10.81.0.0/16), spread evenly
over at most SECONDS.  Stops at whichever bound comes first and prints
how many it sent."""
import ipaddress
import random
import socket
import struct
import sys
import time

BATCH = 50


def arp_request(rnd, net, target):
    sha = bytes([0x02, 0xee]) + rnd.randbytes(4)
    # hosts .1.0 - .254.255 of the /16: never the .0.x the test uses
    sip = net + ((1 + rnd.randrange(254)) << 8 | rnd.randrange(256))
    eth = b"\xff" * 6 + sha + b"\x08\x06"
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, sha,
                      struct.pack("!I", sip), b"\x00" * 6, target)
    return eth + arp + b"\x00" * 18


def main():
    iface, target, subnet = sys.argv[1], sys.argv[2], sys.argv[3]
    count, seconds = int(sys.argv[4]), float(sys.argv[5])
    net = ipaddress.ip_network(subnet)
    if net.prefixlen != 16:
        sys.exit("arpflood: SUBNET must be a /16")
    rnd = random.Random(4321)
    base, tip = int(net.network_address), socket.inet_aton(target)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    t0 = time.monotonic()
    per_batch = seconds * BATCH / count
    sent = 0
    while sent < count:
        now = time.monotonic() - t0
        if now >= seconds:
            break
        for _ in range(min(BATCH, count - sent)):
            try:
                s.send(arp_request(rnd, base, tip))
                sent += 1
            except OSError:		# the tap's queue is full: later
                break
        # keep to the rate: the next batch is due at sent * per_batch / BATCH
        due = sent / BATCH * per_batch - (time.monotonic() - t0)
        if due > 0:
            time.sleep(due)
    print(f"arpflood: {sent} ARP requests in {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    main()
