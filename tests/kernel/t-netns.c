// SPDX-License-Identifier: GPL-2.0
/*
 * A second network namespace, made by unshare(CLONE_NEWNET) in a kernel
 * task, has its own loopback and sees none of the first one's sockets.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>

#include "ktest.h"

static int has_listener(int pid, int port)
{
	char buf[8192], needle[32];

	KT_OK(kt_read_file(pid, "/proc/net/tcp", buf, sizeof(buf)));
	snprintf(needle, sizeof(needle), ":%04X 00000000:0000 0A", port);
	return strstr(buf, needle) != NULL;
}

static void netns_name(int pid, char *out, size_t size)
{
	long n = KT_OK(nuse_call4(pid, NUSE_SYS_readlinkat, AT_FDCWD,
				  "/proc/self/ns/net", out, size - 1));
	out[n] = '\0';
}

int main(void)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(9009),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	char ns1[64], ns2[64], ns3[64], dev[4096];
	long l, c, l2;
	int t, u;

	kt_boot(64UL << 20);
	kt_lo_up(1);
	l = KT_OK(nuse_call3(1, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	KT_OK(nuse_call3(1, NUSE_SYS_bind, l, &addr, sizeof(addr)));
	KT_OK(nuse_call2(1, NUSE_SYS_listen, l, 4));
	KT_CHECK(has_listener(1, 9009), "listener missing from /proc/net/tcp");

	t = kt_spawn(1, 0);
	KT_OK(nuse_call1(t, NUSE_SYS_unshare, CLONE_NEWNET));
	netns_name(1, ns1, sizeof(ns1));
	netns_name(t, ns2, sizeof(ns2));
	KT_CHECK(strcmp(ns1, ns2), "unshare left the task in %s", ns1);
	printf("first namespace %s, second %s\n", ns1, ns2);

	/* Its own loopback, down as in any new namespace. */
	KT_OK(kt_read_file(t, "/proc/net/dev", dev, sizeof(dev)));
	KT_CHECK(strstr(dev, "lo:"), "no loopback in the new namespace");
	c = KT_OK(nuse_call3(t, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	KT_ERR(nuse_call3(t, NUSE_SYS_connect, c, &addr, sizeof(addr)), ENETUNREACH);
	nuse_call1(t, NUSE_SYS_close, c);

	/* Up, it reaches nothing of the first namespace. */
	kt_lo_up(t);
	KT_CHECK(!has_listener(t, 9009), "first namespace's socket visible");
	c = KT_OK(nuse_call3(t, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	KT_ERR(nuse_call3(t, NUSE_SYS_connect, c, &addr, sizeof(addr)), ECONNREFUSED);
	/* The same port is free here. */
	l2 = KT_OK(nuse_call3(t, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	KT_OK(nuse_call3(t, NUSE_SYS_bind, l2, &addr, sizeof(addr)));

	/* A task spawned into a new namespace gets a third one. */
	u = kt_spawn(1, NUSE_SPAWN_NEWNET);
	netns_name(u, ns3, sizeof(ns3));
	KT_CHECK(strcmp(ns3, ns1) && strcmp(ns3, ns2), "spawned task shares %s", ns3);
	KT_OK(nuse_call0(u, NUSE_CALL_EXIT));
	KT_OK(nuse_call0(t, NUSE_CALL_EXIT));
	KT_CHECK(has_listener(1, 9009), "first namespace lost its listener");
	kt_halt();
	return 0;
}
