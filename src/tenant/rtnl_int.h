/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the rtnetlink layer: what rtnl.c and rtnl_dump.c share. */
#ifndef TENANT_RTNL_INT_H
#define TENANT_RTNL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

#include "rtnl.h"

#define RTNL_RX_SIZE	(32 * 1024)	/* the kernel's largest dump part */
#define RTNL_TX_SIZE	1024		/* our requests are far smaller */
#define RTNL_DRAIN_MAX	256		/* reads to finish an abandoned reply */
#define RTNL_DUMP_TRIES	3		/* restarts of an interrupted dump */

struct rtnl {
	int pid;
	int fd;
	unsigned int portid;
	unsigned int seq;
	int unread;		/* the last reply was not read to its end */
	char errmsg[256];
	char *rx;
	uint32_t tx[RTNL_TX_SIZE / sizeof(uint32_t)];
};

/* Called for each data message of a reply; returns 0 or -errno. */
typedef int (*rtnl_parse_fn)(const struct nlmsghdr *nlh, void *arg);

struct rtnl_reply {
	struct rtnl *r;
	rtnl_parse_fn parse;
	void *arg;
	int err;		/* first error of the kernel or of parse */
};

/* A dump's growing result array. */
struct rtnl_dump {
	char *items;
	int n, cap;
	size_t size;
	unsigned int table;	/* routes: only this table, 0 all */
};

static inline int rtnl_addrlen(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

struct rtnl_attrs {
	const struct nlattr **tb;
	const unsigned char *minlen;	/* by type: least payload length */
	int max;
};

/* Requests: a message with its family header, then a round trip. */
struct nlmsghdr *rtnl_msg(struct rtnl *r, int type, int flags, size_t hdrlen, void *hdr);
int rtnl_talk(struct rtnl *r, struct nlmsghdr *nlh, rtnl_parse_fn parse, void *arg);
int rtnl_do(struct rtnl *r, struct nlmsghdr *nlh);

/* Attributes of a message, each checked against @minlen. */
int rtnl_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
	       int max, const unsigned char *minlen);
unsigned int rtnl_u32(const struct nlattr *a, unsigned int def);
int rtnl_get_str(const struct nlattr *a, char *s, size_t size);
int rtnl_get_addr(const struct nlattr *a, int family, void *out);
int rtnl_name_ok(const char *name);

#endif
