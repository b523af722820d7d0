// SPDX-License-Identifier: GPL-2.0
/*
 * The checks on every message a tool's preload library sends (nrpc.h):
 * the header against the session's phase (short, oversize, flags, types,
 * order), each type's fixed part, a HELLO's fields, and the ops' layouts
 * as rpc_call_start() checks them: unknown ops, descriptors, out-of-range
 * scalars, data of the wrong length, paths, options and ioctls refused,
 * and an iptables job's limits.  The ops run with no kernel: the calls
 * they make are kept by tests/fuzz/rpc_double.c and looked at here.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "log/log.h"
#include "rpc_double.h"

#include "check.h"

static struct rpc_sess sess = { .fd = 3, .efd = 9, .state = RPC_READY };

/* --- the header --- */

static int chan_mode;	/* the session has a shared channel */

static const char *header(uint32_t len, uint16_t type, uint16_t flags,
			  enum rpc_state st, int pending)
{
	struct nrpc_hdr h = { .len = len, .type = type, .flags = flags };

	return rpc_check_header(&h, st, pending, chan_mode);
}

#define HDR_OK(...)	CHECK(!header(__VA_ARGS__), "%s refused", #__VA_ARGS__)
#define HDR_BAD(why, ...) do {						\
	const char *got_ = header(__VA_ARGS__);				\
	CHECK(got_ && !strcmp(got_, why), "%s: %s, want %s", #__VA_ARGS__,	\
	      got_ ? got_ : "accepted", why);				\
} while (0)

static void test_header(void)
{
	HDR_OK(sizeof(struct nrpc_hello), NRPC_HELLO, 0, RPC_NEW, 0);
	HDR_OK(sizeof(struct nrpc_call), NRPC_CALL, 0, RPC_READY, 0);
	HDR_OK(NRPC_MSG_MAX, NRPC_CALL, 0, RPC_READY, 0);
	HDR_OK(sizeof(struct nrpc_hdr), NRPC_CANCEL, 0, RPC_READY, 1);
	/* short and oversize */
	HDR_BAD("message length out of bounds", 0, NRPC_CALL, 0, RPC_READY, 0);
	HDR_BAD("message length out of bounds", sizeof(struct nrpc_hdr) - 1, NRPC_CANCEL, 0,
		RPC_READY, 0);
	HDR_BAD("message length out of bounds", NRPC_MSG_MAX + 1, NRPC_CALL, 0, RPC_READY, 0);
	HDR_BAD("message length out of bounds", UINT32_MAX, NRPC_HELLO, 0, RPC_NEW, 0);
	/* flags, types */
	HDR_BAD("unknown flags", sizeof(struct nrpc_call), NRPC_CALL, 1, RPC_READY, 0);
	HDR_BAD("unknown flags", sizeof(struct nrpc_hello), NRPC_HELLO, 0x8000, RPC_NEW, 0);
	HDR_BAD("unknown message type", 16, 0, 0, RPC_READY, 0);
	HDR_BAD("unknown message type", 16, NRPC_REPLY, 0, RPC_READY, 0);
	HDR_BAD("unknown message type", 16, 0xffff, 0, RPC_NEW, 0);
	/* order */
	HDR_BAD("HELLO twice", sizeof(struct nrpc_hello), NRPC_HELLO, 0, RPC_STARTING, 0);
	HDR_BAD("HELLO twice", sizeof(struct nrpc_hello), NRPC_HELLO, 0, RPC_READY, 0);
	HDR_BAD("a call before HELLO", sizeof(struct nrpc_call), NRPC_CALL, 0, RPC_NEW, 0);
	HDR_BAD("a call before HELLO", sizeof(struct nrpc_call), NRPC_CALL, 0, RPC_STARTING, 0);
	HDR_BAD("a call while another is in flight", sizeof(struct nrpc_call), NRPC_CALL, 0,
		RPC_READY, 1);
	HDR_BAD("CANCEL with a body", sizeof(struct nrpc_hdr) + 1, NRPC_CANCEL, 0, RPC_READY, 1);
	HDR_BAD("RING without a shared channel", sizeof(struct nrpc_hdr), NRPC_RING, 0,
		RPC_READY, 0);
	/* with a shared channel the socket carries only RINGs */
	chan_mode = 1;
	HDR_OK(sizeof(struct nrpc_hdr), NRPC_RING, 0, RPC_READY, 0);
	HDR_OK(sizeof(struct nrpc_hdr), NRPC_RING, 0, RPC_READY, 1);
	HDR_BAD("RING with a body", sizeof(struct nrpc_hdr) + 4, NRPC_RING, 0, RPC_READY, 0);
	HDR_BAD("a call on the socket of a shared channel", sizeof(struct nrpc_call), NRPC_CALL,
		0, RPC_READY, 0);
	HDR_BAD("CANCEL on the socket of a shared channel", sizeof(struct nrpc_hdr), NRPC_CANCEL,
		0, RPC_READY, 1);
	HDR_BAD("HELLO twice", sizeof(struct nrpc_hello), NRPC_HELLO, 0, RPC_READY, 0);
	chan_mode = 0;
}

/* --- each type's fixed part, and HELLO --- */

static void test_body(void)
{
	struct nrpc_hdr h = { .type = NRPC_HELLO };

	h.len = sizeof(struct nrpc_hello);
	CHECK(rpc_check_body(&h) == 0, "a whole HELLO refused");
	h.len = sizeof(struct nrpc_hello) - 1;
	CHECK(rpc_check_body(&h) == -EINVAL, "a short HELLO taken");
	h.len = sizeof(struct nrpc_hello) + 1;
	CHECK(rpc_check_body(&h) == -EINVAL, "a long HELLO taken");
	h.type = NRPC_CALL;
	h.len = sizeof(struct nrpc_call);
	CHECK(rpc_check_body(&h) == 0, "a call with no data refused");
	h.len = sizeof(struct nrpc_call) + 1000;
	CHECK(rpc_check_body(&h) == 0, "a call with data refused");
	h.len = sizeof(struct nrpc_call) - 1;
	CHECK(rpc_check_body(&h) == -EINVAL, "a short call taken");
	h.len = sizeof(struct nrpc_hdr);
	CHECK(rpc_check_body(&h) == -EINVAL, "a bare call header taken");
}

static int hello(uint32_t version, uint32_t flags, uint64_t fork_of, const char *tenant,
		 size_t tlen)
{
	struct nrpc_hello m = { .h = { .len = sizeof(m), .type = NRPC_HELLO },
				.version = version, .flags = flags, .fork_of = fork_of };

	memcpy(m.tenant, tenant, tlen);
	return rpc_check_hello(&m);
}

static void test_hello(void)
{
	char long_name[NRPC_TENANT_MAX + 1];

	memset(long_name, 'a', sizeof(long_name));
	CHECK(hello(NRPC_VERSION, 0, 0, "acme", 5) == 0, "a HELLO refused");
	CHECK(hello(NRPC_VERSION, 0, 7, "acme", 5) == 0, "a fork's HELLO refused");
	CHECK(hello(NRPC_VERSION, NRPC_HELLO_THREAD, 7, "acme", 5) == 0, "a thread's refused");
	CHECK(hello(NRPC_VERSION, 0, 0, long_name, NRPC_TENANT_MAX) == 0,
	      "a 63-character tenant refused");
	CHECK(hello(1, 0, 0, "acme", 5) == 0, "a version 1 HELLO refused");
	CHECK(hello(NRPC_VERSION, NRPC_HELLO_SHM, 0, "acme", 5) == 0, "a channel's HELLO refused");
	CHECK(hello(NRPC_VERSION, NRPC_HELLO_SHM | NRPC_HELLO_THREAD, 7, "acme", 5) == 0,
	      "a thread's channel refused");
	CHECK(hello(1, NRPC_HELLO_SHM, 0, "acme", 5) == -EINVAL, "a channel in version 1 taken");
	CHECK(hello(NRPC_VERSION + 1, 0, 0, "acme", 5) == -EPROTONOSUPPORT,
	      "a later version taken");
	CHECK(hello(0, 0, 0, "acme", 5) == -EPROTONOSUPPORT, "version 0 taken");
	CHECK(hello(NRPC_VERSION, 0, 0, "", 0) == -EINVAL, "no tenant taken");
	CHECK(hello(NRPC_VERSION, 0, 0, long_name, sizeof(long_name)) == -EINVAL,
	      "a tenant name without its NUL taken");
	CHECK(hello(NRPC_VERSION, 0x4, 0, "acme", 5) == -EINVAL, "unknown flags taken");
	CHECK(hello(NRPC_VERSION, 0x80000000u, 0, "acme", 5) == -EINVAL, "unknown flags taken");
	CHECK(hello(NRPC_VERSION, NRPC_HELLO_THREAD, 0, "acme", 5) == -EINVAL,
	      "a thread of no session taken");
}

/* --- the ops --- */

static struct nrpc_call *msg;
static size_t msg_len;

/* rpc_call_start() on a call of @op with @args and @n bytes of @data;
 * the call made (if any) stays in rpc_double_submitted. */
static int op(uint32_t o, uint32_t out_max, const int64_t args[6], const void *data, size_t n)
{
	int err;

	rpc_double_reset();
	sess.pending = NULL;
	free(msg);
	msg_len = sizeof(*msg) + n;
	msg = calloc(1, msg_len);
	if (!msg)
		abort();
	*msg = (struct nrpc_call){ .h = { .len = msg_len, .type = NRPC_CALL, .seq = 5 },
				   .op = o, .out_max = out_max };
	memcpy(msg->args, args, sizeof(msg->args));
	if (n)
		memcpy(msg + 1, data, n);
	err = rpc_call_start(&sess, msg, msg_len);
	if (!err)
		CHECK(rpc_double_submitted && sess.pending == rpc_double_submitted,
		      "op %u: accepted, but no call made", o);
	else
		CHECK(!rpc_double_ncalls, "op %u: refused (%d) after making a call", o, err);
	return err;
}

#define A(...)	((const int64_t[6]){ __VA_ARGS__ })
#define OP(want, o, args, data, n) do {					\
	int got_ = op(o, 4096, args, data, n);				\
	CHECK(got_ == (want), "%s %s (%zu bytes): %d, want %d", #o, #args,	\
	      (size_t)(n), got_, (want));					\
} while (0)

static void test_unknown_and_fds(void)
{
	OP(-ENOSYS, 0, A(0), NULL, 0);
	OP(-ENOSYS, NRPC_OP_MAX, A(0), NULL, 0);
	OP(-ENOSYS, 0xffffffff, A(0), NULL, 0);
	OP(0, NRPC_CLOSE, A(3), NULL, 0);
	OP(-EBADF, NRPC_CLOSE, A(-1), NULL, 0);
	OP(-EBADF, NRPC_CLOSE, A((int64_t)INT_MAX + 1), NULL, 0);
	OP(-EBADF, NRPC_CLOSE, A(9), NULL, 0);		/* the session's eventfd */
	OP(-EBADF, NRPC_READ, A(9, 10), NULL, 0);
	OP(-EINVAL, NRPC_CLOSE, A(3), "x", 1);		/* data where none goes */
	OP(0, NRPC_NULL, A(0), NULL, 0);
	OP(-EINVAL, NRPC_NULL, A(0), "x", 1);
}

static void test_scalars(void)
{
	OP(0, NRPC_SOCKET, A(AF_INET, SOCK_STREAM, 0), NULL, 0);
	OP(-EAFNOSUPPORT, NRPC_SOCKET, A(AF_UNIX, SOCK_STREAM, 0), NULL, 0);
	OP(-EINVAL, NRPC_SOCKET, A((int64_t)1 << 40, SOCK_STREAM, 0), NULL, 0);
	OP(-EINVAL, NRPC_SOCKET, A(AF_INET, SOCK_STREAM, (int64_t)INT_MIN - 1), NULL, 0);
	OP(-EINVAL, NRPC_LISTEN, A(3, (int64_t)INT_MAX + 1), NULL, 0);
	OP(0, NRPC_FCNTL, A(3, F_SETFL, O_NONBLOCK), NULL, 0);
	OP(-EINVAL, NRPC_FCNTL, A(3, F_SETLK, 0), NULL, 0);
	OP(-EINVAL, NRPC_READ, A(3, -1), NULL, 0);
}

static void test_lengths(void)
{
	unsigned char buf[512] = { 0 };
	uint32_t two[2];
	struct pollfd pfd[2] = { { .fd = 3, .events = POLLIN }, { .fd = 9, .events = POLLIN } };

	OP(0, NRPC_BIND, A(3), buf, 16);
	OP(0, NRPC_BIND, A(3), buf, 128);
	OP(-EINVAL, NRPC_BIND, A(3), buf, 129);
	OP(0, NRPC_SENDTO, A(3, 0, 16), buf, 20);
	OP(-EINVAL, NRPC_SENDTO, A(3, 0, 16), buf, 15);	/* addrlen past the data */
	OP(-EINVAL, NRPC_SENDTO, A(3, 0, 129), buf, 200);
	OP(-EINVAL, NRPC_SENDTO, A(3, 0, -1), buf, 20);
	two[0] = 16, two[1] = 8;
	memcpy(buf, two, sizeof(two));
	OP(0, NRPC_SENDMSG, A(3, 0), buf, 8 + 24);
	OP(-EINVAL, NRPC_SENDMSG, A(3, 0), buf, 8 + 23);	/* name and control past it */
	OP(-EINVAL, NRPC_SENDMSG, A(3, 0), buf, 7);		/* no lengths */
	two[0] = 129;
	memcpy(buf, two, sizeof(two));
	OP(-EINVAL, NRPC_SENDMSG, A(3, 0), buf, 8 + 200);
	two[0] = 0, two[1] = UINT32_MAX;
	memcpy(buf, two, sizeof(two));
	OP(-EINVAL, NRPC_SENDMSG, A(3, 0), buf, 8 + 200);
	OP(0, NRPC_RECVMSG, A(3, 0, 100, 128, 64), NULL, 0);
	OP(-EINVAL, NRPC_RECVMSG, A(3, 0, 100, 129, 64), NULL, 0);
	OP(-EINVAL, NRPC_RECVMSG, A(3, 0, 100, 16, 64 * 1024 + 1), NULL, 0);
	OP(-EINVAL, NRPC_RECVMSG, A(3, 0, -1, 16, 0), NULL, 0);
	OP(0, NRPC_POLL, A(2, 100), pfd, sizeof(pfd));
	OP(-EINVAL, NRPC_POLL, A(2, 100), pfd, sizeof(pfd) - 1);
	OP(-EINVAL, NRPC_POLL, A(3, 100), pfd, sizeof(pfd));
	OP(-EINVAL, NRPC_POLL, A(-1, 100), NULL, 0);
	OP(-EINVAL, NRPC_POLL, A((int64_t)1 << 40, 100), NULL, 0);
	OP(-EINVAL, NRPC_POLL, A(0, (int64_t)1 << 40), NULL, 0);
}

/* The reply never asks for more than out_max (nor NRPC_DATA_MAX). */
static void test_out_max(void)
{
	struct rpc_call *c;

	CHECK(op(NRPC_READ, 100, A(3, 1 << 20), NULL, 0) == 0, "read refused");
	c = rpc_double_submitted;
	CHECK(c && c->sc.args[2] == 100, "read of 1 MiB, out_max 100: asks %ld",
	      c ? c->sc.args[2] : -1L);
	CHECK(c && !rpc_double_complete(c, 1 << 20) && c->out_len == 100,
	      "read: a reply of %zu bytes, want 100", c ? c->out_len : 0);
	CHECK(op(NRPC_READ, UINT32_MAX, A(3, (int64_t)1 << 40), NULL, 0) == 0, "read refused");
	c = rpc_double_submitted;
	CHECK(c && c->sc.args[2] == NRPC_DATA_MAX, "read: asks %ld, want NRPC_DATA_MAX",
	      c ? c->sc.args[2] : -1L);
	CHECK(op(NRPC_RECVFROM, 10, A(3, 100, 0), NULL, 0) == -EINVAL,
	      "recvfrom with no room for the address taken");
}

static void test_paths(void)
{
	static const char ok[] = "/proc/net/dev", sys[] = "/proc/sys/net/ipv4/ip_forward";
	static const char ro[] = "/proc/sys/kernel/hostname", up[] = "/proc/net/../../etc/passwd";

	OP(0, NRPC_OPEN, A(O_RDONLY, 0), ok, sizeof(ok));
	OP(0, NRPC_OPEN, A(O_WRONLY, 0), sys, sizeof(sys));
	OP(0, NRPC_OPEN, A(O_RDONLY, 0), ro, sizeof(ro));
	OP(-EACCES, NRPC_OPEN, A(O_WRONLY, 0), ro, sizeof(ro));
	OP(-EACCES, NRPC_OPEN, A(O_RDONLY, 0), up, sizeof(up));
	OP(-EACCES, NRPC_OPEN, A(O_RDONLY, 0), "/etc/passwd", 12);
	OP(-EINVAL, NRPC_OPEN, A(O_RDONLY, 0), ok, sizeof(ok) - 1);	/* no NUL */
	OP(-EINVAL, NRPC_OPEN, A(O_RDONLY, 0), "/proc/net/dev\0x", 16);	/* NUL inside */
	OP(-EINVAL, NRPC_OPEN, A(O_RDONLY, 0), "", 1);
	OP(-EINVAL, NRPC_OPEN, A(O_RDWR | O_WRONLY, 0), ok, sizeof(ok));
	OP(-EINVAL, NRPC_OPEN, A(O_RDONLY | 040000000, 0), ok, sizeof(ok));	/* O_PATH */
}

static void test_options(void)
{
	unsigned char buf[256] = { 0 };
	int one = 1;
	uint32_t count = 2;

	OP(0, NRPC_SETSOCKOPT, A(3, SOL_SOCKET, SO_REUSEADDR), &one, sizeof(one));
	OP(-ENOPROTOOPT, NRPC_SETSOCKOPT, A(3, SOL_SOCKET, SO_ZEROCOPY), &one, sizeof(one));
	OP(-ENOPROTOOPT, NRPC_SETSOCKOPT, A(3, IPPROTO_IP, 128), buf, 16);	/* ebtables */
	OP(-EINVAL, NRPC_SETSOCKOPT, A(3, (int64_t)1 << 33, 1), NULL, 0);
	memcpy(buf, &count, sizeof(count));
	OP(0, NRPC_SETSOCKOPT, A(3, SOL_SOCKET, SO_ATTACH_FILTER), buf, 4 + 2 * 8);
	OP(-EINVAL, NRPC_SETSOCKOPT, A(3, SOL_SOCKET, SO_ATTACH_FILTER), buf, 4 + 8);
	OP(-EINVAL, NRPC_SETSOCKOPT, A(3, SOL_SOCKET, SO_ATTACH_FILTER), buf, 3);
	OP(-EINVAL, NRPC_SETSOCKOPT, A(3, IPPROTO_IP, 64), buf, 10);	/* a short replace */
	OP(0, NRPC_GETSOCKOPT, A(3, SOL_SOCKET, SO_REUSEADDR, 4), NULL, 0);
	OP(-EINVAL, NRPC_GETSOCKOPT, A(3, SOL_SOCKET, SO_REUSEADDR, -1), NULL, 0);
	OP(-EINVAL, NRPC_GETSOCKOPT, A(3, SOL_SOCKET, SO_REUSEADDR, 4), buf, 8);	/* in > optlen */
	OP(-ENOPROTOOPT, NRPC_GETSOCKOPT, A(3, IPPROTO_TCP, 35, 64), NULL, 0);	/* zerocopy rx */
}

static void test_ioctls(void)
{
	unsigned char buf[256] = { 0 };
	uint32_t cmd = ETHTOOL_GDRVINFO;

	OP(0, NRPC_IOCTL, A(3, FIONREAD, sizeof(int)), NULL, 0);
	OP(-EINVAL, NRPC_IOCTL, A(3, FIONREAD, 8), NULL, 0);
	OP(-EINVAL, NRPC_IOCTL, A(3, FIONREAD, 0), NULL, 0);
	OP(-ENOTTY, NRPC_IOCTL, A(3, 0x1234, 4), NULL, 0);
	OP(-ENOTTY, NRPC_IOCTL, A(3, -1, 4), NULL, 0);
	OP(-ENOTTY, NRPC_IOCTL, A(3, (int64_t)1 << 32 | FIONREAD, 4), NULL, 0);
	OP(0, NRPC_IOCTL, A(3, SIOCGIFFLAGS, 40), buf, 16);
	OP(-EINVAL, NRPC_IOCTL, A(3, SIOCGIFFLAGS, 41), buf, 16);	/* over an ifreq */
	OP(-EINVAL, NRPC_IOCTL, A(3, SIOCGIFFLAGS, 10), buf, 16);	/* in > arglen */
	OP(0, NRPC_IOCTL, A(3, SIOCGIFCONF, 400), NULL, 0);
	OP(-EINVAL, NRPC_IOCTL, A(3, SIOCGIFCONF, -1), NULL, 0);
	memcpy(buf + 16, &cmd, sizeof(cmd));
	OP(0, NRPC_IOCTL, A(3, SIOCETHTOOL, sizeof(struct ethtool_drvinfo)), buf,
	   16 + sizeof(struct ethtool_drvinfo));
	OP(-EINVAL, NRPC_IOCTL, A(3, SIOCETHTOOL, sizeof(struct ethtool_drvinfo)), buf, 16 + 4);
	OP(-EINVAL, NRPC_IOCTL, A(3, SIOCETHTOOL, sizeof(struct ethtool_drvinfo) + 1), buf,
	   16 + sizeof(struct ethtool_drvinfo) + 1);
	cmd = ETHTOOL_SSET;
	memcpy(buf + 16, &cmd, sizeof(cmd));
	OP(-EOPNOTSUPP, NRPC_IOCTL, A(3, SIOCETHTOOL, 44), buf, 16 + 44);
}

/* A session adopted for an iptables job: its tables, nothing else. */
static void test_job(void)
{
	static const char names[] = "/proc/net/ip_tables_names";

	sess.job = 1;
	OP(0, NRPC_SOCKET, A(AF_INET, SOCK_RAW, IPPROTO_RAW), NULL, 0);
	OP(-EPERM, NRPC_SOCKET, A(AF_INET, SOCK_STREAM, 0), NULL, 0);
	OP(-EPERM, NRPC_BIND, A(3), "xxxxxxxxxxxxxxxx", 16);
	OP(0, NRPC_OPEN, A(O_RDONLY, 0), names, sizeof(names));
	OP(-EPERM, NRPC_OPEN, A(O_RDONLY, 0), "/proc/net/dev", 14);
	OP(-EPERM, NRPC_SETSOCKOPT, A(3, SOL_SOCKET, SO_REUSEADDR), "\1\0\0\0", 4);
	sess.job = 0;
}

int main(void)
{
	rpc_double_init();
	log_set_level(LOG_LEVEL_ERROR);
	test_header();
	test_body();
	test_hello();
	test_unknown_and_fds();
	test_scalars();
	test_lengths();
	test_out_max();
	test_paths();
	test_options();
	test_ioctls();
	test_job();
	rpc_double_reset();
	free(msg);
	if (!failed)
		printf("rpc message checks: all as expected\n");
	return failed;
}
