/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tenant's /proc/net/snmp and /proc/net/snmp6 as JSON, for
 * GET /tenants/NAME/stats.  Pure functions of the text: control thread.
 */
#ifndef OPS_SNMP_H
#define OPS_SNMP_H

#include <jansson.h>

/* /proc/net/snmp: pairs of lines, "Ip: Forwarding DefaultTTL ..." then
 * "Ip: 1 64 ...", as {"Ip": {"Forwarding": 1, ...}, ...}.  Parsing stops
 * at the first pair that does not match (a header without its values,
 * different group names); what came before is kept.  @text is changed. */
json_t *snmp_json(char *text);
/* /proc/net/snmp6: "Ip6InReceives   123" lines, as {"Ip6InReceives": 123}.
 * Lines that are not a name and a number are skipped.  @text is changed. */
json_t *snmp6_json(char *text);

#endif
