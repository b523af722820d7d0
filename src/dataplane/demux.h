/* SPDX-License-Identifier: GPL-2.0 */
/* (VLAN, MAC) -> vNIC, and each vNIC's VLAN; used by the dataplane thread. */
#ifndef DEMUX_H
#define DEMUX_H

#include <stdint.h>

#define DEMUX_UNTAGGED	(-1)

int demux_add(int vnic, const unsigned char mac[6], int vlan);
void demux_del(int vnic);
/* The vNIC for a unicast MAC on @vlan, or -1. */
int demux_lookup(int vlan, const unsigned char mac[6]);
/* The VLAN of @vnic (DEMUX_UNTAGGED or 0-4094), or -2 if unknown. */
int demux_vlan(int vnic);
/* Every vNIC on @vlan but @except, through @fn, until @fn returns
 * non-zero. */
void demux_flood(int vlan, int except, int (*fn)(void *arg, int vnic), void *arg);
/* How many vNICs @vlan has. */
int demux_vlan_count(int vlan);
void demux_fini(void);

#endif
