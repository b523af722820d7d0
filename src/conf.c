// SPDX-License-Identifier: GPL-2.0
/* Reading and checking the configuration file; see config.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "rpc/nrpc.h"

#define DEFAULT_MBUFS		8191
#define DEFAULT_MEMORY		(256UL << 20)

struct ctx {
	char *err;
	size_t len;
};

static int fail(struct ctx *x, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ctx *x, const char *where, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = snprintf(x->err, x->len, "%s: ", where);
	if (n < x->len) {
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->len - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Reject keys of @obj not in the NULL-terminated @known. */
static int only_keys(struct ctx *x, json_t *obj, const char *where,
		     const char *const *known)
{
	const char *key, *const *k;
	char path[256];
	json_t *v;

	json_object_foreach(obj, key, v) {
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
			return fail(x, path, "unknown key");
		}
	}
	return 0;
}

static int get_string(struct ctx *x, json_t *obj, const char *key,
		      const char *where, int required, const char **out)
{
	json_t *v = json_object_get(obj, key);
	char path[256];

	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (!v || json_is_null(v)) {
		if (required)
			return fail(x, path, "missing");
		return 0;
	}
	if (!json_is_string(v))
		return fail(x, path, "must be a string, not %s", type_name(v));
	*out = json_string_value(v);
	return 0;
}

static int get_uint(struct ctx *x, json_t *obj, const char *key,
		    const char *where, long min, long max, unsigned int *out)
{
	json_t *v = json_object_get(obj, key);
	char path[256];
	long n;

	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return fail(x, path, "must be an integer, not %s", type_name(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return fail(x, path, "%ld is not in %ld-%ld", n, min, max);
	*out = n;
	return 0;
}

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
		return fail(x, where, "must be an object, not %s", type_name(o));
	if (only_keys(x, o, where, keys) ||
	    get_string(x, o, "name", where, 1, &name) ||
	    get_string(x, o, "mac", where, 1, &mac) ||
	    get_uint(x, o, "mtu", where, 68, 9000, &v->mtu))
		return -1;
	snprintf(path, sizeof(path), "%s.name", where);
	if (strlen(name) >= sizeof(v->name) || !*name)
		return fail(x, path, "must be 1-%zu characters", sizeof(v->name) - 1);
	strcpy(v->name, name);
	snprintf(path, sizeof(path), "%s.mac", where);
	if (tenant_parse_mac(mac, v->mac))
		return fail(x, path, "\"%s\" is not a MAC address like 02:00:00:00:00:01", mac);
	v->vlan = -1;
	if (json_object_get(o, "vlan") && !json_is_null(json_object_get(o, "vlan"))) {
		if (get_uint(x, o, "vlan", where, 0, 4094, &vlan))
			return -1;
		v->vlan = vlan;
	}
	addrs = json_object_get(o, "addresses");
	snprintf(path, sizeof(path), "%s.addresses", where);
	if (addrs && !json_is_array(addrs))
		return fail(x, path, "must be an array, not %s", type_name(addrs));
	v->naddrs = addrs ? json_array_size(addrs) : 0;
	v->addrs = calloc(v->naddrs + 1, sizeof(*v->addrs));
	if (!v->addrs)
		return fail(x, path, "out of memory");
	json_array_foreach(addrs, i, a) {
		snprintf(path, sizeof(path), "%s.addresses[%zu]", where, i);
		if (!json_is_string(a))
			return fail(x, path, "must be a string, not %s", type_name(a));
		if (tenant_parse_prefix(json_string_value(a), &v->addrs[i]))
			return fail(x, path, "\"%s\" is not an address/prefix",
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
		return fail(x, where, "must be an object, not %s", type_name(o));
	if (only_keys(x, o, where, keys) ||
	    get_string(x, o, "dst", where, 1, &dst) ||
	    get_string(x, o, "via", where, 0, &via) ||
	    get_string(x, o, "dev", where, 0, &dev) ||
	    get_string(x, o, "type", where, 0, &type) ||
	    get_uint(x, o, "table", where, 1, 0x7fffffff, &r->table))
		return -1;
	snprintf(path, sizeof(path), "%s.dst", where);
	if (tenant_parse_prefix(dst, &r->dst))
		return fail(x, path, "\"%s\" is not an address/prefix", dst);
	snprintf(path, sizeof(path), "%s.via", where);
	if (via && tenant_parse_addr(via, &r->via))
		return fail(x, path, "\"%s\" is not an address", via);
	r->has_via = via != NULL;
	snprintf(path, sizeof(path), "%s.dev", where);
	if (dev && (strlen(dev) >= sizeof(r->dev) || !*dev))
		return fail(x, path, "not a vNIC name");
	if (dev)
		strcpy(r->dev, dev);
	snprintf(path, sizeof(path), "%s.type", where);
	if (type && strcmp(type, "unicast") && strcmp(type, "blackhole"))
		return fail(x, path, "\"%s\" is not unicast or blackhole", type);
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
		return fail(x, where, "must be an object, not %s", type_name(o));
	if (only_keys(x, o, where, keys) ||
	    get_string(x, o, "dev", where, 1, &dev) ||
	    get_string(x, o, "ip", where, 1, &ip) ||
	    get_string(x, o, "mac", where, 1, &mac))
		return -1;
	snprintf(path, sizeof(path), "%s.dev", where);
	if (strlen(dev) >= sizeof(n->dev) || !*dev)
		return fail(x, path, "not a vNIC name");
	strcpy(n->dev, dev);
	snprintf(path, sizeof(path), "%s.ip", where);
	if (tenant_parse_addr(ip, &n->ip))
		return fail(x, path, "\"%s\" is not an address", ip);
	snprintf(path, sizeof(path), "%s.mac", where);
	if (tenant_parse_mac(mac, n->mac))
		return fail(x, path, "\"%s\" is not a MAC address like 02:00:00:00:00:01", mac);
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
		return fail(x, where, "must be an object, not %s", type_name(o));
	t->sysctls = calloc(json_object_size(o) + 1, sizeof(*t->sysctls));
	if (!t->sysctls)
		return fail(x, where, "out of memory");
	json_object_foreach(o, key, v) {
		snprintf(path, sizeof(path), "%s.%s", where, key);
		if (!json_is_string(v))
			return fail(x, path, "must be a string, not %s", type_name(v));
		if (strlen(key) >= TENANT_SYSCTL_MAX ||
		    strlen(json_string_value(v)) >= TENANT_SYSCTL_MAX)
			return fail(x, path, "longer than %d", TENANT_SYSCTL_MAX - 1);
		strcpy(t->sysctls[i].name, key);
		strcpy(t->sysctls[i].value, json_string_value(v));
		t->nsysctls = ++i;
	}
	return 0;
}

static int array_of(struct ctx *x, json_t *o, const char *key, const char *where,
		    json_t **out)
{
	char path[256];

	*out = json_object_get(o, key);
	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (*out && !json_is_array(*out))
		return fail(x, path, "must be an array, not %s", type_name(*out));
	return 0;
}

/* Options that would make iptables run a program of the caller's choice,
 * and bytes that have no place in a ruleset. */
int config_check_iptables(const char *s, const char **bad)
{
	const char *p;

	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') {
			*bad = "control characters";
			return -EINVAL;
		}
	for (p = s; (p = strstr(p, "-M")); p += 2)
		if ((p == s || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') &&
		    (p[2] == ' ' || p[2] == '\t' || p[2] == '\n' || p[2] == '\0')) {
			*bad = "-M (--modprobe)";
			return -EINVAL;
		}
	if (strstr(s, "--modprobe")) {
		*bad = "--modprobe";
		return -EINVAL;
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
		return fail(x, where, "must be an object, not %s", type_name(o));
	if (only_keys(x, o, where, keys) ||
	    get_string(x, o, "ipv4", where, 0, &text[0]) ||
	    get_string(x, o, "ipv6", where, 0, &text[1]))
		return -1;
	for (i = 0; i < 2; i++) {
		if (!text[i])
			continue;
		snprintf(path, sizeof(path), "%s.%s", where, keys[i]);
		if (config_check_iptables(text[i], &bad))
			return fail(x, path, "may not hold %s", bad);
		t->iptables[i] = strdup(text[i]);
	}
	return 0;
}

int config_tenant(json_t *o, const char *where, struct tenant_spec *t,
		  char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "vnics", "routes", "sysctls",
					    "neighbours", "iptables", NULL };
	struct ctx x = { err, errlen };
	const char *name = NULL;
	json_t *vnics, *routes, *neighs, *sys, *v;
	char path[256];
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(o))
		return fail(&x, where, "must be an object, not %s", type_name(o));
	if (only_keys(&x, o, where, keys) ||
	    get_string(&x, o, "name", where, 1, &name) ||
	    array_of(&x, o, "vnics", where, &vnics) ||
	    array_of(&x, o, "routes", where, &routes) ||
	    array_of(&x, o, "neighbours", where, &neighs))
		return -1;
	snprintf(path, sizeof(path), "%s%sname", where, *where ? "." : "");
	if (strlen(name) > TENANT_NAME_MAX || !*name)
		return fail(&x, path, "must be 1-%d characters", TENANT_NAME_MAX);
	strcpy(t->name, name);
	t->vnics = calloc(json_array_size(vnics) + 1, sizeof(*t->vnics));
	t->routes = calloc(json_array_size(routes) + 1, sizeof(*t->routes));
	t->neighs = calloc(json_array_size(neighs) + 1, sizeof(*t->neighs));
	if (!t->vnics || !t->routes || !t->neighs)
		return fail(&x, where, "out of memory");
	json_array_foreach(vnics, i, v) {
		snprintf(path, sizeof(path), "%s%svnics[%zu]", where, *where ? "." : "", i);
		t->nvnics = i + 1;
		if (vnic_parse(&x, v, path, &t->vnics[i]))
			return -1;
	}
	json_array_foreach(routes, i, v) {
		snprintf(path, sizeof(path), "%s%sroutes[%zu]", where, *where ? "." : "", i);
		t->nroutes = i + 1;
		if (route_parse(&x, v, path, &t->routes[i]))
			return -1;
	}
	json_array_foreach(neighs, i, v) {
		snprintf(path, sizeof(path), "%s%sneighbours[%zu]", where, *where ? "." : "", i);
		t->nneighs = i + 1;
		if (neigh_parse(&x, v, path, &t->neighs[i]))
			return -1;
	}
	sys = json_object_get(o, "sysctls");
	snprintf(path, sizeof(path), "%s%ssysctls", where, *where ? "." : "");
	if (sys && sysctls_parse(&x, sys, path, t))
		return -1;
	v = json_object_get(o, "iptables");
	snprintf(path, sizeof(path), "%s%siptables", where, *where ? "." : "");
	if (v && iptables_parse(&x, v, path, t))
		return -1;
	return 0;
}

void config_tenant_free(struct tenant_spec *t)
{
	int i;

	for (i = 0; t->vnics && i < t->nvnics; i++)
		free(t->vnics[i].addrs);
	free(t->vnics);
	free(t->routes);
	free(t->neighs);
	free(t->sysctls);
	free(t->iptables[0]);
	free(t->iptables[1]);
	memset(t, 0, sizeof(*t));
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

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);

	if (end == s)
		return -1;
	switch (*end) {
	case 'G': n <<= 10; /* fall through */
	case 'M': n <<= 10; /* fall through */
	case 'K': n <<= 10; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end || n > (1ULL << 40))
		return -1;
	*out = n;
	return 0;
}

static int dpdk_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "args", "port", "mbufs", NULL };
	const char *port = NULL;
	json_t *args, *a;
	char path[64];
	size_t i;

	if (!json_is_object(o))
		return fail(x, "dpdk", "must be an object, not %s", type_name(o));
	if (only_keys(x, o, "dpdk", keys) ||
	    get_string(x, o, "port", "dpdk", 1, &port) ||
	    array_of(x, o, "args", "dpdk", &args) ||
	    get_uint(x, o, "mbufs", "dpdk", 1023, 1 << 22, &c->mbufs))
		return -1;
	if (!*port)
		return fail(x, "dpdk.port", "empty");
	c->port = strdup(port);
	c->eal_args = calloc(json_array_size(args) + 1, sizeof(char *));
	json_array_foreach(args, i, a) {
		snprintf(path, sizeof(path), "dpdk.args[%zu]", i);
		if (!json_is_string(a))
			return fail(x, path, "must be a string, not %s", type_name(a));
		c->eal_args[c->neal_args++] = strdup(json_string_value(a));
	}
	return 0;
}

static int kernel_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "memory", NULL };
	const char *mem = NULL;

	if (!json_is_object(o))
		return fail(x, "kernel", "must be an object, not %s", type_name(o));
	if (only_keys(x, o, "kernel", keys) ||
	    get_string(x, o, "memory", "kernel", 0, &mem))
		return -1;
	if (mem && parse_size(mem, &c->kernel_memory))
		return fail(x, "kernel.memory", "\"%s\" is not a size like 256M", mem);
	if (c->kernel_memory < NUSE_MEMORY_MIN)
		return fail(x, "kernel.memory", "below the minimum of %luM",
			    NUSE_MEMORY_MIN >> 20);
	return 0;
}

static int api_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "listen", "token_file", NULL };
	const char *listen = NULL, *token = NULL;

	if (!json_is_object(o))
		return fail(x, "api", "must be an object, not %s", type_name(o));
	if (only_keys(x, o, "api", keys) ||
	    get_string(x, o, "listen", "api", 0, &listen) ||
	    get_string(x, o, "token_file", "api", 0, &token))
		return -1;
	if (listen) {
		const char *colon = strrchr(listen, ':');

		if (!colon || colon == listen || atoi(colon + 1) <= 0 ||
		    atoi(colon + 1) > 65535)
			return fail(x, "api.listen", "\"%s\" is not ADDRESS:PORT", listen);
		free(c->api_listen);
		c->api_listen = strdup(listen);
	}
	if (token)
		c->api_token_file = strdup(token);
	return 0;
}

static int rpc_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "socket", "group", NULL };
	const char *sock = NULL, *group = NULL;

	if (!json_is_object(o))
		return fail(x, "rpc", "must be an object, not %s", type_name(o));
	if (only_keys(x, o, "rpc", keys) ||
	    get_string(x, o, "socket", "rpc", 0, &sock) ||
	    get_string(x, o, "group", "rpc", 0, &group))
		return -1;
	if (sock) {
		if (sock[0] != '/' || strlen(sock) >= 108)
			return fail(x, "rpc.socket", "must be an absolute path under 108 bytes");
		free(c->rpc_socket);
		c->rpc_socket = strdup(sock);
	}
	if (group) {
		if (!*group)
			return fail(x, "rpc.group", "must not be empty");
		c->rpc_group = strdup(group);
	}
	return 0;
}

static int top_parse(struct ctx *x, json_t *root, struct config *c)
{
	static const char *const keys[] = { "dpdk", "kernel", "api", "rpc", "state_dir",
		"user", "log_level", "tenants", NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug", NULL };
	const char *s = NULL, *level = NULL;
	json_t *o, *tenants;
	char path[64];
	size_t i;
	int l;

	if (!json_is_object(root))
		return fail(x, "(top)", "must be an object, not %s", type_name(root));
	if (only_keys(x, root, "", keys))
		return -1;
	o = json_object_get(root, "dpdk");
	if (!o)
		return fail(x, "dpdk", "missing");
	if (dpdk_parse(x, o, c))
		return -1;
	if ((o = json_object_get(root, "kernel")) && kernel_parse(x, o, c))
		return -1;
	if ((o = json_object_get(root, "api")) && api_parse(x, o, c))
		return -1;
	if ((o = json_object_get(root, "rpc")) && rpc_parse(x, o, c))
		return -1;
	if (get_string(x, root, "state_dir", "", 0, &s))
		return -1;
	if (s) {
		free(c->state_dir);
		c->state_dir = strdup(s);
	}
	s = NULL;
	if (get_string(x, root, "user", "", 0, &s))
		return -1;
	if (s) {
		free(c->user);
		c->user = strdup(s);
	}
	if (get_string(x, root, "log_level", "", 0, &level))
		return -1;
	for (l = 0; level && levels[l] && strcmp(levels[l], level); l++)
		;
	if (level && !levels[l])
		return fail(x, "log_level", "\"%s\" is not error, warn, info or debug", level);
	if (level)
		c->log_level = l;
	if (array_of(x, root, "tenants", "", &tenants))
		return -1;
	c->tenants = calloc(json_array_size(tenants) + 1, sizeof(*c->tenants));
	json_array_foreach(tenants, i, o) {
		snprintf(path, sizeof(path), "tenants[%zu]", i);
		c->ntenants = i + 1;
		if (config_tenant(o, path, &c->tenants[i], x->err, x->len))
			return -1;
	}
	return 0;
}

/* What the tenant layer would refuse, and clashes between tenants. */
static int tenants_check(struct ctx *x, const struct config *c)
{
	struct tenant_error e;
	char where[160];
	int i, j, k, l;

	for (i = 0; i < c->ntenants; i++) {
		const struct tenant_spec *t = &c->tenants[i];

		if (tenant_validate(t, &e)) {
			snprintf(where, sizeof(where), "tenants[%d]%s%s", i,
				 e.field[0] ? "." : "", e.field);
			return fail(x, where, "%s", e.msg);
		}
		for (j = 0; j < i; j++) {
			snprintf(where, sizeof(where), "tenants[%d].name", i);
			if (!strcmp(t->name, c->tenants[j].name))
				return fail(x, where, "\"%s\" is also tenants[%d]", t->name, j);
			for (k = 0; k < t->nvnics; k++)
				for (l = 0; l < c->tenants[j].nvnics; l++) {
					snprintf(where, sizeof(where), "tenants[%d].vnics[%d].mac", i, k);
					if (!memcmp(t->vnics[k].mac, c->tenants[j].vnics[l].mac, 6))
						return fail(x, where, "also tenants[%d].vnics[%d].mac", j, l);
				}
		}
	}
	return 0;
}

int config_load(const char *path, struct config *c, char *err, size_t errlen)
{
	struct ctx x = { err, errlen };
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(c, 0, sizeof(*c));
	c->mbufs = DEFAULT_MBUFS;
	c->kernel_memory = DEFAULT_MEMORY;
	c->api_listen = strdup("127.0.0.1:8080");
	c->rpc_socket = strdup(NRPC_SOCKET_DEFAULT);
	c->state_dir = strdup("/var/lib/nuse-appliance");
	c->user = strdup("nobody");
	c->log_level = LOG_LEVEL_INFO;
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
			 jerr.text);
		return -1;
	}
	ret = top_parse(&x, root, c);
	if (!ret)
		ret = tenants_check(&x, c);
	json_decref(root);
	if (ret) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", path, msg);
	}
	return ret;
}

void config_free(struct config *c)
{
	int i;

	for (i = 0; i < c->neal_args; i++)
		free(c->eal_args[i]);
	free(c->eal_args);
	for (i = 0; i < c->ntenants; i++)
		config_tenant_free(&c->tenants[i]);
	free(c->tenants);
	free(c->port);
	free(c->api_listen);
	free(c->api_token_file);
	free(c->rpc_socket);
	free(c->rpc_group);
	free(c->state_dir);
	free(c->user);
	memset(c, 0, sizeof(*c));
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
	return o;
}

char *config_dump(const struct config *c)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	json_t *root = json_object(), *dpdk = json_object(), *args = json_array();
	json_t *tenants = json_array();
	char mem[32];
	char *s;
	int i;

	for (i = 0; i < c->neal_args; i++)
		json_array_append_new(args, json_string(c->eal_args[i]));
	json_object_set_new(dpdk, "args", args);
	json_object_set_new(dpdk, "port", json_string(c->port));
	json_object_set_new(dpdk, "mbufs", json_integer(c->mbufs));
	json_object_set_new(root, "dpdk", dpdk);
	snprintf(mem, sizeof(mem), "%zuM", c->kernel_memory >> 20);
	json_object_set_new(root, "kernel", json_pack("{s:s}", "memory", mem));
	json_object_set_new(root, "api", json_pack("{s:s,s:o}", "listen", c->api_listen,
		"token_file", c->api_token_file ? json_string(c->api_token_file) : json_null()));
	json_object_set_new(root, "rpc", json_pack("{s:s,s:o}", "socket", c->rpc_socket,
		"group", c->rpc_group ? json_string(c->rpc_group) : json_null()));
	json_object_set_new(root, "state_dir", json_string(c->state_dir));
	json_object_set_new(root, "user", json_string(c->user));
	json_object_set_new(root, "log_level", json_string(levels[c->log_level]));
	for (i = 0; i < c->ntenants; i++)
		json_array_append_new(tenants, config_tenant_json(&c->tenants[i]));
	json_object_set_new(root, "tenants", tenants);
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}
