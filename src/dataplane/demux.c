// SPDX-License-Identifier: GPL-2.0
/*
 * An open-addressing hash of (VLAN, MAC) keys for the receive path, plus
 * the vNICs of each VLAN for broadcast and multicast.  No allocation on
 * lookups; the table grows when vNICs are added.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "demux.h"

struct slot {
	uint64_t key;		/* 0: empty */
	int vnic;
};

struct vnic_info {
	int vlan;
	int used;
	int pos;		/* in its VLAN's list */
	uint64_t key;
};

/* The vNICs of one VLAN, in no order: flooding costs what the VLAN has. */
struct vlan_list {
	int *ids;
	int n, cap;
};

static struct slot *table;
static unsigned int mask, used;
static struct vnic_info *vnics;
static int nvnics;
static struct vlan_list vlans[4096 + 1];	/* [vlan + 1]: untagged first */

static struct vlan_list *vlan_list(int vlan)
{
	return vlan >= DEMUX_UNTAGGED && vlan <= 4094 ? &vlans[vlan + 1] : NULL;
}

static int vlan_join(struct vlan_list *l, int vnic)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		int *ids = realloc(l->ids, cap * sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		l->ids = ids;
		l->cap = cap;
	}
	vnics[vnic].pos = l->n;
	l->ids[l->n++] = vnic;
	return 0;
}

static void vlan_leave(struct vlan_list *l, int vnic)
{
	int pos = vnics[vnic].pos, last = l->ids[--l->n];

	l->ids[pos] = last;
	vnics[last].pos = pos;
}

static uint64_t key_of(int vlan, const unsigned char mac[6])
{
	uint64_t k = (uint64_t)(vlan + 2) << 48;
	int i;

	for (i = 0; i < 6; i++)
		k |= (uint64_t)mac[i] << (40 - 8 * i);
	return k;
}

static unsigned int hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static void insert(struct slot *t, unsigned int m, uint64_t key, int vnic)
{
	unsigned int i = hash(key) & m;

	while (t[i].key)
		i = (i + 1) & m;
	t[i].key = key;
	t[i].vnic = vnic;
}

static int grow(void)
{
	unsigned int n = table ? (mask + 1) * 2 : 256, i;
	struct slot *t = calloc(n, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; table && i <= mask; i++)
		if (table[i].key)
			insert(t, n - 1, table[i].key, table[i].vnic);
	free(table);
	table = t;
	mask = n - 1;
	return 0;
}

int demux_add(int vnic, const unsigned char mac[6], int vlan)
{
	uint64_t key = key_of(vlan, mac);

	if (vnic < 0 || !vlan_list(vlan))
		return -EINVAL;
	if (demux_lookup(vlan, mac) >= 0 || (vnic < nvnics && vnics[vnic].used))
		return -EEXIST;
	if ((!table || (used + 1) * 2 > mask + 1) && grow())
		return -ENOMEM;
	if (vnic >= nvnics) {
		int n = vnic + 64;
		struct vnic_info *v = realloc(vnics, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		memset(v + nvnics, 0, (n - nvnics) * sizeof(*v));
		vnics = v;
		nvnics = n;
	}
	vnics[vnic] = (struct vnic_info){ .vlan = vlan, .key = key };
	if (vlan_join(vlan_list(vlan), vnic))
		return -ENOMEM;
	vnics[vnic].used = 1;
	insert(table, mask, key, vnic);
	used++;
	return 0;
}

int demux_lookup(int vlan, const unsigned char mac[6])
{
	uint64_t key = key_of(vlan, mac);
	unsigned int i;

	if (!table)
		return -1;
	for (i = hash(key) & mask; table[i].key; i = (i + 1) & mask)
		if (table[i].key == key)
			return table[i].vnic;
	return -1;
}

/* Backward-shift deletion keeps every probe sequence unbroken. */
void demux_del(int vnic)
{
	unsigned int i, j, home;

	if (vnic < 0 || vnic >= nvnics || !vnics[vnic].used)
		return;
	for (i = hash(vnics[vnic].key) & mask; table[i].key != vnics[vnic].key;
	     i = (i + 1) & mask)
		;
	vnics[vnic].used = 0;
	vlan_leave(vlan_list(vnics[vnic].vlan), vnic);
	used--;
	for (j = (i + 1) & mask; table[j].key; j = (j + 1) & mask) {
		home = hash(table[j].key) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			table[i] = table[j];
			i = j;
		}
	}
	table[i].key = 0;
}

int demux_vlan(int vnic)
{
	if (vnic < 0 || vnic >= nvnics || !vnics[vnic].used)
		return -2;
	return vnics[vnic].vlan;
}

void demux_flood(int vlan, int except, int (*fn)(void *arg, int vnic), void *arg)
{
	struct vlan_list *l = vlan_list(vlan);
	int i;

	for (i = 0; l && i < l->n; i++)
		if (l->ids[i] != except && fn(arg, l->ids[i]))
			return;
}

int demux_vlan_count(int vlan)
{
	struct vlan_list *l = vlan_list(vlan);

	return l ? l->n : 0;
}

void demux_fini(void)
{
	int i;

	for (i = 0; i <= 4096; i++) {
		free(vlans[i].ids);
		vlans[i] = (struct vlan_list){ 0 };
	}
	free(table);
	free(vnics);
	table = NULL;
	vnics = NULL;
	mask = used = nvnics = 0;
}
