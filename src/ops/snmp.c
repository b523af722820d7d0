// SPDX-License-Identifier: GPL-2.0
/* /proc/net/snmp{,6} as JSON; see snmp.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/snmp.h"

json_t *snmp_json(char *text)
{
	json_t *o = json_object();
	char *names, *values, *save1, *save2, *n, *v, *next;
	size_t len;

	for (names = text; o && names && *names; names = next) {
		values = strchr(names, '\n');
		if (!values)
			break;
		*values++ = '\0';
		next = strchr(values, '\n');
		if (next)
			*next++ = '\0';
		n = strtok_r(names, " ", &save1);
		v = strtok_r(values, " ", &save2);
		if (!n || !v || strcmp(n, v))
			break;
		len = strlen(n);
		if (n[len - 1] != ':')
			break;
		n[len - 1] = '\0';	/* the colon */
		json_t *group = json_object();
		while ((n = strtok_r(NULL, " ", &save1)) && (v = strtok_r(NULL, " ", &save2)))
			json_object_set_new(group, n, json_integer(strtoll(v, NULL, 10)));
		json_object_set_new(o, names, group);
	}
	return o;
}

json_t *snmp6_json(char *text)
{
	json_t *o = json_object();
	char *line, *save, name[64];
	long long v;

	for (line = strtok_r(text, "\n", &save); o && line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%63s %lld", name, &v) == 2)
			json_object_set_new(o, name, json_integer(v));
	return o;
}
