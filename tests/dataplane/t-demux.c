// SPDX-License-Identifier: GPL-2.0
/*
 * The receive demux: (VLAN, MAC) lookups, and flooding that visits the
 * vNICs of one VLAN only, whatever the others hold, through adds and
 * deletes in any order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demux.h"

#define N	3000

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		exit(1);						\
	}								\
} while (0)

static int seen[N], visits;

static int visit(void *arg, int vnic)
{
	CHECK(vnic >= 0 && vnic < N, "flooded to vNIC %d", vnic);
	seen[vnic]++;
	visits++;
	return 0;
}

static void mac_of(int i, unsigned char mac[6])
{
	unsigned char m[6] = { 0x02, 0, 0, 0, i >> 8, i & 0xff };

	memcpy(mac, m, 6);
}

static int vlan_of(int i)
{
	return i % 3 == 0 ? DEMUX_UNTAGGED : i % 3 == 1 ? 100 : 4094;
}

static void check_flood(int vlan, int except, const int *present)
{
	int i, want = 0;

	memset(seen, 0, sizeof(seen));
	visits = 0;
	demux_flood(vlan, except, visit, NULL);
	for (i = 0; i < N; i++) {
		int in = present[i] && vlan_of(i) == vlan && i != except;

		CHECK(seen[i] == in, "VLAN %d: vNIC %d visited %d times, want %d", vlan, i,
		      seen[i], in);
		want += in;
	}
	CHECK(visits == want, "VLAN %d: %d visits, want %d", vlan, visits, want);
}

int main(void)
{
	static int present[N];
	unsigned char mac[6];
	int i;

	for (i = 0; i < N; i++) {
		mac_of(i, mac);
		CHECK(demux_add(i, mac, vlan_of(i)) == 0, "add %d", i);
		present[i] = 1;
	}
	mac_of(5, mac);
	CHECK(demux_add(N + 1, mac, vlan_of(5)) == -EEXIST, "a MAC twice on one VLAN");
	CHECK(demux_add(N + 2, mac, vlan_of(5) == 100 ? 4094 : 100) == 0,
	      "the same MAC on another VLAN");
	demux_del(N + 2);
	CHECK(demux_add(7, (unsigned char[6]){ 2, 9, 9, 9, 9, 9 }, 100) == -EEXIST,
	      "a vNIC id twice");
	CHECK(demux_add(N + 3, mac, 4095) == -EINVAL, "VLAN 4095");
	CHECK(demux_add(N + 3, mac, -2) == -EINVAL, "VLAN -2");
	for (i = 0; i < N; i++) {
		mac_of(i, mac);
		CHECK(demux_lookup(vlan_of(i), mac) == i, "lookup %d", i);
		CHECK(demux_lookup(vlan_of(i) == 100 ? 4094 : 100, mac) == -1,
		      "vNIC %d found on another VLAN", i);
	}
	check_flood(100, -1, present);
	check_flood(DEMUX_UNTAGGED, 3, present);
	CHECK(demux_vlan_count(100) == N / 3, "VLAN 100 has %d", demux_vlan_count(100));
	/* Delete every other one, from both ends, and look again. */
	for (i = 0; i < N; i += 2) {
		int v = i % 4 ? i : N - 1 - i;

		demux_del(v);
		present[v] = 0;
	}
	for (i = 0; i < N; i++) {
		mac_of(i, mac);
		CHECK(demux_lookup(vlan_of(i), mac) == (present[i] ? i : -1),
		      "after deletes: lookup %d", i);
	}
	check_flood(100, -1, present);
	check_flood(4094, -1, present);
	check_flood(DEMUX_UNTAGGED, -1, present);
	for (i = 0; i < N; i++)
		if (!present[i]) {
			mac_of(i, mac);
			CHECK(demux_add(i, mac, vlan_of(i)) == 0, "add %d again", i);
			present[i] = 1;
		}
	check_flood(100, 10, present);
	CHECK(demux_vlan(4) == vlan_of(4), "demux_vlan");
	demux_fini();
	printf("demux: %d vNICs on 3 VLANs, flooding visits one VLAN's\n", N);
	return 0;
}
