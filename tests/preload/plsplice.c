// SPDX-License-Identifier: GPL-2.0
/*
 * sendfile() and splice() between host files and pipes and a tenant's
 * TCP sockets, as a static file server or a splicing proxy does them;
 * run under `nuse-appliance exec` (tests/e2e/test-toolcalls.sh):
 * `plsplice check`.  Every byte that arrives is compared with what was
 * sent, and where the other end takes only part, nothing else may have
 * been consumed.  `plsplice bench MIB` prints the MB/s of sendfile() of
 * a MIB-MiB file over a TCP connection to itself (bench/bench-tools.sh:
 * in a tenant and on the host).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "plcheck.h"

#define N	(3 * 1024 * 1024 + 77)

static unsigned char *data;	/* the file's bytes */
static int file;

/* A connected pair of the tenant's (or the host's): *out sends, *in receives. */
static int pair(int *out, int *in)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&sa, &len))
		return -1;
	*out = socket(AF_INET, SOCK_STREAM, 0);
	if (*out < 0 || connect(*out, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	*in = accept(l, NULL, NULL);
	close(l);
	return *in < 0 ? -1 : 0;
}

struct rx {
	int fd;
	size_t want, got;
	unsigned char *buf;
	int pipe;		/* reading a pipe: to its end */
};

/* Reads until @want bytes (or the end) have come. */
static void *rx_run(void *arg)
{
	struct rx *r = arg;

	while (r->got < r->want) {
		ssize_t n = read(r->fd, r->buf + r->got, r->want - r->got);

		if (n <= 0)
			break;
		r->got += n;
	}
	return NULL;
}

static void rx_start(pthread_t *t, struct rx *r, int fd, size_t want)
{
	*r = (struct rx){ .fd = fd, .want = want, .buf = calloc(1, want + 1) };
	pthread_create(t, NULL, rx_run, r);
}

static int rx_same(pthread_t t, struct rx *r, const unsigned char *as)
{
	int same;

	pthread_join(t, NULL);
	same = r->got == r->want && !memcmp(r->buf, as, r->want);
	if (!same)
		printf("  got %zu of %zu bytes\n", r->got, r->want);
	free(r->buf);
	return same;
}

/* No byte more comes on @fd within 200 ms. */
static int quiet(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 200) == 0;
}

static void check_sendfile(void)
{
	off_t off = 5, pos;
	long r = 0;
	pthread_t t;
	struct rx rx;
	int c, a;

	if (pair(&c, &a)) {
		CHECK(0, "a TCP connection in the tenant");
		return;
	}
	rx_start(&t, &rx, a, N - 5);
	while (off < N && (r = sendfile(c, file, &off, N)) > 0)
		;
	pos = lseek(file, 0, SEEK_CUR);
	CHECK(rx_same(t, &rx, data + 5) && off == N && pos == 0,
	      "sendfile() at an offset: all %d bytes after it came, the offset is at the end "
	      "(%lld), the file's own offset did not move (%lld)", N - 5, (long long)off,
	      (long long)pos);

	lseek(file, 1000, SEEK_SET);
	rx_start(&t, &rx, a, 100000);
	for (off = 0; off < 100000 && (r = sendfile(c, file, NULL, 100000 - off)) > 0; off += r)
		;
	pos = lseek(file, 0, SEEK_CUR);
	CHECK(rx_same(t, &rx, data + 1000) && pos == 101000,
	      "sendfile() at the file's offset: 100000 bytes came, the file's offset is at %lld",
	      (long long)pos);
	close(c);
	close(a);
}

struct tx {
	int fd;
	const unsigned char *buf;
	size_t len;
};

/* Writes it all, then closes. */
static void *tx_run(void *arg)
{
	struct tx *t = arg;
	size_t done = 0;

	while (done < t->len) {
		ssize_t n = write(t->fd, t->buf + done, t->len - done);

		if (n <= 0)
			break;
		done += n;
	}
	close(t->fd);
	return NULL;
}

static void check_splice(void)
{
	pthread_t t, w;
	struct rx rx;
	struct tx tx;
	int c, a, p[2], ok = 1;
	long r, total = 0;

	if (pair(&c, &a) || pipe(p)) {
		CHECK(0, "a TCP connection in the tenant and a pipe");
		return;
	}
	rx_start(&t, &rx, a, N);
	tx = (struct tx){ p[1], data, N };
	pthread_create(&w, NULL, tx_run, &tx);
	while ((r = splice(p[0], NULL, c, NULL, 1 << 20, SPLICE_F_MORE)) > 0)
		total += r;
	ok = r == 0 && total == N;
	if (!ok)
		printf("  splice: %ld (%s) after %ld bytes\n", r, strerror(errno), total);
	if (r < 0)
		close(p[0]);	/* the writer stops */
	pthread_join(w, NULL);
	close(p[0]);
	shutdown(c, SHUT_WR);	/* SPLICE_F_MORE held the last bytes back, as it should */
	CHECK(rx_same(t, &rx, data) && ok,
	      "splice() from a pipe into a tenant socket: all %d bytes came (%ld spliced)", N,
	      total);

	/* and the other way: the socket's bytes into a pipe */
	if (pipe(p)) {
		CHECK(0, "a pipe");
		return;
	}
	rx_start(&t, &rx, p[0], N);
	tx = (struct tx){ a, data, N };
	pthread_create(&w, NULL, tx_run, &tx);	/* closes @a at the end */
	total = 0;
	while ((r = splice(c, NULL, p[1], NULL, 1 << 20, 0)) > 0)
		total += r;
	ok = r == 0 && total == N;
	if (!ok)
		printf("  splice: %ld (%s) after %ld bytes\n", r, strerror(errno), total);
	if (r < 0)
		shutdown(c, SHUT_RD);
	pthread_join(w, NULL);
	close(p[1]);
	CHECK(rx_same(t, &rx, data) && ok,
	      "splice() from a tenant socket into a pipe: all %d bytes, then the end (%ld)", N,
	      total);
	close(p[0]);
	close(c);
}

/* The receiver does not read: what was not taken must still be there. */
static void check_partial(void)
{
	int c, a, p[2], small = 4096, fl, left = 0;
	long r, sent = 0, tries = 0;
	off_t pos;
	pthread_t t;
	struct rx rx;
	unsigned char junk[65536];

	if (pair(&c, &a)) {
		CHECK(0, "a TCP connection in the tenant");
		return;
	}
	setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	lseek(file, 0, SEEK_SET);
	while ((r = sendfile(c, file, NULL, N)) > 0 && ++tries < 1000)
		sent += r;
	pos = lseek(file, 0, SEEK_CUR);
	CHECK(r < 0 && errno == EAGAIN && sent > 0 && sent < N && pos == sent,
	      "sendfile() into a full non-blocking socket: EAGAIN after %ld bytes, and the "
	      "file's offset is there (%lld)", sent, (long long)pos);
	rx_start(&t, &rx, a, sent);
	CHECK(rx_same(t, &rx, data) && quiet(a), "exactly those %ld bytes came", sent);

	/* a pipe's bytes: those the socket did not take stay in the pipe */
	if (pipe2(p, O_NONBLOCK)) {
		CHECK(0, "a pipe");
		return;
	}
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	fl = write(p[1], data, 600000);
	for (sent = 0, tries = 0; (r = splice(p[0], NULL, c, NULL, 1 << 20, SPLICE_F_NONBLOCK)) > 0 &&
				  ++tries < 1000;)
		sent += r;
	ioctl(p[0], FIONREAD, &left);
	CHECK(fl == 600000 && r < 0 && errno == EAGAIN && sent > 0 && sent + left == 600000,
	      "splice() from a pipe into a full socket: %ld bytes went, %d are still in the pipe",
	      sent, left);
	rx_start(&t, &rx, a, sent);
	CHECK(rx_same(t, &rx, data) && quiet(a), "exactly the %ld bytes that went came", sent);
	rx_start(&t, &rx, p[0], left);
	CHECK(rx_same(t, &rx, data + sent), "and the pipe holds the rest, in order");

	/* a tenant socket into a full pipe: EAGAIN, and its bytes stay */
	while (write(p[1], junk, sizeof(junk)) > 0)
		;
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
	r = write(a, "0123456789", 10);
	errno = 0;
	r = splice(c, NULL, p[1], NULL, 10, SPLICE_F_NONBLOCK);
	CHECK(r < 0 && errno == EAGAIN, "splice() into a full pipe: EAGAIN");
	memset(junk, 0, 16);
	r = recv(c, junk, sizeof(junk), MSG_DONTWAIT);
	CHECK(r == 10 && !memcmp(junk, "0123456789", 10), "and the socket's 10 bytes are still there");
	close(p[0]);
	close(p[1]);
	close(c);
	close(a);
}

static void check_errors(void)
{
	int c, a, u = socket(AF_INET, SOCK_DGRAM, 0), p[2], shut = dup(0), hs[2];
	char junk[3];
	off_t off = 0;

	if (pair(&c, &a) || pipe(p)) {
		CHECK(0, "a TCP connection in the tenant and a pipe");
		return;
	}
	errno = 0;
	CHECK(splice(file, NULL, c, NULL, 10, 0) < 0 && errno == EINVAL,
	      "splice() from a file (not a pipe) into a tenant socket: EINVAL");
	errno = 0;
	CHECK(splice(p[0], &off, c, NULL, 10, 0) < 0 && errno == ESPIPE,
	      "splice() with an offset for a pipe: ESPIPE");
	errno = 0;
	CHECK(splice(c, NULL, a, NULL, 10, 0) < 0 && errno == EINVAL,
	      "splice() between two tenant sockets: EINVAL");
	errno = 0;
	CHECK(splice(u, NULL, p[1], NULL, 10, SPLICE_F_NONBLOCK) < 0 && errno == EINVAL,
	      "splice() from a tenant UDP socket: EINVAL");
	errno = 0;
	CHECK(sendfile(file, c, NULL, 10) < 0 && errno == EINVAL,
	      "sendfile() from a tenant socket: EINVAL");
	if (!socketpair(AF_UNIX, SOCK_STREAM, 0, hs)) {
		errno = 0;
		CHECK(write(hs[1], "abc", 3) == 3 && sendfile(c, hs[0], NULL, 3) < 0 &&
		      errno == EINVAL && read(hs[0], junk, 3) == 3,
		      "sendfile() from a host socket: EINVAL, and its bytes stay");
		close(hs[0]);
		close(hs[1]);
	}
	close(shut);
	errno = 0;
	CHECK(sendfile(c, shut, NULL, 10) < 0 && errno == EBADF,
	      "sendfile() from a descriptor that is not open: EBADF");
	errno = 0;
	CHECK(splice(shut, NULL, c, NULL, 10, 0) < 0 && errno == EBADF,
	      "splice() from a descriptor that is not open: EBADF");
	off = -1;
	errno = 0;
	CHECK(sendfile(c, file, &off, 10) < 0 && errno == EINVAL,
	      "sendfile() at a negative offset: EINVAL");
	CHECK(sendfile(c, file, NULL, 0) == 0, "sendfile() of nothing: 0");
	/* the connection still works */
	CHECK(write(c, "x", 1) == 1 && read(a, &off, 1) == 1, "the connection still carries bytes");
	close(p[0]);
	close(p[1]);
	close(u);
	close(c);
	close(a);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *sink(void *arg)
{
	static char buf[1 << 18];
	int fd = *(int *)arg;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

/* MB/s of sendfile() of a @mib MiB file over a connection to ourselves. */
static int bench(long mib)
{
	int c, a;
	off_t off = 0, size = mib << 20;
	pthread_t t;
	double t0;

	if (ftruncate(file, size) || pair(&c, &a))
		return 1;
	pthread_create(&t, NULL, sink, &a);
	t0 = now();
	while (off < size && sendfile(c, file, &off, size - off) > 0)
		;
	close(c);
	pthread_join(t, NULL);
	printf("sendfile: %lld bytes in %.3f s: %.0f MB/s\n", (long long)off, now() - t0,
	       off / (now() - t0) / 1e6);
	return off != size;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/plsplice.XXXXXX";
	size_t i;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "check") && (strcmp(argv[1], "bench") || argc != 3))) {
		fprintf(stderr, "usage: plsplice check | plsplice bench MIB\n");
		return 2;
	}
	(void)tenant_addr;
	(void)ifname;
	signal(SIGPIPE, SIG_IGN);
	if ((file = mkstemp(path)) < 0)
		return 1;
	unlink(path);
	if (!strcmp(argv[1], "bench"))
		return bench(atol(argv[2]));
	data = malloc(N);
	srandom(7);
	for (i = 0; i < N; i++)
		data[i] = random() >> 7;
	for (i = 0; i < N;) {
		rc = write(file, data + i, N - i);
		if (rc <= 0)
			return 1;
		i += rc;
	}
	lseek(file, 0, SEEK_SET);
	alarm(120);		/* a lock-up ends as a failure */
	check_sendfile();
	check_splice();
	check_partial();
	check_errors();
	return failed;
}
