// SPDX-License-Identifier: GPL-2.0
/* What the appliance's iptables jobs may ask of a tenant: netfilter's
 * tables and their /proc files, and nothing else. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "rpc/jobpolicy.h"

static int failed;

static void check(int got, int want, const char *what)
{
	if (got != want) {
		fprintf(stderr, "FAIL: %s: %s, want %s\n", what, got ? "allowed" : "refused",
			want ? "allowed" : "refused");
		failed = 1;
	}
}

static int call(uint32_t op, int64_t a0, int64_t a1, int64_t a2, const char *path)
{
	int64_t args[6] = { a0, a1, a2 };

	return rpc_job_allows(RPC_JOB_XTABLES, op, args, (const unsigned char *)path,
			      path ? strlen(path) + 1 : 0);
}

static int nft(uint32_t op, int64_t a0, int64_t a1, int64_t a2)
{
	int64_t args[6] = { a0, a1, a2 };

	return rpc_job_allows(RPC_JOB_NFT, op, args, NULL, 0);
}

/* An nft job: netfilter's netlink socket and talking on it, nothing else;
 * neither kind gets the other's. */
static void nft_job(void)
{
	int64_t args[6] = { AF_INET, SOCK_RAW, IPPROTO_RAW };

	check(nft(NRPC_SOCKET, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER), 1,
	      "nft: nfnetlink");
	check(nft(NRPC_SOCKET, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE), 0, "nft: rtnetlink");
	check(nft(NRPC_SOCKET, AF_NETLINK, SOCK_RAW, NETLINK_XFRM), 0, "nft: xfrm");
	check(nft(NRPC_SOCKET, AF_NETLINK, SOCK_DGRAM, NETLINK_NETFILTER), 0, "nft: dgram");
	check(nft(NRPC_SOCKET, AF_INET, SOCK_RAW, IPPROTO_RAW), 0, "nft: raw IPv4");
	check(nft(NRPC_SOCKET, AF_INET, SOCK_STREAM, 0), 0, "nft: TCP");
	check(nft(NRPC_SENDMSG, 3, 0, 0), 1, "nft: sendmsg");
	check(nft(NRPC_RECVMSG, 3, 0, 0), 1, "nft: recvmsg");
	check(nft(NRPC_BIND, 3, 0, 0), 1, "nft: bind");
	check(nft(NRPC_SETSOCKOPT, 3, SOL_NETLINK, NETLINK_EXT_ACK), 1, "nft: NETLINK_EXT_ACK");
	check(nft(NRPC_SETSOCKOPT, 3, SOL_SOCKET, SO_RCVBUFFORCE), 1, "nft: SO_RCVBUFFORCE");
	check(nft(NRPC_SETSOCKOPT, 3, SOL_SOCKET, SO_BINDTODEVICE), 0, "nft: SO_BINDTODEVICE");
	check(nft(NRPC_SETSOCKOPT, 3, IPPROTO_IP, 64), 0, "nft: IPT_SO_SET_REPLACE");
	check(nft(NRPC_OPEN, O_RDONLY, 0, 0), 0, "nft: open");
	check(nft(NRPC_CONNECT, 3, 0, 0), 0, "nft: connect");
	check(nft(NRPC_IOCTL, 3, 0, 0), 0, "nft: ioctl");
	check(nft(NRPC_ACCEPT, 3, 0, 0), 0, "nft: accept");
	check(nft(NRPC_WRITE, 3, 0, 0), 0, "nft: write");
	check(rpc_job_allows(RPC_JOB_XTABLES, NRPC_SOCKET, (int64_t[6]){ AF_NETLINK, SOCK_RAW,
			     NETLINK_NETFILTER }, NULL, 0), 0, "iptables: nfnetlink");
	check(rpc_job_allows(RPC_JOB_XTABLES, NRPC_SENDMSG, args, NULL, 0), 0, "iptables: sendmsg");
	check(rpc_job_allows(RPC_JOB_NONE, NRPC_NULL, args, NULL, 0), 0, "no kind: nothing");
}

int main(void)
{
	nft_job();
	check(call(NRPC_SOCKET, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW, NULL), 1, "raw IPv4");
	check(call(NRPC_SOCKET, AF_INET6, SOCK_RAW, IPPROTO_RAW, NULL), 1, "raw IPv6");
	check(call(NRPC_SOCKET, AF_INET, SOCK_STREAM, 0, NULL), 0, "TCP");
	check(call(NRPC_SOCKET, AF_INET, SOCK_DGRAM, 0, NULL), 0, "UDP");
	check(call(NRPC_SOCKET, AF_NETLINK, SOCK_RAW, 0, NULL), 0, "rtnetlink");
	check(call(NRPC_SOCKET, AF_INET, SOCK_RAW, IPPROTO_ICMP, NULL), 0, "raw ICMP");
	check(call(NRPC_SETSOCKOPT, 3, IPPROTO_IP, 64, NULL), 1, "IPT_SO_SET_REPLACE");
	check(call(NRPC_SETSOCKOPT, 3, IPPROTO_IP, 65, NULL), 1, "IPT_SO_SET_ADD_COUNTERS");
	check(call(NRPC_GETSOCKOPT, 3, IPPROTO_IPV6, 67, NULL), 1, "IP6T_SO_GET_REVISION_TARGET");
	check(call(NRPC_SETSOCKOPT, 3, IPPROTO_IP, 68, NULL), 0, "past IPT_SO_*");
	check(call(NRPC_SETSOCKOPT, 3, SOL_SOCKET, SO_BINDTODEVICE, NULL), 0, "SO_BINDTODEVICE");
	check(call(NRPC_SETSOCKOPT, 3, IPPROTO_IP, IP_HDRINCL, NULL), 0, "IP_HDRINCL");
	check(call(NRPC_OPEN, O_RDONLY, 0, 0, "/proc/net/ip_tables_names"), 1, "ip_tables_names");
	check(call(NRPC_OPEN, O_RDONLY, 0, 0, "/proc/net/ip6_tables_matches"), 1, "ip6_tables_matches");
	check(call(NRPC_OPEN, O_WRONLY, 0, 0, "/proc/net/ip_tables_names"), 0, "writing it");
	check(call(NRPC_OPEN, O_RDONLY, 0, 0, "/proc/net/ip_tables_/../route"), 0, "..");
	check(call(NRPC_OPEN, O_RDWR, 0, 0, "/proc/sys/net/ipv4/ip_forward"), 0, "a sysctl");
	check(call(NRPC_OPEN, O_RDONLY, 0, 0, "/proc/net/route"), 0, "/proc/net/route");
	check(call(NRPC_CLOSE, 3, 0, 0, NULL), 1, "close");
	check(call(NRPC_READ, 3, 100, 0, NULL), 1, "read");
	check(call(NRPC_WRITE, 3, 0, 0, NULL), 0, "write");
	check(call(NRPC_BIND, 3, 0, 0, NULL), 0, "bind");
	check(call(NRPC_CONNECT, 3, 0, 0, NULL), 0, "connect");
	check(call(NRPC_LISTEN, 3, 5, 0, NULL), 0, "listen");
	check(call(NRPC_SENDTO, 3, 0, 0, NULL), 0, "sendto");
	check(call(NRPC_IOCTL, 3, 0x8914, 0, NULL), 0, "SIOCSIFFLAGS");
	check(call(0, 0, 0, 0, NULL), 0, "op 0");
	check(call(9999, 0, 0, 0, NULL), 0, "op 9999");
	if (!failed)
		printf("jobpolicy: every case as it should be\n");
	return failed;
}
