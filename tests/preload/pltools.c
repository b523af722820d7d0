// SPDX-License-Identifier: GPL-2.0
/*
 * What operators' tools need from the preload library, each case as a
 * routing daemon, a DHCP server or a sandboxing launcher does it; run
 * under `nuse-appliance exec` against the real daemon
 * (tests/e2e/test-toolcalls.sh): `pltools CHECK TENANT_ADDR IFNAME`,
 * CHECK one of threads, fcntl, closerange, ethtool, arp, refused.  Prints
 * "ok: ..." or "FAIL: ..." per check; exits 1 if any failed.  Every
 * wait is bounded: a lock-up is a FAIL, not a hang.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "plcheck.h"

/* A UDP socket of the tenant's bound to 127.0.0.1, any port. */
static int udp(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof(*sa)) ||
	    getsockname(fd, (struct sockaddr *)sa, &len))
		return -1;
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- threads: one blocked in the tenant, the others carry on --- */

enum wait_kind { W_RECV, W_POLL, W_PPOLL, W_EPOLL, W_ACCEPT, W_KINDS };
static const char *const wait_name[W_KINDS] = { "recv", "poll", "ppoll", "epoll_wait", "accept" };

struct waiter {
	enum wait_kind kind;
	int fd;
	volatile int started, done;
	long got;
};

static void *wait_in_tenant(void *arg)
{
	struct waiter *w = arg;
	struct pollfd p = { w->fd, POLLIN, 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	char buf[16];
	int ep;

	w->started = 1;
	switch (w->kind) {
	case W_RECV:
		w->got = recv(w->fd, buf, sizeof(buf), 0);
		break;
	case W_POLL:
		w->got = poll(&p, 1, 30000);
		break;
	case W_PPOLL:
		w->got = ppoll(&p, 1, &(struct timespec){ 30, 0 }, NULL);
		break;
	case W_EPOLL:
		ep = epoll_create1(0);
		epoll_ctl(ep, EPOLL_CTL_ADD, w->fd, &ev);
		w->got = epoll_wait(ep, &ev, 1, 30000);
		close(ep);
		break;
	case W_ACCEPT:
		w->got = accept(w->fd, NULL, NULL);
		if (w->got >= 0)
			close(w->got);
		break;
	default:
		break;
	}
	w->done = 1;
	return NULL;
}

/* What a netlink thread does meanwhile: sockets, a dump, an ioctl. */
static int other_calls(void)
{
	struct ifaddrs *ifa;
	int s = socket(AF_INET, SOCK_DGRAM, 0), ok;

	ok = s >= 0 && if_nametoindex(ifname) > 0 && !getifaddrs(&ifa);
	if (ok)
		freeifaddrs(ifa);
	if (s >= 0)
		close(s);
	return ok;
}

static void check_one_wait(enum wait_kind kind)
{
	struct waiter w = { .kind = kind };
	struct sockaddr_in sa, ta;
	int u = udp(&sa), l = -1, i, ok = 1, c;
	double t0;
	pthread_t t;

	w.fd = u;
	if (kind == W_ACCEPT) {
		l = socket(AF_INET, SOCK_STREAM, 0);
		ta = sa;
		ta.sin_port = 0;
		socklen_t len = sizeof(ta);
		if (l < 0 || bind(l, (struct sockaddr *)&ta, sizeof(ta)) || listen(l, 4) ||
		    getsockname(l, (struct sockaddr *)&ta, &len)) {
			CHECK(0, "accept: a listening socket");
			return;
		}
		w.fd = l;
	}
	pthread_create(&t, NULL, wait_in_tenant, &w);
	while (!w.started)
		usleep(1000);
	usleep(200000);		/* the wait is on the appliance now */
	t0 = now();
	for (i = 0; i < 20 && ok && now() - t0 < 5; i++)
		ok = other_calls();
	CHECK(ok && i == 20 && !w.done,
	      "%s blocked in one thread: another made 20 rounds of tenant calls in %.2f s",
	      wait_name[kind], now() - t0);
	/* wake it, from this thread, through the tenant */
	if (kind == W_ACCEPT) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		connect(c, (struct sockaddr *)&ta, sizeof(ta));
	} else {
		c = socket(AF_INET, SOCK_DGRAM, 0);
		sendto(c, "wake", 4, 0, (struct sockaddr *)&sa, sizeof(sa));
	}
	for (t0 = now(); !w.done && now() - t0 < 5;)
		usleep(1000);
	CHECK(w.done && w.got >= (kind == W_ACCEPT ? 0 : 1), "and the %s returned %ld when woken",
	      wait_name[kind], w.got);
	if (w.done)
		pthread_join(t, NULL);
	else
		pthread_detach(t);
	close(c);
	close(u);
	if (l >= 0)
		close(l);
}

#define NTHREADS 16
static void *many_blocked(void *arg)
{
	char c;

	return (void *)(long)recv(*(int *)arg, &c, 1, 0);
}

/* Several threads blocked at once, then woken: each gets its datagram. */
static void check_many(void)
{
	struct sockaddr_in sa[NTHREADS];
	int s[NTHREADS], i, ok = 1;
	pthread_t t[NTHREADS];
	void *r;

	for (i = 0; i < NTHREADS; i++) {
		s[i] = udp(&sa[i]);
		pthread_create(&t[i], NULL, many_blocked, &s[i]);
	}
	usleep(300000);
	ok = other_calls();
	for (i = 0; i < NTHREADS; i++)
		sendto(s[(i + 1) % NTHREADS], "x", 1, 0, (struct sockaddr *)&sa[i], sizeof(sa[i]));
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &r);
		ok = ok && (long)r == 1;
		close(s[i]);
	}
	CHECK(ok, "%d threads blocked in recv at once, each woken by its datagram", NTHREADS);
}

/* fork() while another thread is blocked in the tenant: the child gets
 * its copy of the descriptors at once, the blocked thread carries on. */
static void check_fork_blocked(void)
{
	struct waiter w = { .kind = W_RECV };
	struct sockaddr_in sa, got;
	socklen_t len = sizeof(got);
	int u = udp(&sa), st = -1, c;
	pthread_t t;
	pid_t pid;

	w.fd = u;
	pthread_create(&t, NULL, wait_in_tenant, &w);
	while (!w.started)
		usleep(1000);
	usleep(200000);
	pid = fork();
	if (pid == 0) {
		alarm(10);
		_exit(getsockname(u, (struct sockaddr *)&got, &len) == 0 &&
		      got.sin_port == sa.sin_port && other_calls() ? 0 : 1);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	CHECK(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && !w.done,
	      "fork while a thread blocks in recv: the child has the socket and makes calls");
	c = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(c, "wake", 4, 0, (struct sockaddr *)&sa, sizeof(sa));
	pthread_join(t, NULL);
	CHECK(w.got == 4, "and the parent's recv still returns (%ld)", w.got);
	close(c);
	close(u);
}

static void check_threads(void)
{
	int k;

	alarm(60);		/* a lock-up ends as a failure */
	for (k = 0; k < W_KINDS; k++)
		check_one_wait(k);
	check_many();
	check_fork_blocked();
	alarm(0);
}

/* --- fcntl: only the commands that take an argument look at it --- */

static void check_fcntl(void)
{
	struct sockaddr_in sa;
	int s = udp(&sa), fl;

	errno = 0;
	fl = fcntl(s, F_GETFL, 0x7fffffff12345678L);
	CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDWR, "F_GETFL with junk in its unused argument");
	CHECK(fcntl(s, F_GETFD, -1L) == 0, "F_GETFD with junk in its unused argument");
	/* as Linux: F_SETFL's argument is an int; the high bits are nobody's */
	CHECK(!fcntl(s, F_SETFL, 0x7fffffff00000000L | O_NONBLOCK) &&
	      (fcntl(s, F_GETFL) & O_NONBLOCK), "F_SETFL reads an int");
	close(s);
}

/* --- close_range, closefrom, dup2 over the library's descriptor --- */

/* The descriptors at or above @from that are sockets: the library's own. */
static int high_sockets(int from, int *fds, int max)
{
	char path[64], link[64];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0, fd;
	ssize_t k;

	while (dir && (d = readdir(dir)) && n < max) {
		fd = atoi(d->d_name);
		if (fd < from || fd == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		k = readlink(path, link, sizeof(link) - 1);
		if (k > 0 && !strncmp(link, "socket:", 7))
			fds[n++] = fd;
	}
	if (dir)
		closedir(dir);
	return n;
}

static int tenant_works(void)
{
	return other_calls();
}

/* The library's doorbell: an eventfd at or above @from; -1 if none. */
static int high_eventfd(int from)
{
	char path[64], link[64];
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int found = -1, fd;
	ssize_t k;

	while (dir && (d = readdir(dir)) && found < 0) {
		fd = atoi(d->d_name);
		if (fd < from || fd == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		k = readlink(path, link, sizeof(link) - 1);
		if (k > 0 && (link[k] = 0, strstr(link, "eventfd")))
			found = fd;
	}
	if (dir)
		closedir(dir);
	return found;
}

/* Calls each made after a pause, so that the kernel's CPU is asleep and
 * the library rings. */
static int tenant_works_rung(void)
{
	int i;

	for (i = 0; i < 5; i++) {
		usleep(30000);
		if (!tenant_works())
			return 0;
	}
	return 1;
}

static void check_bell(void)
{
	int bell, sp[2], nb;
	char ch;

	tenant_works();
	bell = high_eventfd(100);
	if (bell < 0) {
		printf("skip: no doorbell (NUSE_RPC_SHM=0?)\n");
		return;
	}
	CHECK(tenant_works_rung(), "calls rung on the doorbell (descriptor %d)", bell);
	closefrom(3);
	CHECK(fcntl(bell, F_GETFD) >= 0 && tenant_works_rung(), "closefrom(3) spares the doorbell");
	CHECK(dup2(0, bell) == bell && tenant_works_rung() && (nb = high_eventfd(100)) >= 0 &&
	      nb != bell, "dup2 onto the doorbell: it moves out of the way (to %d)", nb);
	close(bell);
	bell = nb;
	/* a raw dup2 puts the program's socket at the doorbell's number */
	if (bell < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) {
		CHECK(0, "a doorbell and a socket pair");
		return;
	}
	syscall(SYS_dup2, sp[0], bell);
	CHECK(tenant_works_rung(), "after a raw dup2 over the doorbell, rung calls work");
	errno = 0;
	CHECK(recv(sp[1], &ch, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
	      "and nothing went into the program's socket at that number");
	syscall(SYS_close, bell);
	close(sp[0]);
	close(sp[1]);
}

static void check_closerange(void)
{
	struct sockaddr_in sa;
	int s = udp(&sa), fds[8], n, c, sp[2];
	char ch;

	CHECK(s >= 0 && !close_range(3, ~0U, 0), "close_range(3, ~0U, 0)");
	CHECK(tenant_works(), "tenant calls still work after close_range");
	CHECK(fcntl(s, F_GETFD) < 0 && errno == EBADF, "and the tenant socket it covered is closed");

	s = udp(&sa);
	CHECK(s >= 0 && !close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) &&
	      fcntl(s, F_GETFD) == FD_CLOEXEC && tenant_works(),
	      "close_range(CLOSE_RANGE_CLOEXEC) marks the tenant socket, spares the library's");
	close(s);

	s = udp(&sa);
	closefrom(3);
	CHECK(tenant_works(), "tenant calls still work after closefrom(3)");
	CHECK(fcntl(s, F_GETFD) < 0 && errno == EBADF, "and the tenant socket it covered is closed");

	/* dup2 onto the library's descriptor: it moves out of the way */
	tenant_works();
	n = high_sockets(100, fds, 8);
	CHECK(n >= 1 && dup2(0, fds[0]) == fds[0] && tenant_works(),
	      "dup2 onto the library's descriptor %d: tenant calls still work", n ? fds[0] : -1);
	if (n >= 1)
		close(fds[0]);

	/* A raw close_range steps around us: the session is made again. */
	s = udp(&sa);
	syscall(SYS_close_range, 3, ~0U, 0);
	CHECK(tenant_works(), "after a raw close_range syscall, new tenant calls work");
	errno = 0;
	CHECK(recv(s, &ch, 1, MSG_DONTWAIT) < 0 && errno != EAGAIN,
	      "and an older tenant socket fails (%s), never someone else's", strerror(errno));
	c = udp(&sa);
	CHECK(c >= 0 && sendto(c, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) == 1 &&
	      recv(c, &ch, 1, 0) == 1, "a new tenant socket carries data");
	close(c);
	close(s);

	/* A raw dup2 puts the program's own socket at the library's number:
	 * not one byte of ours may go into it. */
	tenant_works();
	n = high_sockets(100, fds, 8);
	if (n < 1 || socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) {
		CHECK(0, "a connection's descriptor and a socket pair");
		return;
	}
	syscall(SYS_dup2, sp[0], fds[0]);
	CHECK(tenant_works(), "after a raw dup2 over the library's descriptor, tenant calls work");
	errno = 0;
	CHECK(recv(sp[1], &ch, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN,
	      "and nothing went into the program's socket at that number");
	close(sp[0]);
	close(sp[1]);
	syscall(SYS_close, fds[0]);
}

/* --- SIOCETHTOOL and the ARP ioctls --- */

static int ethtool(int s, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	return ioctl(s, SIOCETHTOOL, &ifr);
}

static void check_ethtool(void)
{
	struct ethtool_value link = { .cmd = ETHTOOL_GLINK };
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_coalesce co = { .cmd = ETHTOOL_GCOALESCE };
	struct {
		struct ethtool_perm_addr h;
		unsigned char a[32];
	} perm = { .h = { .cmd = ETHTOOL_GPERMADDR, .size = 32 } };
	struct {
		struct ethtool_link_settings s;
		__u32 masks[3 * 127];
	} ls = { .s = { .cmd = ETHTOOL_GLINKSETTINGS } };
	int s = socket(AF_INET, SOCK_DGRAM, 0), r;

	CHECK(!ethtool(s, &link) && link.data == 1, "ETHTOOL_GLINK: link up");
	CHECK(!ethtool(s, &info) && info.driver[0] && info.version[0],
	      "ETHTOOL_GDRVINFO: driver '%s' version '%s'", info.driver, info.version);
	errno = 0;
	r = ethtool(s, &co);
	CHECK(r < 0 && errno == EOPNOTSUPP, "ETHTOOL_GCOALESCE: EOPNOTSUPP, as for a device without it");
	/* the link-mode handshake: the kernel says how many words it wants */
	r = ethtool(s, &ls);
	CHECK(!r && ls.s.link_mode_masks_nwords < 0, "ETHTOOL_GLINKSETTINGS handshake: %d words",
	      -ls.s.link_mode_masks_nwords);
	ls.s.link_mode_masks_nwords = -ls.s.link_mode_masks_nwords;
	CHECK(!ethtool(s, &ls) && ls.s.link_mode_masks_nwords > 0,
	      "ETHTOOL_GLINKSETTINGS: duplex %u", ls.s.duplex);
	CHECK(!ethtool(s, &perm) && perm.h.size == 6, "ETHTOOL_GPERMADDR: %u bytes", perm.h.size);
	link.cmd = 0x7fff;
	CHECK(ethtool(s, &link) < 0 && errno == EOPNOTSUPP, "an unknown ethtool command: EOPNOTSUPP");
	CHECK(ethtool(s, NULL) < 0 && errno == EFAULT, "no ethtool buffer: EFAULT");
	close(s);
}

static void arp_req(struct arpreq *r, const char *ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&r->arp_pa;

	memset(r, 0, sizeof(*r));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &sin->sin_addr);
	snprintf(r->arp_dev, sizeof(r->arp_dev), "%s", ifname);
}

static void check_arp(void)
{
	static const unsigned char mac[6] = { 0x02, 0x00, 0x00, 0x5a, 0x5a, 0x01 };
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;
	struct arpreq r;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	/* an address in the vNIC's subnet, not the vNIC's own */
	inet_pton(AF_INET, tenant_addr, &a);
	a.s_addr = htonl((ntohl(a.s_addr) & ~0xffu) | 0xf7);
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	arp_req(&r, ip);
	r.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(r.arp_ha.sa_data, mac, 6);
	r.arp_flags = ATF_PERM | ATF_COM;
	CHECK(!ioctl(s, SIOCSARP, &r), "SIOCSARP %s", ip);
	arp_req(&r, ip);
	CHECK(!ioctl(s, SIOCGARP, &r) && !memcmp(r.arp_ha.sa_data, mac, 6) &&
	      (r.arp_flags & ATF_COM), "SIOCGARP reads it back");
	arp_req(&r, ip);
	CHECK(!ioctl(s, SIOCDARP, &r), "SIOCDARP");
	arp_req(&r, ip);
	CHECK(ioctl(s, SIOCGARP, &r) < 0 && errno == ENXIO, "SIOCGARP after it: ENXIO");
	close(s);
}

/* --- calls the appliance refuses or the tenant's kernel fails: each
 * leaves a log line, a loop of them a few (the script reads the log) --- */

static void check_refused(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(5999) };
	int s = socket(AF_INET, SOCK_DGRAM, 0), one = 1, i, fd, bad = 0, open_err;

	fd = open("/proc/sys/kernel/domainname", O_WRONLY);	/* first: before the limit */
	open_err = errno;
	inet_pton(AF_INET, "10.99.0.1", &sa.sin_addr);	/* not the tenant's */
	for (i = 0; i < 40; i++) {
		bad += bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRNOTAVAIL;
		bad += setsockopt(s, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0 &&
		       errno == ENOPROTOOPT;
	}
	CHECK(bad == 80 && fd < 0 && open_err == EACCES,
	      "40 binds failed, 40 setsockopts and one open refused");
	close(s);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} checks[] = {
		{ "threads", check_threads }, { "fcntl", check_fcntl },
		{ "closerange", check_closerange }, { "ethtool", check_ethtool },
		{ "arp", check_arp }, { "refused", check_refused }, { "bell", check_bell },
	};
	size_t i;

	if (argc != 4) {
		fprintf(stderr, "usage: pltools CHECK TENANT_ADDR IFNAME\n");
		return 2;
	}
	tenant_addr = argv[2];
	ifname = argv[3];
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (!strcmp(argv[1], checks[i].name)) {
			checks[i].fn();
			return failed;
		}
	fprintf(stderr, "pltools: no check '%s'\n", argv[1]);
	return 2;
}
