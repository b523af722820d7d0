// SPDX-License-Identifier: GPL-2.0
/*
 * Checks of the preload library's descriptor, wait, fork and /proc
 * handling, run under LD_PRELOAD against an appliance (or the test
 * double): `plcheck TENANT_ADDR IFNAME`.  Prints "ok: ..." or
 * "FAIL: ..." per check; exits 1 if any failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plcheck.h"

/* A UDP socket of the tenant's bound to 127.0.0.1:port (0: any port). */
static int udp(int port, struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof(*sa)) ||
	    getsockname(fd, (struct sockaddr *)sa, &len))
		return -1;
	return fd;
}

static void check_fds(void)
{
	struct sockaddr_in sa;
	int s = udp(0, &sa), n = open("/dev/null", O_RDONLY), d;
	socklen_t len = sizeof(sa);

	CHECK(s >= 0 && n >= 0 && s != n && s < 1000, "socket %d and a host file %d differ", s, n);
	CHECK(fcntl(s, F_GETFD) == 0 && !fcntl(s, F_SETFD, FD_CLOEXEC) &&
	      fcntl(s, F_GETFD) == FD_CLOEXEC, "FD_CLOEXEC kept per descriptor");
	CHECK(close(1000) < 0 && errno == EBADF, "close() of the connection is refused");
	d = fcntl(s, F_DUPFD_CLOEXEC, 40);
	CHECK(d >= 40 && fcntl(d, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC gives %d", d);
	CHECK(dup2(s, 30) == 30 && !close(s) && !getsockname(30, (struct sockaddr *)&sa, &len),
	      "dup2'd socket lives on after the original closes");
	CHECK(dup2(n, 30) == 30 && getsockname(30, (struct sockaddr *)&sa, &len) < 0 &&
	      errno == ENOTSOCK, "dup2 of a host file over a socket replaces it");
	CHECK(!close(d) && !close(30) && !close(n), "closes");
}

static void check_nonblock(void)
{
	struct sockaddr_in sa;
	int s = udp(0, &sa), on = 0;
	char c;

	CHECK(!fcntl(s, F_SETFL, O_NONBLOCK) && (fcntl(s, F_GETFL) & O_NONBLOCK) &&
	      recv(s, &c, 1, 0) < 0 && errno == EAGAIN, "O_NONBLOCK: EAGAIN from the tenant");
	CHECK(!ioctl(s, FIONBIO, &on) && !(fcntl(s, F_GETFL) & O_NONBLOCK), "FIONBIO clears it");
	close(s);
}

static void *write_later(void *arg)
{
	usleep(200000);
	if (write(*(int *)arg, "x", 1) != 1)
		abort();
	return NULL;
}

static void check_poll(void)
{
	struct sockaddr_in sa;
	int s = udp(0, &sa), p[2], r;
	struct pollfd f[2];
	pthread_t t;
	char c;

	if (pipe(p))
		abort();
	f[0] = (struct pollfd){ s, POLLIN, 0 };
	f[1] = (struct pollfd){ p[0], POLLIN, 0 };
	pthread_create(&t, NULL, write_later, &p[1]);
	r = poll(f, 2, 5000);
	CHECK(r == 1 && f[1].revents == POLLIN && !f[0].revents, "mixed poll: host side first");
	pthread_join(t, NULL);
	CHECK(read(p[0], &c, 1) == 1, "and the connection is still in step");
	sendto(s, "y", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	f[0].revents = f[1].revents = 0;
	r = poll(f, 2, 5000);
	CHECK(r == 1 && f[0].revents == POLLIN, "mixed poll: tenant side first");
	CHECK(recv(s, &c, 1, 0) == 1 && poll(f, 2, 100) == 0, "mixed poll: timeout");
	close(p[0]);
	close(p[1]);
	close(s);
}

static void check_select(void)
{
	struct sockaddr_in sa;
	int s = udp(0, &sa), p[2];
	struct timeval tv = { 2, 0 };
	fd_set r;

	if (pipe(p))
		abort();
	sendto(s, "z", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	FD_ZERO(&r);
	FD_SET(s, &r);
	FD_SET(p[0], &r);
	CHECK(select((s > p[0] ? s : p[0]) + 1, &r, NULL, NULL, &tv) == 1 &&
	      FD_ISSET(s, &r) && !FD_ISSET(p[0], &r), "select over host and tenant");
	close(p[0]);
	close(p[1]);
	close(s);
}

static void check_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT }, out[4];
	struct sockaddr_in sa;
	int s = udp(0, &sa), p[2], ep = epoll_create1(0);

	if (pipe(p))
		abort();
	ev.data.u32 = 7;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	ev.events = EPOLLIN;
	ev.data.u32 = 8;
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	sendto(s, "e", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	CHECK(epoll_wait(ep, out, 4, 2000) == 1 && out[0].data.u32 == 7, "epoll: tenant event");
	CHECK(epoll_wait(ep, out, 4, 100) == 0, "epoll: EPOLLONESHOT disarms");
	if (write(p[1], "x", 1) != 1)
		abort();
	CHECK(epoll_wait(ep, out, 4, 2000) == 1 && out[0].data.u32 == 8, "epoll: host event");
	ev.events = EPOLLIN;
	ev.data.u32 = 9;
	CHECK(!epoll_ctl(ep, EPOLL_CTL_MOD, s, &ev) && epoll_wait(ep, out, 4, 2000) == 2,
	      "epoll: both after EPOLL_CTL_MOD");
	close(ep);
	close(p[0]);
	close(p[1]);
	close(s);
}

static void on_alarm(int sig)
{
}

static void check_signal(void)
{
	struct sigaction act = { .sa_handler = on_alarm };
	struct sockaddr_in sa;
	int s = udp(0, &sa), r;
	struct pollfd f = { s, POLLIN, 0 };

	sigaction(SIGALRM, &act, NULL);
	alarm(1);
	r = poll(&f, 1, 10000);
	CHECK(r < 0 && errno == EINTR, "a signal ends a tenant poll with EINTR");
	CHECK(!getsockname(s, (struct sockaddr *)&sa, &(socklen_t){ sizeof(sa) }),
	      "the next call works");
	close(s);
}

static sigjmp_buf jump;
static int nested_fd, nested_ret, nested_errno;

static void jump_out(int sig)
{
	siglongjmp(jump, 1);
}

static void call_inside(int sig)
{
	struct sockaddr_in sa;

	nested_ret = getsockname(nested_fd, (struct sockaddr *)&sa, &(socklen_t){ sizeof(sa) });
	nested_errno = errno;
}

/* A handler that jumps out of a tenant wait (iperf3 on ^C), or that
 * makes a tenant call in the middle of one: no hang, and the calls
 * after it are in step. */
static void check_jump(void)
{
	struct sigaction act = { .sa_handler = jump_out };
	struct sockaddr_in sa;
	int s = udp(0, &sa), r = 0;
	struct pollfd f = { s, POLLIN, 0 };
	char c = 0;

	sigaction(SIGALRM, &act, NULL);
	alarm(1);
	if (!sigsetjmp(jump, 1))
		r = poll(&f, 1, 10000);
	CHECK(r == 0, "a handler longjmp()s out of a tenant poll");
	CHECK(sendto(s, "j", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) == 1 &&
	      recv(s, &c, 1, 0) == 1 && c == 'j', "the calls after it are in step");
	act.sa_handler = call_inside;
	sigaction(SIGALRM, &act, NULL);
	nested_fd = s;
	alarm(1);
	r = poll(&f, 1, 10000);
	CHECK(r < 0 && errno == EINTR && nested_ret < 0 && nested_errno == EINTR,
	      "a tenant call in a handler during one: EINTR, no hang");
	close(s);
}

static void check_fork(void)
{
	struct sockaddr_in a, b;
	int s = udp(0, &a), t = udp(0, &b), st;
	char buf[8] = "";
	pid_t pid = fork();

	if (!pid) {
		close(t);
		_exit(sendto(s, "child", 5, 0, (struct sockaddr *)&b, sizeof(b)) != 5);
	}
	close(s);	/* the parent's copy goes; the child's must not */
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && !WEXITSTATUS(st) && recv(t, buf, sizeof(buf), MSG_DONTWAIT) == 5 &&
	      !memcmp(buf, "child", 5), "a forked child uses the parent's socket");
	close(t);
}

/* 1 MiB through tenant TCP in one write (split in calls); child writes. */
static void check_big(void)
{
	size_t len = 1 << 20, got = 0;
	char *buf = malloc(len), *in = malloc(len);
	struct sockaddr_in sa;
	int l = socket(AF_INET, SOCK_STREAM, 0), c, st;
	socklen_t sl = sizeof(sa);
	pid_t pid;
	ssize_t r;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (size_t i = 0; i < len; i++)
		buf[i] = i * 7 + (i >> 12);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sa, &sl))
		abort();
	if (!(pid = fork())) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		_exit(connect(c, (struct sockaddr *)&sa, sizeof(sa)) ||
		      write(c, buf, len) != (ssize_t)len);
	}
	c = accept(l, NULL, NULL);
	while (c >= 0 && (r = read(c, in + got, len - got)) > 0)
		got += r;
	waitpid(pid, &st, 0);
	CHECK(got == len && !memcmp(in, buf, len) && WIFEXITED(st) && !WEXITSTATUS(st),
	      "1 MiB in one write() arrives whole (%zu bytes)", got);
	close(c);
	close(l);
	free(buf);
	free(in);
}

static void check_mmsg(void)
{
	struct sockaddr_in sa;
	int s = udp(0, &sa), i;
	char bufs[3][4];
	struct iovec v[3];
	struct mmsghdr m[3];

	memset(m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		v[i] = (struct iovec){ bufs[i], 4 };
		snprintf(bufs[i], 4, "m%d", i);
		m[i].msg_hdr = (struct msghdr){ .msg_name = &sa, .msg_namelen = sizeof(sa),
						.msg_iov = &v[i], .msg_iovlen = 1 };
	}
	CHECK(sendmmsg(s, m, 3, 0) == 3, "sendmmsg sends 3");
	memset(bufs, 0, sizeof(bufs));
	usleep(50000);
	CHECK(recvmmsg(s, m, 3, 0, NULL) == 3 && !strcmp(bufs[2], "m2"), "recvmmsg gets 3");
	close(s);
}

static void check_cmsg(void)
{
	struct sockaddr_in sa;
	int s = udp(0, &sa), on = 1, found = 0;
	char data[4], ctl[256];
	struct iovec v = { data, sizeof(data) };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;

	setsockopt(s, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on));
	sendto(s, "ts", 2, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (recvmsg(s, &m, 0) == 2)
		for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			found |= c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP;
	CHECK(found, "recvmsg passes SO_TIMESTAMP's cmsg through");
	close(s);
}

/* Buffers of the datagram's exact size, with a sockaddr_in for its name:
 * without control data, then with room for exactly its SO_TIMESTAMP. */
static void check_exact(void)
{
	struct sockaddr_in sa, from;
	int s = udp(0, &sa), on = 1, i;
	char data[10], ctl[CMSG_SPACE(sizeof(struct timeval))];
	struct iovec v = { data, sizeof(data) };
	struct msghdr m;

	setsockopt(s, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on));
	for (i = 0; i < 2; i++) {
		m = (struct msghdr){ .msg_name = &from, .msg_namelen = sizeof(from),
				     .msg_iov = &v, .msg_iovlen = 1,
				     .msg_control = i ? ctl : NULL,
				     .msg_controllen = i ? sizeof(ctl) : 0 };
		memset(data, 0, sizeof(data));
		sendto(s, "0123456789", 10, 0, (struct sockaddr *)&sa, sizeof(sa));
		CHECK(recvmsg(s, &m, 0) == 10 && !(m.msg_flags & MSG_TRUNC) &&
		      !memcmp(data, "0123456789", 10) && m.msg_namelen == sizeof(from) &&
		      from.sin_port == sa.sin_port && m.msg_controllen == (i ? sizeof(ctl) : 0),
		      "recvmsg into an exact-size buffer%s", i ? ", control too" : "");
	}
	close(s);
}

/* The tenant's /proc/sys and /proc/net, not the host's. */
static void check_proc(void)
{
	const char *f = "/proc/sys/net/ipv4/ip_forward";
	char a[8] = "", b[8] = "", line[512];
	int fd = open(f, O_RDWR), ok = 0;
	FILE *fp;

	CHECK(fd >= 0 && write(fd, "1\n", 2) == 2, "write %s", f);
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, a, sizeof(a)) == 2 && a[0] == '1',
	      "lseek(0) and read it back: %c", a[0]);
	close(fd);
	fp = fopen(f, "r");
	CHECK(fp && fgets(b, sizeof(b), fp) && b[0] == '1', "fopen/fgets it");
	if (fp) {
		rewind(fp);
		CHECK(fgets(b, sizeof(b), fp) && b[0] == '1' && ftell(fp) == 2, "rewind, ftell");
		fclose(fp);
	}
	fd = open(f, O_WRONLY);
	CHECK(fd >= 0 && write(fd, "0\n", 2) == 2 && !close(fd), "and back to 0");
	fp = fopen("/proc/self/net/dev", "re");
	while (fp && fgets(line, sizeof(line), fp))
		ok |= !!strstr(line, ifname);
	CHECK(ok, "/proc/self/net/dev lists %s", ifname);
	if (fp)
		fclose(fp);
}

static void check_ifaddrs(void)
{
	struct ifaddrs *ifa, *i;
	struct if_nameindex *ni, *n;
	unsigned int idx = if_nametoindex(ifname);
	char name[IF_NAMESIZE] = "", ip[64];
	int mine = 0, other = 0, listed = 0;

	CHECK(idx > 0 && if_indextoname(idx, name) && !strcmp(name, ifname),
	      "if_nametoindex(%s) = %u and back", ifname, idx);
	CHECK(!if_nametoindex("nosuch0") && errno == ENODEV, "if_nametoindex: ENODEV");
	if (!getifaddrs(&ifa)) {
		for (i = ifa; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
				continue;
			inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				  ip, sizeof(ip));
			if (!strcmp(ip, tenant_addr))
				mine = 1;
			else if (strcmp(ip, "127.0.0.1"))
				other = 1;
		}
		freeifaddrs(ifa);
	}
	CHECK(mine && !other, "getifaddrs: %s and no other IPv4 address", tenant_addr);
	ni = if_nameindex();
	for (n = ni; n && n->if_index; n++)
		listed |= n->if_index == idx && !strcmp(n->if_name, ifname);
	if (ni)
		if_freenameindex(ni);
	CHECK(listed, "if_nameindex lists %s", ifname);
}

static void check_ifconf(void)
{
	struct ifreq r[16];
	struct ifconf ifc = { .ifc_len = sizeof(r), .ifc_req = r };
	int s = socket(AF_INET, SOCK_DGRAM, 0), i, ok = 0;

	if (!ioctl(s, SIOCGIFCONF, &ifc))
		for (i = 0; i < ifc.ifc_len / (int)sizeof(r[0]); i++)
			ok |= !strcmp(r[i].ifr_name, ifname) &&
			      ((struct sockaddr_in *)&r[i].ifr_addr)->sin_addr.s_addr ==
			      inet_addr(tenant_addr);
	CHECK(ok, "SIOCGIFCONF: %s has %s", ifname, tenant_addr);
	close(s);
}

/* Tenant descriptors do not survive exec. */
static void check_exec(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), st;
	char cmd[64];
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "test -e /proc/self/fd/%d", s);
	if (!(pid = fork())) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(99);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "a tenant descriptor is gone after exec");
	close(s);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: plcheck TENANT_ADDR IFNAME\n");
		return 2;
	}
	tenant_addr = argv[1];
	ifname = argv[2];
	check_fds();
	check_nonblock();
	check_poll();
	check_select();
	check_epoll();
	check_signal();
	check_jump();
	check_fork();
	check_big();
	check_mmsg();
	check_cmsg();
	check_exact();
	check_proc();
	check_ifaddrs();
	check_ifconf();
	check_exec();
	return failed;
}
