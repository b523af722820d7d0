// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own loopback: UDP echo; TCP connect/accept; a blocking
 * accept that completes asynchronously while other calls, on the same
 * file table, keep being served; 16 MiB over TCP checked byte for byte.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ktest.h"

#define BIG	(16UL << 20)

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	return sin;
}

static void udp_echo(int srv, int cli)
{
	struct sockaddr_in addr = loopback(7007), from;
	socklen_t fromlen = sizeof(from);
	struct kt_async rx;
	char buf[64];
	long s, c, n;

	s = KT_OK(nuse_call3(srv, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));
	KT_OK(nuse_call3(srv, NUSE_SYS_bind, s, &addr, sizeof(addr)));
	c = KT_OK(nuse_call3(cli, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));

	/* The server waits first: its recvfrom blocks until the datagram. */
	memset(&rx, 0, sizeof(rx));
	rx.call = (struct nuse_syscall){
		.nr = NUSE_SYS_recvfrom,
		.args = { s, (long)buf, sizeof(buf), 0, (long)&from, (long)&fromlen },
	};
	kt_submit(&rx, srv, NUSE_SYS_recvfrom, s, (long)buf, sizeof(buf), 0);
	rx.call.args[4] = (long)&from;
	rx.call.args[5] = (long)&fromlen;
	KT_OK(nuse_run());
	KT_CHECK(!rx.done, "recvfrom returned before anything was sent");

	KT_CHECK(nuse_call6(cli, NUSE_SYS_sendto, c, "ping", 4, 0, &addr,
			    sizeof(addr)) == 4, "sendto");
	KT_CHECK(kt_wait(&rx, 1000), "server never got the datagram");
	KT_CHECK(rx.call.ret == 4 && !memcmp(buf, "ping", 4), "server got %ld bytes",
		 rx.call.ret);
	KT_CHECK(nuse_call6(srv, NUSE_SYS_sendto, s, "pong", 4, 0, &from,
			    fromlen) == 4, "echo");
	n = KT_OK(nuse_call6(cli, NUSE_SYS_recvfrom, c, buf, sizeof(buf), 0, 0, 0));
	KT_CHECK(n == 4 && !memcmp(buf, "pong", 4), "client got %ld bytes", n);
	nuse_call1(srv, NUSE_SYS_close, s);
	nuse_call1(cli, NUSE_SYS_close, c);
	printf("udp echo ok\n");
}

static unsigned char *pattern(size_t len)
{
	unsigned char *p = malloc(len);
	unsigned long x = 88172645463325252UL;
	size_t i;

	KT_CHECK(p, "out of memory");
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
	return p;
}

static void tcp(int srv, int cli)
{
	struct sockaddr_in addr = loopback(8008), name;
	socklen_t namelen = sizeof(name);
	unsigned char *out = pattern(BIG), *in = calloc(1, BIG);
	struct kt_async acc, tx;
	long l, c, a, n, got = 0;
	int srv_thread = kt_spawn(srv, NUSE_SPAWN_SHARE_FILES);
	int one = 1;

	l = KT_OK(nuse_call3(srv, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	KT_OK(nuse_call5(srv, NUSE_SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR,
			 &one, sizeof(one)));
	KT_OK(nuse_call3(srv, NUSE_SYS_bind, l, &addr, sizeof(addr)));
	KT_OK(nuse_call2(srv, NUSE_SYS_listen, l, 8));

	/* accept blocks in one task of the server's file table ... */
	kt_submit(&acc, srv_thread, NUSE_SYS_accept, l, 0, 0, 0);
	KT_OK(nuse_run());
	KT_CHECK(!acc.done, "accept returned with no client");
	/* ... while its sibling and other tasks keep being served. */
	KT_OK(nuse_call3(srv, NUSE_SYS_getsockname, l, &name, &namelen));
	KT_CHECK(name.sin_port == htons(8008), "getsockname during accept");
	KT_CHECK(nuse_call0(cli, NUSE_SYS_getpid) == cli, "getpid during accept");
	KT_CHECK(!acc.done, "accept returned with no client");

	c = KT_OK(nuse_call3(cli, NUSE_SYS_socket, AF_INET, SOCK_STREAM, 0));
	KT_OK(nuse_call3(cli, NUSE_SYS_connect, c, &addr, sizeof(addr)));
	KT_CHECK(kt_wait(&acc, 1000), "accept never completed");
	a = KT_OK(acc.call.ret);
	printf("blocking accept completed asynchronously: fd %ld\n", a);

	/* One 16 MiB send, drained by the server with many receives. */
	kt_submit(&tx, cli, NUSE_SYS_sendto, c, (long)out, BIG, 0);
	while ((size_t)got < BIG) {
		n = KT_OK(nuse_call6(srv, NUSE_SYS_recvfrom, a, in + got,
				     BIG - got, 0, 0, 0));
		KT_CHECK(n > 0, "connection closed after %ld bytes", got);
		got += n;
	}
	KT_CHECK(kt_wait(&tx, 5000), "send never completed");
	KT_CHECK(tx.call.ret == (long)BIG, "send returned %ld", tx.call.ret);
	KT_CHECK(!memcmp(in, out, BIG), "16 MiB arrived altered");

	/* Orderly close: the server reads end of stream. */
	KT_OK(nuse_call1(cli, NUSE_SYS_close, c));
	n = nuse_call6(srv, NUSE_SYS_recvfrom, a, in, 1, 0, 0, 0);
	KT_CHECK(n == 0, "after close, recv returned %ld", n);
	KT_OK(nuse_call1(srv, NUSE_SYS_close, a));
	KT_OK(nuse_call1(srv, NUSE_SYS_close, l));
	printf("tcp: 16 MiB transferred intact\n");
	free(in);
	free(out);
}

int main(void)
{
	int srv, cli;

	kt_boot(128UL << 20);
	kt_lo_up(1);
	srv = kt_spawn(1, 0);
	cli = kt_spawn(1, 0);
	udp_echo(srv, cli);
	tcp(srv, cli);
	kt_halt();
	return 0;
}
