/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A received frame's flow, for spreading frames over the dataplane's
 * workers when the port cannot (a single-queue device, no RSS): every
 * frame of one flow gets the same hash, so it goes to one worker, one
 * vNIC queue and one kernel CPU, and stays in order.  Pure.
 */
#ifndef DP_FLOW_H
#define DP_FLOW_H

#include <stdint.h>

/*
 * The hash of @frame (an Ethernet frame of @len bytes, with or without
 * one 802.1Q tag): over the IPv4 or IPv6 addresses, the protocol and,
 * for TCP, UDP, UDP-Lite and SCTP outside fragments, the ports; over the
 * MAC addresses and EtherType for anything else (ARP, truncated headers).
 * Never 0 (the kernel takes 0 for "no hash").
 */
uint32_t flow_hash(const unsigned char *frame, unsigned int len);

#endif
