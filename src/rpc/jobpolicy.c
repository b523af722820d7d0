// SPDX-License-Identifier: GPL-2.0
/*
 * What the appliance's own iptables and nft jobs may ask of a tenant.  A
 * job holds a session it did not have to prove itself for (rpc_adopt());
 * should the job's process ever be taken over, that session must be worth
 * no more than the job: netfilter's tables through raw sockets and their
 * /proc files (iptables), or netfilter's netlink socket (nft), and nothing
 * else (no other socket, address, route or sysctl).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "jobpolicy.h"

/* IPT_SO_* and IP6T_SO_*: SET_REPLACE and SET_ADD_COUNTERS, GET_INFO,
 * GET_ENTRIES, GET_REVISION_MATCH and GET_REVISION_TARGET. */
#define XT_SO_FIRST	64
#define XT_SO_LAST	67

static int xt_sockopt(int64_t level, int64_t name)
{
	return (level == IPPROTO_IP || level == IPPROTO_IPV6) &&
	       name >= XT_SO_FIRST && name <= XT_SO_LAST;
}

static int xt_proc_file(const unsigned char *in, size_t n, int64_t flags)
{
	static const char *const prefixes[] = { "/proc/net/ip_tables_", "/proc/net/ip6_tables_",
						NULL };
	int i;

	if (!n || in[n - 1] || (flags & O_ACCMODE) != O_RDONLY)
		return 0;
	for (i = 0; prefixes[i]; i++)
		if (!strncmp((const char *)in, prefixes[i], strlen(prefixes[i])) &&
		    !strstr((const char *)in, ".."))
			return 1;
	return 0;
}

/* Socket options of a netlink socket nft sets or reads: its buffers, and
 * SOL_NETLINK's own (groups, extended acks, strict checking, ...). */
static int nft_sockopt(int64_t level, int64_t name)
{
	if (level == SOL_NETLINK)
		return 1;
	return level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF ||
				       name == SO_RCVBUFFORCE || name == SO_SNDBUFFORCE);
}

static int nft_allows(uint32_t op, const int64_t args[6])
{
	switch (op) {
	case NRPC_SOCKET:
		return args[0] == AF_NETLINK && (args[1] & 0xf) == SOCK_RAW &&
		       args[2] == NETLINK_NETFILTER;
	case NRPC_SETSOCKOPT:
	case NRPC_GETSOCKOPT:
		return nft_sockopt(args[1], args[2]);
	case NRPC_BIND: case NRPC_GETSOCKNAME: case NRPC_SENDTO: case NRPC_SENDMSG:
	case NRPC_RECVFROM: case NRPC_RECVMSG: case NRPC_POLL:
	case NRPC_CLOSE: case NRPC_FCNTL: case NRPC_DUP: case NRPC_NULL:
		return 1;
	default:
		return 0;
	}
}

int rpc_job_allows(int kind, uint32_t op, const int64_t args[6], const unsigned char *in,
		   size_t n)
{
	if (kind == RPC_JOB_NFT)
		return nft_allows(op, args);
	if (kind != RPC_JOB_XTABLES)
		return 0;
	switch (op) {
	case NRPC_SOCKET:
		return (args[0] == AF_INET || args[0] == AF_INET6) &&
		       (args[1] & 0xf) == SOCK_RAW && args[2] == IPPROTO_RAW;
	case NRPC_SETSOCKOPT:
	case NRPC_GETSOCKOPT:
		return xt_sockopt(args[1], args[2]);
	case NRPC_OPEN:
		return xt_proc_file(in, n, args[0]);
	case NRPC_CLOSE: case NRPC_READ: case NRPC_FCNTL: case NRPC_DUP: case NRPC_NULL:
		return 1;
	default:
		return 0;
	}
}
