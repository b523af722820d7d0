// SPDX-License-Identifier: GPL-2.0
/*
 * getsockopt/setsockopt.  Values go as bytes; the two kinds that hold
 * pointers are flattened as nrpc.h says: a socket filter program
 * (SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF: ping's raw socket) and
 * iptables' table replacement (IPT_SO_SET_REPLACE, IP6T_SO_SET_REPLACE),
 * whose old counters come back into the caller's repl->counters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include "preload.h"

_Static_assert(offsetof(struct ipt_replace, num_counters) ==
	       offsetof(struct ip6t_replace, num_counters) &&
	       offsetof(struct ipt_replace, counters) ==
	       offsetof(struct ip6t_replace, counters),
	       "ipt_replace and ip6t_replace differ where we read them");

static long set_plain(int rfd, int level, int name, const void *val, socklen_t len)
{
	int64_t a[6] = { rfd, level, name };
	struct iovec in = { (void *)val, val ? len : 0 };

	if (in.iov_len > PL_ROOM(0))
		return -ENOBUFS;
	return pl_call(NRPC_SETSOCKOPT, a, &in, 1, NULL, 0, NULL);
}

/* in: u32 count, then count struct sock_filter */
static long set_filter(int rfd, int level, int name, const void *val, socklen_t len)
{
	const struct sock_fprog *p = val;
	int64_t a[6] = { rfd, level, name };
	uint32_t count;
	struct iovec in[2];

	if (!val || len < sizeof(*p))
		return -EINVAL;
	count = p->len;
	if (count > BPF_MAXINSNS)
		return -EINVAL;
	in[0].iov_base = &count;
	in[0].iov_len = sizeof(count);
	in[1].iov_base = p->filter;
	in[1].iov_len = count * sizeof(struct sock_filter);
	return pl_call(NRPC_SETSOCKOPT, a, in, 2, NULL, 0, NULL);
}

/* in: the replacement as iptables built it; out: the old counters */
static long set_replace(int rfd, int level, int name, const void *val, socklen_t len)
{
	const struct ipt_replace *r = val;
	int64_t a[6] = { rfd, level, name }, ret;
	struct iovec in = { (void *)val, len };
	size_t clen;
	uint32_t got;
	int err;

	if (!val || len < sizeof(*r))
		return set_plain(rfd, level, name, val, len);
	clen = (size_t)r->num_counters * sizeof(struct xt_counters);
	if (len > PL_ROOM(0) || clen > PL_ROOM(0))
		return -ENOBUFS;
	if ((err = pl_begin(NRPC_SETSOCKOPT, a, &in, 1, clen, &ret, &got)))
		return err;
	if (ret >= 0 && r->counters && (err = pl_take(r->counters, got)))
		ret = err;
	return pl_end(ret);
}

PL_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct pl_fd e;
	long r;

	if (pl_fd_get(fd, &e))
		return pl_real.setsockopt(fd, level, name, val, len);
	if (level == SOL_PACKET && pl_ring_setsockopt(fd, name, val, len, &r))
		return pl_ret(r);
	if (level == SOL_SOCKET &&
	    (name == SO_ATTACH_FILTER || name == SO_ATTACH_REUSEPORT_CBPF))
		return pl_ret(set_filter(e.remote, level, name, val, len));
	if ((level == IPPROTO_IP && name == IPT_SO_SET_REPLACE) ||
	    (level == IPPROTO_IPV6 && name == IP6T_SO_SET_REPLACE))
		return pl_ret(set_replace(e.remote, level, name, val, len));
	return pl_ret(set_plain(e.remote, level, name, val, len));
}

/*
 * (fd, level, name, optlen) in: the whole value as the caller has it
 * (iptables' GET_INFO/GET_ENTRIES/GET_REVISION_* read their name from
 * it); out: u32 optlen, optval.  *len becomes the kernel's length.
 */
static long get(int rfd, int level, int name, void *val, socklen_t *len)
{
	uint32_t want = val && len ? *len : 0, olen, got;
	int64_t a[6] = { rfd, level, name, want }, ret;
	struct iovec in = { val, want };
	size_t bytes = want;
	int err;

	if (level == SOL_SOCKET && name == SO_GET_FILTER) {
		/* its length counts instructions, the value is bytes */
		want = want < BPF_MAXINSNS ? want : BPF_MAXINSNS;
		a[3] = want;
		in.iov_len = 0;
		bytes = want * sizeof(struct sock_filter);
	}
	if (bytes > PL_ROOM(sizeof(olen)))
		return -ENOBUFS;
	if ((err = pl_begin(NRPC_GETSOCKOPT, a, &in, 1, sizeof(olen) + bytes, &ret, &got)))
		return err;
	if (ret < 0)
		return pl_end(ret);
	if ((err = pl_take(&olen, sizeof(olen))) ||
	    (err = pl_take(val, got - sizeof(olen))))
		return pl_end(err);
	if (len)
		*len = olen;
	return pl_end(ret);
}

PL_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct pl_fd e;

	long r;

	if (pl_fd_get(fd, &e))
		return pl_real.getsockopt(fd, level, name, val, len);
	r = get(e.remote, level, name, val, len);
	if (!r && level == SOL_PACKET && name == PACKET_STATISTICS && val && len)
		pl_ring_stats(fd, val, *len);
	return pl_ret(r);
}
