// SPDX-License-Identifier: GPL-2.0
/*
 * A tenant's /proc/net/snmp and snmp6 as GET .../stats shows them: the
 * kernel's real text, and text that is cut short or malformed, which
 * must give what could be read and never crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/snmp.h"

#include "check.h"

static json_int_t get(json_t *o, const char *group, const char *name)
{
	json_t *v = json_object_get(group ? json_object_get(o, group) : o, name);

	return json_is_integer(v) ? json_integer_value(v) : -999;
}

static json_t *snmp(const char *text)
{
	char *copy = strdup(text);
	json_t *o = snmp_json(copy);

	free(copy);
	return o;
}

static void test_snmp(void)
{
	json_t *o;

	o = snmp("Ip: Forwarding DefaultTTL InReceives\nIp: 1 64 12345\n"
		 "Icmp: InMsgs InErrors\nIcmp: 7 0\n"
		 "Tcp: RtoAlgorithm MaxConn CurrEstab\nTcp: 1 -1 3\n");
	CHECK(get(o, "Ip", "Forwarding") == 1 && get(o, "Ip", "DefaultTTL") == 64 &&
	      get(o, "Ip", "InReceives") == 12345, "Ip");
	CHECK(get(o, "Icmp", "InMsgs") == 7, "Icmp");
	CHECK(get(o, "Tcp", "MaxConn") == -1 && get(o, "Tcp", "CurrEstab") == 3, "Tcp");
	CHECK(json_object_size(o) == 3, "three groups");
	json_decref(o);

	/* The last pair cut in the middle of its values: the groups before
	 * stay, the cut one has what its values line had. */
	o = snmp("Ip: Forwarding DefaultTTL\nIp: 1 64\nUdp: InDatagrams NoPorts\nUdp: 5");
	CHECK(get(o, "Ip", "DefaultTTL") == 64, "before the cut");
	CHECK(get(o, "Udp", "InDatagrams") == 5 && get(o, "Udp", "NoPorts") == -999,
	      "the cut group");
	json_decref(o);

	/* A header without its values line, mismatched groups, no colon. */
	o = snmp("Ip: Forwarding\n");
	CHECK(o && json_object_size(o) == 0, "header alone");
	json_decref(o);
	o = snmp("Ip: Forwarding\nTcp: 1\nUdp: A\nUdp: 1\n");
	CHECK(o && json_object_size(o) == 0, "mismatched names stop the parse");
	json_decref(o);
	o = snmp("Ip Forwarding\nIp 1\n");
	CHECK(o && json_object_size(o) == 0, "no colon");
	json_decref(o);
	o = snmp("");
	CHECK(o && json_object_size(o) == 0, "empty");
	json_decref(o);
	o = snmp("\n\n\n");
	CHECK(o && json_object_size(o) == 0, "blank lines");
	json_decref(o);
}

static void test_snmp6(void)
{
	char text[] = "Ip6InReceives                   	42\nIp6InHdrErrors 0\n"
		      "garbage\n  \nIcmp6OutMsgs 9 extra\nIp6Big 9223372036854775807\n";
	json_t *o = snmp6_json(text);

	CHECK(get(o, NULL, "Ip6InReceives") == 42, "tab and spaces");
	CHECK(get(o, NULL, "Ip6InHdrErrors") == 0, "zero");
	CHECK(get(o, NULL, "Icmp6OutMsgs") == 9, "trailing words");
	CHECK(get(o, NULL, "Ip6Big") == 9223372036854775807LL, "large");
	CHECK(json_object_size(o) == 4, "garbage skipped: %zu", json_object_size(o));
	json_decref(o);
}

int main(void)
{
	test_snmp();
	test_snmp6();
	return failed;
}
