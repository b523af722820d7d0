/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnl.h - rtnetlink inside the library kernel: configure and read back
 * the network namespace of one kernel task.
 *
 * Every message goes through a NETLINK_ROUTE socket that the task opens in
 * the library kernel; the host's own netlink is never used.  Functions
 * return 0 or -errno (the kernel's, when it refused) and log nothing;
 * rtnl_errmsg() gives the kernel's extended-ack text for the last request.
 * A handle is used by one thread at a time, the owner of the kernel.
 */
#ifndef TENANT_RTNL_H
#define TENANT_RTNL_H

struct rtnl;

struct rtnl *rtnl_open(int pid, int *err);
void rtnl_close(struct rtnl *r);
/* The kernel's extended-ack message for the last request, or "". */
const char *rtnl_errmsg(const struct rtnl *r);

/* Links.  @up: 1 up, 0 down, -1 unchanged; @mtu: 0 unchanged. */
int rtnl_link_set(struct rtnl *r, int ifindex, int up, unsigned int mtu);
/* The ifindex of @name, or -ENODEV. */
int rtnl_link_index(struct rtnl *r, const char *name);
int rtnl_link_del(struct rtnl *r, int ifindex);
/* A veth pair, both ends in this namespace and down. */
int rtnl_veth_add(struct rtnl *r, const char *name, const char *peer);

/* Addresses, AF_INET or AF_INET6; adding one that exists is -EEXIST. */
int rtnl_addr(struct rtnl *r, int add, int ifindex, int family,
	      const void *addr, int prefixlen);

/*
 * Routes.  On add, zero fields take defaults: table main, type unicast,
 * protocol static, and scope link for a unicast route with an oif but no
 * gateway (universe otherwise).  On delete, zero type, protocol, scope
 * and metric match any value.
 */
struct rtnl_route {
	int family;
	unsigned char dst[16];
	int dst_len;
	unsigned char gw[16];
	int has_gw;
	int oif;
	unsigned int table;
	int type;		/* RTN_UNICAST, RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT */
	unsigned int metric;
	int scope;
	int protocol;
};

int rtnl_route(struct rtnl *r, int add, const struct rtnl_route *rt);

/* Policy rules: "from src to dst [fwmark m] [iif dev] lookup table". */
struct rtnl_rule {
	int family;
	unsigned char src[16];
	int src_len;
	unsigned char dst[16];
	int dst_len;
	unsigned int table;
	unsigned int priority;
	unsigned int fwmark;
	char iif[16];
};

int rtnl_rule(struct rtnl *r, int add, const struct rtnl_rule *rule);

/* A permanent neighbour entry; add replaces one that exists, and @mac is
 * not used on delete. */
int rtnl_neigh(struct rtnl *r, int add, int ifindex, int family,
	       const void *ip, const unsigned char mac[6]);

/*
 * Dumps fill a malloc'd array that the caller frees (NULL when empty).
 * Only AF_INET and AF_INET6 routes and rules are kept; @family AF_UNSPEC
 * asks for both.  Routes of every table and type are kept, local and
 * broadcast ones included, unless @table (non-zero) picks one table.
 */
struct rtnl_link_info {
	int ifindex;
	char name[16];
	unsigned int mtu;
	unsigned int flags;		/* IFF_* */
	unsigned char mac[6];		/* zero unless a 6-byte address */
	int operstate;			/* IF_OPER_* */
};

struct rtnl_addr_info {
	int family;
	int ifindex;
	unsigned char addr[16];
	int prefixlen;
	int scope;
	unsigned int flags;		/* IFA_F_* */
};

int rtnl_dump_links(struct rtnl *r, struct rtnl_link_info **out, int *n);
int rtnl_dump_addrs(struct rtnl *r, int family, struct rtnl_addr_info **out,
		    int *n);
int rtnl_dump_routes(struct rtnl *r, int family, unsigned int table,
		     struct rtnl_route **out, int *n);
int rtnl_dump_rules(struct rtnl *r, int family, struct rtnl_rule **out,
		    int *n);

#endif
