// SPDX-License-Identifier: GPL-2.0
/* Reading and checking the configuration file; see config.h. */
#define _GNU_SOURCE		/* sched_getaffinity */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "conf/conf_listen.h"

#define DEFAULT_MBUFS		8191
#define DEFAULT_MEMORY		(256UL << 20)
#define DEFAULT_API_CONNS	256
#define DEFAULT_API_PER_CLIENT	128
#define DEFAULT_API_IDLE	10

int conf_fail(struct ctx *x, const char *where, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	n = snprintf(x->err, x->len, "%s: ", where);
	if (n < x->len) {
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->len - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int conf_oom(struct ctx *x, const char *where)
{
	conf_fail(x, where, "out of memory");
	return -ENOMEM;
}

const char *conf_type_name(json_t *v)
{
	if (!v)
		return "nothing";
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
int conf_only_keys(struct ctx *x, json_t *obj, const char *where,
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
			return conf_fail(x, path, "unknown key");
		}
	}
	return 0;
}

int conf_get_string(struct ctx *x, json_t *obj, const char *key,
		      const char *where, int required, const char **out)
{
	json_t *v = json_object_get(obj, key);
	char path[256];

	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (!v || json_is_null(v)) {
		if (required)
			return conf_fail(x, path, "missing");
		return 0;
	}
	if (!json_is_string(v))
		return conf_fail(x, path, "must be a string, not %s", conf_type_name(v));
	*out = json_string_value(v);
	return 0;
}

int conf_get_uint(struct ctx *x, json_t *obj, const char *key,
		    const char *where, long min, long max, unsigned int *out)
{
	json_t *v = json_object_get(obj, key);
	char path[256];
	long n;

	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return conf_fail(x, path, "must be an integer, not %s", conf_type_name(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return conf_fail(x, path, "%ld is not in %ld-%ld", n, min, max);
	*out = n;
	return 0;
}

int conf_array_of(struct ctx *x, json_t *o, const char *key, const char *where,
		    json_t **out)
{
	char path[256];

	*out = json_object_get(o, key);
	snprintf(path, sizeof(path), "%s%s%s", where, *where ? "." : "", key);
	if (*out && !json_is_array(*out))
		return conf_fail(x, path, "must be an array, not %s", conf_type_name(*out));
	return 0;
}
/* 0, or -EINVAL. */
static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 10);

	if (end == s)
		return -EINVAL;
	switch (*end) {
	case 'G': n <<= 10; /* fall through */
	case 'M': n <<= 10; /* fall through */
	case 'K': n <<= 10; end++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (*end || n > (1ULL << 40))
		return -EINVAL;
	*out = n;
	return 0;
}

static int dpdk_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "args", "port", "mbufs", "mtu", "offloads", NULL };
	const char *port = NULL;
	json_t *args, *a;
	char path[64];
	size_t i;

	if (!json_is_object(o))
		return conf_fail(x, "dpdk", "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, "dpdk", keys) ||
	    conf_get_string(x, o, "port", "dpdk", 1, &port) ||
	    conf_array_of(x, o, "args", "dpdk", &args) ||
	    conf_get_uint(x, o, "mbufs", "dpdk", 1023, 1 << 22, &c->mbufs) ||
	    conf_get_uint(x, o, "mtu", "dpdk", 68, 9000, &c->port_mtu))
		return -EINVAL;
	a = json_object_get(o, "offloads");
	if (a && !json_is_boolean(a))
		return conf_fail(x, "dpdk.offloads", "must be true or false, not %s",
				 conf_type_name(a));
	if (a)
		c->offloads = json_is_true(a);
	if (!*port)
		return conf_fail(x, "dpdk.port", "empty");
	c->port = strdup(port);
	c->eal_args = calloc(json_array_size(args) + 1, sizeof(char *));
	if (!c->port || !c->eal_args)
		return conf_oom(x, "dpdk");
	json_array_foreach(args, i, a) {
		snprintf(path, sizeof(path), "dpdk.args[%zu]", i);
		if (!json_is_string(a))
			return conf_fail(x, path, "must be a string, not %s", conf_type_name(a));
		c->eal_args[c->neal_args] = strdup(json_string_value(a));
		if (!c->eal_args[c->neal_args++])
			return conf_oom(x, path);
	}
	return 0;
}

/* A size as the config writes it: "32M", "1536K", or bytes; exact, so
 * that the canonical form reads back the same. */
static void fmt_size(size_t n, char *out, size_t len)
{
	if (!(n & ((1UL << 20) - 1)))
		snprintf(out, len, "%zuM", n >> 20);
	else if (!(n & ((1UL << 10) - 1)))
		snprintf(out, len, "%zuK", n >> 10);
	else
		snprintf(out, len, "%zu", n);
}

/* What the kernel keeps back from admission when kernel.reserve is not
 * given: an eighth of its memory, within 4 to 64 MiB. */
static size_t default_reserve(size_t memory)
{
	size_t r = memory / 8;

	return r < (4UL << 20) ? 4UL << 20 : r > (64UL << 20) ? 64UL << 20 : r;
}

static int kernel_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "memory", "reserve", "cpus", NULL };
	const char *mem = NULL, *reserve = NULL;

	if (!json_is_object(o))
		return conf_fail(x, "kernel", "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, "kernel", keys) ||
	    conf_get_string(x, o, "memory", "kernel", 0, &mem) ||
	    conf_get_string(x, o, "reserve", "kernel", 0, &reserve) ||
	    conf_get_uint(x, o, "cpus", "kernel", 1, NUSE_CPUS_MAX, &c->kernel_cpus))
		return -EINVAL;
	if (mem && parse_size(mem, &c->kernel_memory))
		return conf_fail(x, "kernel.memory", "\"%s\" is not a size like 256M", mem);
	if (c->kernel_memory < NUSE_MEMORY_MIN)
		return conf_fail(x, "kernel.memory", "below the minimum of %luM",
			    NUSE_MEMORY_MIN >> 20);
	c->kernel_reserve = default_reserve(c->kernel_memory);
	if (reserve && parse_size(reserve, &c->kernel_reserve))
		return conf_fail(x, "kernel.reserve", "\"%s\" is not a size like 16M", reserve);
	if (c->kernel_reserve >= c->kernel_memory / 2) {
		char r[32];

		fmt_size(c->kernel_reserve, r, sizeof(r));
		return conf_fail(x, "kernel.reserve", "%s is not below half of kernel.memory", r);
	}
	return 0;
}

/* The CPUs this process may run on, which "cores": "all" takes. */
static unsigned int host_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > NUSE_CPUS_MAX ? NUSE_CPUS_MAX : n;
}

static int dataplane_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "cores", "distribute", NULL };
	const char *how = NULL;
	json_t *cores;

	if (!json_is_object(o))
		return conf_fail(x, "dataplane", "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, "dataplane", keys))
		return -EINVAL;
	cores = json_object_get(o, "cores");
	if (json_is_string(cores)) {
		if (strcmp(json_string_value(cores), "all"))
			return conf_fail(x, "dataplane.cores", "\"%s\" is neither a number nor \"all\"",
					 json_string_value(cores));
		c->dp_cores_all = 1;
		c->dp_cores = host_cpus();
	} else if (conf_get_uint(x, o, "cores", "dataplane", 1, NUSE_CPUS_MAX, &c->dp_cores)) {
		return -EINVAL;
	}
	if (conf_get_string(x, o, "distribute", "dataplane", 0, &how))
		return -EINVAL;
	if (how && strcmp(how, "auto") && strcmp(how, "software"))
		return conf_fail(x, "dataplane.distribute", "\"%s\" is neither \"auto\" nor "
				 "\"software\"", how);
	c->dp_software = how && !strcmp(how, "software");
	return 0;
}

/* Each worker is one of the kernel's CPUs: as many CPUs as workers, when
 * kernel.cpus does not say. */
static int cpus_check(struct ctx *x, struct config *c)
{
	if (!c->kernel_cpus)
		c->kernel_cpus = c->dp_cores;
	else if (c->kernel_cpus < c->dp_cores)
		return conf_fail(x, "kernel.cpus", "%u is fewer than dataplane.cores (%u): each "
				 "worker is one of the kernel's CPUs", c->kernel_cpus, c->dp_cores);
	return 0;
}

static int api_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "listen", "token_file", "max_connections",
		"max_connections_per_client", "idle_timeout", NULL };
	const char *listen = NULL, *token = NULL;

	if (!json_is_object(o))
		return conf_fail(x, "api", "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, "api", keys) ||
	    conf_get_string(x, o, "listen", "api", 0, &listen) ||
	    conf_get_string(x, o, "token_file", "api", 0, &token) ||
	    conf_get_uint(x, o, "max_connections", "api", 8, 16384, &c->api_max_connections) ||
	    conf_get_uint(x, o, "max_connections_per_client", "api", 1, 16384,
			  &c->api_max_per_client) ||
	    conf_get_uint(x, o, "idle_timeout", "api", 1, 3600, &c->api_idle_timeout))
		return -EINVAL;
	if (!json_object_get(o, "max_connections_per_client") &&
	    c->api_max_per_client > c->api_max_connections)
		c->api_max_per_client = c->api_max_connections;	/* the default, scaled */
	if (c->api_max_per_client > c->api_max_connections)
		return conf_fail(x, "api.max_connections_per_client", "%u is over "
				 "api.max_connections (%u)", c->api_max_per_client,
				 c->api_max_connections);
	if (listen) {
		struct sockaddr_storage ss;
		socklen_t len;

		if (conf_parse_listen(listen, &ss, &len))
			return conf_fail(x, "api.listen", "\"%s\" is not ADDRESS:PORT with a "
					 "numeric address (127.0.0.1:8080, [::1]:8080) and a "
					 "port of 1-65535", listen);
		free(c->api_listen);
		c->api_listen = strdup(listen);
		if (!c->api_listen)
			return conf_oom(x, "api.listen");
	}
	if (token && !(c->api_token_file = strdup(token)))
		return conf_oom(x, "api.token_file");
	return 0;
}

static int rpc_parse(struct ctx *x, json_t *o, struct config *c)
{
	static const char *const keys[] = { "socket", "group", "serve_cpus", NULL };
	const char *sock = NULL, *group = NULL;
	json_t *serve;

	if (!json_is_object(o))
		return conf_fail(x, "rpc", "must be an object, not %s", conf_type_name(o));
	if (conf_only_keys(x, o, "rpc", keys) ||
	    conf_get_string(x, o, "socket", "rpc", 0, &sock) ||
	    conf_get_string(x, o, "group", "rpc", 0, &group))
		return -EINVAL;
	serve = json_object_get(o, "serve_cpus");
	if (json_is_string(serve)) {
		if (strcmp(json_string_value(serve), "auto"))
			return conf_fail(x, "rpc.serve_cpus", "\"%s\" is neither \"auto\" nor a number "
					 "of CPUs", json_string_value(serve));
		c->rpc_serve_cpus = 0;
	} else if (serve && conf_get_uint(x, o, "serve_cpus", "rpc", 1, NUSE_CPUS_MAX,
					  &c->rpc_serve_cpus)) {
		return -EINVAL;
	} else if (serve && c->rpc_serve_cpus > c->dp_cores) {
		return conf_fail(x, "rpc.serve_cpus", "%u is more than dataplane.cores (%u): each CPU "
				 "that serves is a dataplane worker", c->rpc_serve_cpus, c->dp_cores);
	}
	if (sock) {
		if (sock[0] != '/' || strlen(sock) >= 108)
			return conf_fail(x, "rpc.socket", "must be an absolute path under 108 bytes");
		free(c->rpc_socket);
		c->rpc_socket = strdup(sock);
		if (!c->rpc_socket)
			return conf_oom(x, "rpc.socket");
	}
	if (group) {
		if (!*group)
			return conf_fail(x, "rpc.group", "must not be empty");
		c->rpc_group = strdup(group);
		if (!c->rpc_group)
			return conf_oom(x, "rpc.group");
	}
	return 0;
}

static int top_parse(struct ctx *x, json_t *root, struct config *c)
{
	static const char *const keys[] = { "dpdk", "kernel", "dataplane", "api", "rpc",
		"state_dir", "user", "log_level", "tenants", NULL };
	static const char *const levels[] = { "error", "warn", "info", "debug", NULL };
	const char *s = NULL, *level = NULL;
	json_t *o, *tenants;
	char path[64];
	size_t i;
	int l, err;

	if (!json_is_object(root))
		return conf_fail(x, "(top)", "must be an object, not %s", conf_type_name(root));
	if (conf_only_keys(x, root, "", keys))
		return -EINVAL;
	o = json_object_get(root, "dpdk");
	if (!o)
		return conf_fail(x, "dpdk", "missing");
	if ((err = dpdk_parse(x, o, c)))
		return err;
	if ((o = json_object_get(root, "kernel")) && (err = kernel_parse(x, o, c)))
		return err;
	if ((o = json_object_get(root, "dataplane")) && (err = dataplane_parse(x, o, c)))
		return err;
	if ((err = cpus_check(x, c)))
		return err;
	if ((o = json_object_get(root, "api")) && (err = api_parse(x, o, c)))
		return err;
	if ((o = json_object_get(root, "rpc")) && (err = rpc_parse(x, o, c)))
		return err;
	if (conf_get_string(x, root, "state_dir", "", 0, &s))
		return -EINVAL;
	if (s) {
		free(c->state_dir);
		if (!(c->state_dir = strdup(s)))
			return conf_oom(x, "state_dir");
	}
	s = NULL;
	if (conf_get_string(x, root, "user", "", 0, &s))
		return -EINVAL;
	if (s) {
		free(c->user);
		if (!(c->user = strdup(s)))
			return conf_oom(x, "user");
	}
	if (conf_get_string(x, root, "log_level", "", 0, &level))
		return -EINVAL;
	for (l = 0; level && levels[l] && strcmp(levels[l], level); l++)
		;
	if (level && !levels[l])
		return conf_fail(x, "log_level", "\"%s\" is not error, warn, info or debug", level);
	if (level)
		c->log_level = l;
	if (conf_array_of(x, root, "tenants", "", &tenants))
		return -EINVAL;
	c->tenants = calloc(json_array_size(tenants) + 1, sizeof(*c->tenants));
	if (!c->tenants)
		return conf_oom(x, "tenants");
	json_array_foreach(tenants, i, o) {
		snprintf(path, sizeof(path), "tenants[%zu]", i);
		c->ntenants = i + 1;
		err = config_tenant(o, path, &c->tenants[i], x->err, x->len);
		if (err)
			return err;
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
			return conf_fail(x, where, "%s", e.msg);
		}
		for (j = 0; j < i; j++) {
			snprintf(where, sizeof(where), "tenants[%d].name", i);
			if (!strcmp(t->name, c->tenants[j].name))
				return conf_fail(x, where, "\"%s\" is also tenants[%d]", t->name, j);
			for (k = 0; k < t->nvnics; k++)
				for (l = 0; l < c->tenants[j].nvnics; l++) {
					snprintf(where, sizeof(where), "tenants[%d].vnics[%d].mac", i, k);
					if (!memcmp(t->vnics[k].mac, c->tenants[j].vnics[l].mac, 6))
						return conf_fail(x, where, "also tenants[%d].vnics[%d].mac", j, l);
				}
		}
	}
	return 0;
}

/* A name or a number, as privs.c and rpc/listen.c take them: 0 if found,
 * or -ENOENT. */
static int name_or_id(const char *s, int group, unsigned long *id, gid_t *pgid)
{
	struct passwd *pw = group ? NULL : getpwnam(s);
	struct group *gr = group ? getgrnam(s) : NULL;
	char *end;

	if (pw || gr) {
		*id = pw ? pw->pw_uid : gr->gr_gid;
		*pgid = pw ? pw->pw_gid : 0;
		return 0;
	}
	errno = 0;
	*id = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno)
		return -ENOENT;
	pw = group ? NULL : getpwuid(*id);
	*pgid = pw ? pw->pw_gid : *id;
	return 0;
}

/*
 * The rpc group lets its members act as root in every tenant; the
 * appliance's user must not be one of them, or any process of that user
 * (the appliance's own children, anything else run as it) could.  An
 * unknown user or group is left to start-up to report.
 */
static int rpc_group_check(struct ctx *x, const struct config *c)
{
	unsigned long uid, gid;
	gid_t ugid, unused;
	struct group *gr;
	struct passwd *pw;
	char **m;

	if (!c->rpc_group || name_or_id(c->user, 0, &uid, &ugid) ||
	    name_or_id(c->rpc_group, 1, &gid, &unused))
		return 0;
	if (gid == ugid)
		return conf_fail(x, "rpc.group", "\"%s\" is the group of the appliance's user "
				 "\"%s\" (gid %lu): every process of that user could act as root in "
				 "every tenant; give those who may use exec a group of their own", c->rpc_group,
				 c->user, gid);
	pw = getpwuid(uid);
	gr = getgrgid(gid);
	for (m = gr && pw ? gr->gr_mem : NULL; m && *m; m++)
		if (!strcmp(*m, pw->pw_name))
			return conf_fail(x, "rpc.group", "the appliance's user \"%s\" is a member "
					 "of \"%s\": every process of that user could act as root "
					 "in every tenant; take it out of the group or choose another",
					 c->user, c->rpc_group);
	return 0;
}

int config_load(const char *path, struct config *c, char *err, size_t errlen)
{
	struct ctx x = { err, errlen };
	json_error_t jerr;
	json_t *root;
	FILE *f;
	int ret;

	memset(c, 0, sizeof(*c));
	c->mbufs = DEFAULT_MBUFS;
	c->port_mtu = 1500;
	c->offloads = 1;
	c->kernel_memory = DEFAULT_MEMORY;
	c->kernel_cpus = 0;		/* dataplane.cores, unless given */
	c->dp_cores = 1;
	c->kernel_reserve = default_reserve(DEFAULT_MEMORY);
	c->api_listen = strdup("127.0.0.1:8080");
	c->api_max_connections = DEFAULT_API_CONNS;
	c->api_max_per_client = DEFAULT_API_PER_CLIENT;
	c->api_idle_timeout = DEFAULT_API_IDLE;
	c->rpc_socket = strdup(NUSE_RPC_SOCKET_DEFAULT);
	c->state_dir = strdup("/var/lib/nuse-appliance");
	c->user = strdup("nuse-appliance");
	c->log_level = LOG_LEVEL_INFO;
	if (!c->api_listen || !c->rpc_socket || !c->state_dir || !c->user) {
		snprintf(err, errlen, "%s: out of memory", path);
		config_free(c);
		return -ENOMEM;
	}
	/* Opened here, not by jansson, for the real errno of a file that
	 * cannot be read. */
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		config_free(c);
		return ret;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
			 jerr.text);
		config_free(c);
		return -EINVAL;
	}
	ret = top_parse(&x, root, c);
	if (!ret)
		ret = tenants_check(&x, c);
	if (!ret)
		ret = rpc_group_check(&x, c);
	json_decref(root);
	if (ret) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, errlen, "%s: %s", path, msg);
		config_free(c);		/* nothing half-made is left to the caller */
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
		tenant_spec_free(&c->tenants[i]);
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

char *config_dump(const struct config *c)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	json_t *root = json_object(), *dpdk = json_object(), *args = json_array();
	json_t *tenants = json_array();
	char mem[32], reserve[32];
	char *s;
	int i;

	for (i = 0; i < c->neal_args; i++)
		json_array_append_new(args, json_string(c->eal_args[i]));
	json_object_set_new(dpdk, "args", args);
	json_object_set_new(dpdk, "port", json_string(c->port));
	json_object_set_new(dpdk, "mbufs", json_integer(c->mbufs));
	json_object_set_new(dpdk, "mtu", json_integer(c->port_mtu));
	json_object_set_new(dpdk, "offloads", json_boolean(c->offloads));
	json_object_set_new(root, "dpdk", dpdk);
	fmt_size(c->kernel_memory, mem, sizeof(mem));
	fmt_size(c->kernel_reserve, reserve, sizeof(reserve));
	json_object_set_new(root, "kernel", json_pack("{s:s,s:s,s:i}", "memory", mem,
						      "reserve", reserve, "cpus", (int)c->kernel_cpus));
	json_object_set_new(root, "dataplane", json_pack("{s:o,s:s}", "cores",
		c->dp_cores_all ? json_string("all") : json_integer(c->dp_cores),
		"distribute", c->dp_software ? "software" : "auto"));
	json_object_set_new(root, "api", json_pack("{s:s,s:o,s:i,s:i,s:i}", "listen", c->api_listen,
		"token_file", c->api_token_file ? json_string(c->api_token_file) : json_null(),
		"max_connections", (int)c->api_max_connections,
		"max_connections_per_client", (int)c->api_max_per_client,
		"idle_timeout", (int)c->api_idle_timeout));
	json_object_set_new(root, "rpc", json_pack("{s:s,s:o,s:o}", "socket", c->rpc_socket,
		"group", c->rpc_group ? json_string(c->rpc_group) : json_null(),
		"serve_cpus", c->rpc_serve_cpus ? json_integer(c->rpc_serve_cpus)
						: json_string("auto")));
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

