// SPDX-License-Identifier: GPL-2.0
/*
 * The tenant object, as the config file's "tenants" list, the state file
 * and the API's POST /tenants all spell it: parsed (every key checked,
 * errors naming their place) and printed back in canonical form.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "conf/conf_int.h"

static int vnic_parse(struct ctx *x, json_t *o, const char *where,
		      struct tenant_vnic_spec *v)
{
	static const char *const keys[] = { "name", "mac", "mtu", "vlan",
					    "addresses", NULL };
	const char *name = NULL, *mac = NULL;
	char path[256];
	unsigned int vlan = 0;
	json_t *addrs, *a;
	size_t i;

	if (!json_is_object(o))
		return conf_fail(x, where, "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, where, keys) ||
	    conf_get_string(x, o, "name", where, 1, &name) ||
	    conf_get_string(x, o, "mac", where, 1, &mac) ||
	    conf_get_uint(x, o, "mtu", where, 68, 9000, &v->mtu))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s.name", where);
	if (strlen(name) >= sizeof(v->name) || !*name)
		return conf_fail(x, path, "must be 1-%zu characters", sizeof(v->name) - 1);
	strcpy(v->name, name);
	snprintf(path, sizeof(path), "%s.mac", where);
	if (tenant_parse_mac(mac, v->mac))
		return conf_fail(x, path, "\"%s\" is not a MAC address like 02:00:00:00:00:01", mac);
	v->vlan = -1;
	if (json_object_get(o, "vlan") && !json_is_null(json_object_get(o, "vlan"))) {
		if (conf_get_uint(x, o, "vlan", where, 0, 4094, &vlan))
			return -EINVAL;
		v->vlan = vlan;
	}
	addrs = json_object_get(o, "addresses");
	snprintf(path, sizeof(path), "%s.addresses", where);
	if (addrs && !json_is_array(addrs))
		return conf_fail(x, path, "must be an array, not %s", conf_type_name(addrs));
	v->naddrs = addrs ? json_array_size(addrs) : 0;
	v->addrs = calloc(v->naddrs + 1, sizeof(*v->addrs));
	if (!v->addrs)
		return conf_oom(x, path);
	json_array_foreach(addrs, i, a) {
		snprintf(path, sizeof(path), "%s.addresses[%zu]", where, i);
		if (!json_is_string(a))
			return conf_fail(x, path, "must be a string, not %s", conf_type_name(a));
		if (tenant_parse_prefix(json_string_value(a), &v->addrs[i]))
			return conf_fail(x, path, "\"%s\" is not an address/prefix",
				    json_string_value(a));
	}
	return 0;
}

static int route_parse(struct ctx *x, json_t *o, const char *where,
		       struct tenant_route_spec *r)
{
	static const char *const keys[] = { "dst", "via", "dev", "table", "type", NULL };
	const char *dst = NULL, *via = NULL, *dev = NULL, *type = NULL;
	char path[256];

	if (!json_is_object(o))
		return conf_fail(x, where, "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, where, keys) ||
	    conf_get_string(x, o, "dst", where, 1, &dst) ||
	    conf_get_string(x, o, "via", where, 0, &via) ||
	    conf_get_string(x, o, "dev", where, 0, &dev) ||
	    conf_get_string(x, o, "type", where, 0, &type) ||
	    conf_get_uint(x, o, "table", where, 1, 0x7fffffff, &r->table))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s.dst", where);
	if (tenant_parse_prefix(dst, &r->dst))
		return conf_fail(x, path, "\"%s\" is not an address/prefix", dst);
	snprintf(path, sizeof(path), "%s.via", where);
	if (via && tenant_parse_addr(via, &r->via))
		return conf_fail(x, path, "\"%s\" is not an address", via);
	r->has_via = via != NULL;
	snprintf(path, sizeof(path), "%s.dev", where);
	if (dev && (strlen(dev) >= sizeof(r->dev) || !*dev))
		return conf_fail(x, path, "not a vNIC name");
	if (dev)
		strcpy(r->dev, dev);
	snprintf(path, sizeof(path), "%s.type", where);
	if (type && strcmp(type, "unicast") && strcmp(type, "blackhole"))
		return conf_fail(x, path, "\"%s\" is not unicast or blackhole", type);
	r->blackhole = type && !strcmp(type, "blackhole");
	return 0;
}

static int neigh_parse(struct ctx *x, json_t *o, const char *where,
		       struct tenant_neigh_spec *n)
{
	static const char *const keys[] = { "dev", "ip", "mac", NULL };
	const char *dev = NULL, *ip = NULL, *mac = NULL;
	char path[256];

	if (!json_is_object(o))
		return conf_fail(x, where, "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, where, keys) ||
	    conf_get_string(x, o, "dev", where, 1, &dev) ||
	    conf_get_string(x, o, "ip", where, 1, &ip) ||
	    conf_get_string(x, o, "mac", where, 1, &mac))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s.dev", where);
	if (strlen(dev) >= sizeof(n->dev) || !*dev)
		return conf_fail(x, path, "not a vNIC name");
	strcpy(n->dev, dev);
	snprintf(path, sizeof(path), "%s.ip", where);
	if (tenant_parse_addr(ip, &n->ip))
		return conf_fail(x, path, "\"%s\" is not an address", ip);
	snprintf(path, sizeof(path), "%s.mac", where);
	if (tenant_parse_mac(mac, n->mac))
		return conf_fail(x, path, "\"%s\" is not a MAC address like 02:00:00:00:00:01", mac);
	return 0;
}

static int sysctls_parse(struct ctx *x, json_t *o, const char *where,
			 struct tenant_spec *t)
{
	const char *key;
	char path[256];
	json_t *v;
	int i = 0;

	if (!json_is_object(o))
		return conf_fail(x, where, "must be an object, not %s", conf_type_name(o));
	t->sysctls = calloc(json_object_size(o) + 1, sizeof(*t->sysctls));
	if (!t->sysctls)
		return conf_oom(x, where);
	json_object_foreach(o, key, v) {
		snprintf(path, sizeof(path), "%s.%s", where, key);
		if (!json_is_string(v))
			return conf_fail(x, path, "must be a string, not %s", conf_type_name(v));
		if (strlen(key) >= TENANT_SYSCTL_MAX ||
		    strlen(json_string_value(v)) >= TENANT_SYSCTL_MAX)
			return conf_fail(x, path, "longer than %d", TENANT_SYSCTL_MAX - 1);
		strcpy(t->sysctls[i].name, key);
		strcpy(t->sysctls[i].value, json_string_value(v));
		t->nsysctls = ++i;
	}
	return 0;
}


/*
 * Does @tok (one word of a rule) name iptables' -M/--modprobe, in any
 * spelling getopt_long would take: "-M", "-M/path" (value attached),
 * "-nM/path" (behind short options that take no value: those of
 * iptables and of iptables-restore together, so as to miss none),
 * "--modprobe", "--modprobe=/path" and every abbreviation from "--m" on.
 */
static int names_modprobe(const char *tok, size_t n)
{
	static const char flags[] = "Vfbvnx46cth";
	static const char lng[] = "modprobe";
	size_t i, k;

	if (n >= 3 && tok[0] == '-' && tok[1] == '-') {
		for (k = 0; 2 + k < n && tok[2 + k] != '='; k++)
			;
		return k && k <= strlen(lng) && !strncmp(tok + 2, lng, k);
	}
	if (n < 2 || tok[0] != '-')
		return 0;
	for (i = 1; i < n && tok[i] != 'M'; i++)
		if (!strchr(flags, tok[i]))
			return 0;
	return i < n;
}

/* Bytes that have no place in a ruleset: control characters but for
 * newlines and tabs. */
static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
			return 1;
	return 0;
}

/* Options that would make iptables run a program of the caller's choice,
 * and bytes that have no place in a ruleset.  Words are split at blanks
 * and quotes too, so that a quoted value is looked into rather than
 * trusted: a false alarm costs a 422, a miss a program run. */
int config_check_iptables(const char *s, const char **bad)
{
	const char *p, *sep = " \t\n\r\"'";
	size_t n;

	if (has_control(s)) {
		*bad = "control characters";
		return -EINVAL;
	}
	for (p = s; *p; p += n ? n : 1) {
		n = strcspn(p, sep);
		if (names_modprobe(p, n)) {
			*bad = "-M (--modprobe)";
			return -EINVAL;
		}
	}
	return 0;
}

/* Words are split at what nft splits them: blanks, quotes, ';', braces;
 * a quoted "include" is refused too (a false alarm costs a 422). */
int config_check_nftables(const char *s, const char **bad)
{
	const char *p, *sep = " \t\n\r\"';{}";
	size_t n;

	if (has_control(s)) {
		*bad = "control characters";
		return -EINVAL;
	}
	for (p = s; *p; p += n ? n : 1) {
		n = strcspn(p, sep);
		if (n == 7 && !strncasecmp(p, "include", 7)) {
			*bad = "include";
			return -EINVAL;
		}
	}
	return 0;
}

static int iptables_parse(struct ctx *x, json_t *o, const char *where,
			  struct tenant_spec *t)
{
	static const char *const keys[] = { "ipv4", "ipv6", NULL };
	const char *text[2] = { NULL, NULL }, *bad;
	char path[256];
	int i;

	if (!json_is_object(o))
		return conf_fail(x, where, "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, where, keys) ||
	    conf_get_string(x, o, "ipv4", where, 0, &text[0]) ||
	    conf_get_string(x, o, "ipv6", where, 0, &text[1]))
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		if (!text[i])
			continue;
		snprintf(path, sizeof(path), "%s.%s", where, keys[i]);
		if (config_check_iptables(text[i], &bad))
			return conf_fail(x, path, "may not hold %s", bad);
		t->iptables[i] = strdup(text[i]);
		if (!t->iptables[i])
			return conf_oom(x, path);
	}
	return 0;
}

int config_tenant(json_t *o, const char *where, struct tenant_spec *t,
		  char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "vnics", "routes", "sysctls",
					    "neighbours", "iptables", "nftables", NULL };
	struct ctx x = { err, errlen };
	const char *name = NULL;
	json_t *vnics, *routes, *neighs, *sys, *v;
	char path[256];
	size_t i;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(o))
		return conf_fail(&x, where, "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(&x, o, where, keys) ||
	    conf_get_string(&x, o, "name", where, 1, &name) ||
	    conf_array_of(&x, o, "vnics", where, &vnics) ||
	    conf_array_of(&x, o, "routes", where, &routes) ||
	    conf_array_of(&x, o, "neighbours", where, &neighs))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s%sname", where, *where ? "." : "");
	if (strlen(name) > TENANT_NAME_MAX || !*name)
		return conf_fail(&x, path, "must be 1-%d characters", TENANT_NAME_MAX);
	strcpy(t->name, name);
	t->vnics = calloc(json_array_size(vnics) + 1, sizeof(*t->vnics));
	t->routes = calloc(json_array_size(routes) + 1, sizeof(*t->routes));
	t->neighs = calloc(json_array_size(neighs) + 1, sizeof(*t->neighs));
	if (!t->vnics || !t->routes || !t->neighs)
		return conf_oom(&x, where);
	json_array_foreach(vnics, i, v) {
		snprintf(path, sizeof(path), "%s%svnics[%zu]", where, *where ? "." : "", i);
		t->nvnics = i + 1;
		if ((ret = vnic_parse(&x, v, path, &t->vnics[i])))
			return ret;
	}
	json_array_foreach(routes, i, v) {
		snprintf(path, sizeof(path), "%s%sroutes[%zu]", where, *where ? "." : "", i);
		t->nroutes = i + 1;
		if ((ret = route_parse(&x, v, path, &t->routes[i])))
			return ret;
	}
	json_array_foreach(neighs, i, v) {
		snprintf(path, sizeof(path), "%s%sneighbours[%zu]", where, *where ? "." : "", i);
		t->nneighs = i + 1;
		if ((ret = neigh_parse(&x, v, path, &t->neighs[i])))
			return ret;
	}
	sys = json_object_get(o, "sysctls");
	snprintf(path, sizeof(path), "%s%ssysctls", where, *where ? "." : "");
	if (sys && (ret = sysctls_parse(&x, sys, path, t)))
		return ret;
	v = json_object_get(o, "iptables");
	snprintf(path, sizeof(path), "%s%siptables", where, *where ? "." : "");
	if (v && (ret = iptables_parse(&x, v, path, t)))
		return ret;
	v = json_object_get(o, "nftables");
	snprintf(path, sizeof(path), "%s%snftables", where, *where ? "." : "");
	if (v) {
		const char *bad;

		if (!json_is_string(v))
			return conf_fail(&x, path, "must be a string (nft -f text), not %s",
					 conf_type_name(v));
		if (config_check_nftables(json_string_value(v), &bad))
			return conf_fail(&x, path, "may not hold %s", bad);
		t->iptables[2] = strdup(json_string_value(v));
		if (!t->iptables[2])
			return conf_oom(&x, path);
	}
	return 0;
}

int config_vnic(json_t *o, const char *where, struct tenant_vnic_spec *v,
		char *err, size_t errlen)
{
	struct ctx x = { err, errlen };

	memset(v, 0, sizeof(*v));
	return vnic_parse(&x, o, where, v);
}

int config_route(json_t *o, const char *where, struct tenant_route_spec *r,
		 char *err, size_t errlen)
{
	struct ctx x = { err, errlen };

	memset(r, 0, sizeof(*r));
	return route_parse(&x, o, where, r);
}

int config_sysctls(json_t *o, const char *where, struct tenant_spec *t,
		   char *err, size_t errlen)
{
	struct ctx x = { err, errlen };

	return sysctls_parse(&x, o, where, t);
}

static json_t *prefix_json(const struct tenant_prefix *p, int with_len)
{
	char buf[INET6_ADDRSTRLEN + 8];

	inet_ntop(p->family, p->addr, buf, sizeof(buf));
	if (with_len)
		snprintf(buf + strlen(buf), 8, "/%d", p->len);
	return json_string(buf);
}

json_t *config_tenant_json(const struct tenant_spec *t)
{
	json_t *o = json_object(), *vnics = json_array(), *routes = json_array();
	json_t *sys = json_object();
	int i, j;

	json_object_set_new(o, "name", json_string(t->name));
	for (i = 0; i < t->nvnics; i++) {
		const struct tenant_vnic_spec *v = &t->vnics[i];
		json_t *jv = json_object(), *as = json_array();
		char mac[18];

		tenant_format_mac(v->mac, mac);
		json_object_set_new(jv, "name", json_string(v->name));
		json_object_set_new(jv, "mac", json_string(mac));
		json_object_set_new(jv, "mtu", json_integer(v->mtu ? v->mtu : 1500));
		json_object_set_new(jv, "vlan", v->vlan < 0 ? json_null() : json_integer(v->vlan));
		for (j = 0; j < v->naddrs; j++)
			json_array_append_new(as, prefix_json(&v->addrs[j], 1));
		json_object_set_new(jv, "addresses", as);
		json_array_append_new(vnics, jv);
	}
	for (i = 0; i < t->nroutes; i++) {
		const struct tenant_route_spec *r = &t->routes[i];
		json_t *jr = json_object();

		json_object_set_new(jr, "dst", prefix_json(&r->dst, 1));
		if (r->has_via)
			json_object_set_new(jr, "via", prefix_json(&r->via, 0));
		if (r->dev[0])
			json_object_set_new(jr, "dev", json_string(r->dev));
		if (r->table)
			json_object_set_new(jr, "table", json_integer(r->table));
		json_object_set_new(jr, "type", json_string(r->blackhole ? "blackhole" : "unicast"));
		json_array_append_new(routes, jr);
	}
	for (i = 0; i < t->nsysctls; i++)
		json_object_set_new(sys, t->sysctls[i].name, json_string(t->sysctls[i].value));
	if (t->nneighs) {
		json_t *ns = json_array();

		for (i = 0; i < t->nneighs; i++) {
			const struct tenant_neigh_spec *n = &t->neighs[i];
			char mac[18];

			tenant_format_mac(n->mac, mac);
			json_array_append_new(ns, json_pack("{s:s,s:o,s:s}", "dev", n->dev,
					      "ip", prefix_json(&n->ip, 0), "mac", mac));
		}
		json_object_set_new(o, "neighbours", ns);
	}
	json_object_set_new(o, "vnics", vnics);
	json_object_set_new(o, "routes", routes);
	json_object_set_new(o, "sysctls", sys);
	if (t->iptables[0] || t->iptables[1]) {
		json_t *ipt = json_object();

		for (i = 0; i < 2; i++)
			if (t->iptables[i])
				json_object_set_new(ipt, i ? "ipv6" : "ipv4",
						    json_string(t->iptables[i]));
		json_object_set_new(o, "iptables", ipt);
	}
	if (t->iptables[2])
		json_object_set_new(o, "nftables", json_string(t->iptables[2]));
	return o;
}

