/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The appliance's configuration file (JSON).  Every key is checked:
 * unknown keys, wrong types and bad values are errors naming the key's
 * place in the file, e.g. "tenants[0].vnics[1].mac".
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <jansson.h>
#include "log/log.h"
#include "tenant/tenant.h"


struct config {
	char **eal_args;
	int neal_args;
	char *port;			/* PCI address or virtual device string */
	unsigned int mbufs;
	unsigned int port_mtu;		/* the port's MTU (frames: + 14, + 4 per tag) */
	int offloads;			/* vNICs with offloads; the port's used */
	size_t kernel_memory;
	size_t kernel_reserve;		/* kept back from admission */
	unsigned int kernel_cpus;	/* the kernel's CPUs: host threads */
	unsigned int dp_cores;		/* dataplane workers: kernel CPUs 0..n-1 */
	int dp_cores_all;		/* "all": the CPUs the process may use */
	int dp_software;		/* spread flows in software, whatever the port has */
	char *api_listen;
	char *api_token_file;		/* NULL: no token */
	unsigned int api_max_connections;	/* past it, the longest idle is closed */
	unsigned int api_max_per_client;	/* from one address */
	unsigned int api_idle_timeout;		/* seconds */
	char *rpc_socket;		/* the tool RPC's unix socket */
	char *rpc_group;		/* NULL: root only */
	unsigned int rpc_serve_cpus;	/* CPUs serving shared channels; 0: "auto" */
	char *state_dir;
	char *user;
	enum log_level log_level;
	int ntenants;
	struct tenant_spec *tenants;
};

/* 0, or -errno with a message in @err ("FILE: WHERE: WHAT"): -EINVAL for
 * a bad config, -ENOMEM, or why the file cannot be opened (-ENOENT,
 * -EACCES, ...).  @c holds nothing to free after an error. */
int config_load(const char *path, struct config *c, char *err, size_t errlen);
void config_free(struct config *c);
/* The configuration in canonical form (every default spelled out). */
char *config_dump(const struct config *c);

/* One tenant object, as in the config's "tenants" list and the API's
 * POST /tenants; @where prefixes error messages.  0, -EINVAL or -ENOMEM
 * with the message in @err; free @t with tenant_spec_free(), also after
 * an error. */
int config_tenant(json_t *obj, const char *where, struct tenant_spec *t,
		  char *err, size_t errlen);
/* 0, or -EINVAL with @bad naming what an iptables ruleset or rule may
 * not hold (options that run a program, control characters). */
int config_check_iptables(const char *s, const char **bad);
/* The same for an nft -f ruleset: no "include" (a file of the host's
 * read into the ruleset, and said back in nft's errors), no control
 * characters. */
int config_check_nftables(const char *s, const char **bad);
/* Parts of a tenant object, for the API's sub-resources.  @v->addrs is
 * malloc'd; config_sysctls() fills @t->sysctls and @t->nsysctls.  Each
 * returns as config_tenant() does. */
int config_vnic(json_t *o, const char *where, struct tenant_vnic_spec *v,
		char *err, size_t errlen);
int config_route(json_t *o, const char *where, struct tenant_route_spec *r,
		 char *err, size_t errlen);
int config_sysctls(json_t *o, const char *where, struct tenant_spec *t,
		   char *err, size_t errlen);
json_t *config_tenant_json(const struct tenant_spec *t);

#endif
