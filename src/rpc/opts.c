// SPDX-License-Identifier: GPL-2.0
/*
 * Arguments, socket options and ioctls: the calls whose buffer layout
 * depends on the request.  The kernel trusts a user buffer to be as big
 * as the request says, and sometimes as big as a count inside it says;
 * here every buffer is made at least that big, every count inside is
 * capped to the buffer, and every pointer inside is ours.  What holds
 * pointers we cannot fix up is refused.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/sockios.h>

#include "nuse_syscalls.h"
#include "nrpc_ethtool.h"
#include "rpc_int.h"

/* Replaces whose structs hold pointers we do not fix up (arptables,
 * ebtables) and IPVS; none is built in today, all are refused. */
#define ARPT_FIRST	96
#define ARPT_LAST	99
#define EBT_FIRST	128
#define EBT_LAST	135
#define IPVS_FIRST	1152
#define IPVS_LAST	1200

#define MSF_HEAD	16	/* struct ip_msfilter before its sources */
#define GF_HEAD		144	/* struct group_filter before its sources */

_Static_assert(offsetof(struct ip_msfilter, imsf_numsrc) == 12, "ip_msfilter");
_Static_assert(offsetof(struct group_filter, gf_numsrc) == GF_HEAD - 4, "group_filter");
_Static_assert(offsetof(struct ipt_replace, counters) ==
	       offsetof(struct ip6t_replace, counters), "ip6t_replace");

int rpc_fd_arg(const struct rpc_sess *s, int64_t v, long *fd)
{
	/* the kernel would cut a wider value to an int: refuse it */
	if (v < 0 || v > INT_MAX || v == s->efd)
		return -EBADF;
	*fd = v;
	return 0;
}

int rpc_int_arg(int64_t v, long *out)
{
	if (v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

size_t rpc_out_room(const struct nrpc_call *m)
{
	return m->out_max < NRPC_DATA_MAX ? m->out_max : NRPC_DATA_MAX;
}

/* (fd, level, name): the first three args of every option call. */
static int opt_args(const struct rpc_sess *s, const struct nrpc_call *m, long a[3])
{
	int err = rpc_fd_arg(s, m->args[0], &a[0]);

	if (err)
		return err;
	return rpc_int_arg(m->args[1], &a[1]) || rpc_int_arg(m->args[2], &a[2]) ? -EINVAL : 0;
}

static int opt_refused(long level, long name, int get)
{
	switch (level) {
	case SOL_SOCKET:
		return name == SO_ZEROCOPY;	/* pins pages of our memory */
	case IPPROTO_IP:
		return (name >= ARPT_FIRST && name <= ARPT_LAST) ||
		       (name >= EBT_FIRST && name <= EBT_LAST) ||
		       (name >= IPVS_FIRST && name <= IPVS_LAST);
	case IPPROTO_TCP:
		return get && name == TCP_ZEROCOPY_RECEIVE;	/* an address inside */
	case SOL_PACKET:
		return !get && name == PACKET_FANOUT_DATA;	/* a struct sock_fprog */
	}
	return 0;
}

static void set_call(struct rpc_call *c, const long a[3], void *val, size_t len)
{
	c->sc.nr = NUSE_SYS_setsockopt;
	c->sc.args[0] = a[0];
	c->sc.args[1] = a[1];
	c->sc.args[2] = a[2];
	c->sc.args[3] = (long)val;
	c->sc.args[4] = len;
}

/* SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF: in: u32 count, the program. */
static int set_filter(struct rpc_sess *s, const long a[3], const unsigned char *in,
		      size_t n, struct rpc_call **cp)
{
	struct sock_fprog *prog;
	struct rpc_call *c;
	uint32_t count;

	if (n < sizeof(count))
		return -EINVAL;
	memcpy(&count, in, sizeof(count));
	if (count > BPF_MAXINSNS || n != sizeof(count) + count * sizeof(struct sock_filter))
		return -EINVAL;
	c = rpc_call_new(s, 0, sizeof(*prog) + n);
	if (!c)
		return -ENOMEM;
	prog = (struct sock_fprog *)c->scratch;
	memcpy(prog + 1, in + sizeof(count), n - sizeof(count));
	prog->len = count;
	prog->filter = (struct sock_filter *)(prog + 1);
	set_call(c, a, prog, sizeof(*prog));
	*cp = c;
	return 0;
}

static void replace_finish(struct rpc_call *c)
{
	if (c->sc.ret == 0)
		c->out_len = c->out_cap;
}

/* IPT_SO_SET_REPLACE, IP6T_SO_SET_REPLACE: the kernel writes the old
 * counters through the struct's pointer; it points into our reply. */
static int set_replace(struct rpc_sess *s, const long a[3], const unsigned char *in,
		       size_t n, struct rpc_call **cp)
{
	struct ipt_replace *r;
	struct rpc_call *c;
	uint32_t num;

	if (n < sizeof(*r))
		return -EINVAL;
	memcpy(&num, in + offsetof(struct ipt_replace, num_counters), sizeof(num));
	if (num > NRPC_DATA_MAX / sizeof(struct xt_counters))
		return -ENOMEM;
	c = rpc_call_new(s, num * sizeof(struct xt_counters), n);
	if (!c)
		return -ENOMEM;
	r = (struct ipt_replace *)c->scratch;
	memcpy(r, in, n);
	r->counters = (struct xt_counters *)rpc_out(c);
	set_call(c, a, r, n);
	c->finish = replace_finish;
	*cp = c;
	return 0;
}

/* (fd, level, name) in: optval */
int rpc_setsockopt(struct rpc_sess *s, const struct nrpc_call *m,
		   const unsigned char *in, size_t n, struct rpc_call **cp)
{
	struct rpc_call *c;
	long a[3];
	int err = opt_args(s, m, a);

	if (err)
		return err;
	if (opt_refused(a[1], a[2], 0))
		return -ENOPROTOOPT;
	if (a[1] == SOL_SOCKET && (a[2] == SO_ATTACH_FILTER || a[2] == SO_ATTACH_REUSEPORT_CBPF))
		return set_filter(s, a, in, n, cp);
	if ((a[1] == IPPROTO_IP && a[2] == IPT_SO_SET_REPLACE) ||
	    (a[1] == IPPROTO_IPV6 && a[2] == IP6T_SO_SET_REPLACE))
		return set_replace(s, a, in, n, cp);
	c = rpc_call_new(s, 0, n);
	if (!c)
		return -ENOMEM;
	memcpy(c->scratch, in, n);
	set_call(c, a, c->scratch, n);
	*cp = c;
	return 0;
}

/* SO_GET_FILTER's length counts instructions, not bytes. */
static int is_get_filter(long level, long name)
{
	return level == SOL_SOCKET && name == SO_GET_FILTER;
}

static void get_finish(struct rpc_call *c)
{
	uint32_t len;
	uint64_t bytes;

	if (c->sc.ret < 0)
		return;
	memcpy(&len, rpc_out(c), sizeof(len));
	bytes = c->aux[0] ? (uint64_t)len * sizeof(struct sock_filter) : len;
	c->out_len = sizeof(len) + (bytes < c->out_cap - sizeof(len) ? bytes
							: c->out_cap - sizeof(len));
}

/* Source-filter gets write as many sources as the struct asks for,
 * whatever the length: ask for no more than fit. */
static void cap_sources(long level, long name, unsigned char *val, size_t len)
{
	size_t at, head, each;
	uint32_t num, fit;

	if (level == IPPROTO_IP && name == IP_MSFILTER)
		at = offsetof(struct ip_msfilter, imsf_numsrc), head = MSF_HEAD, each = 4;
	else if ((level == IPPROTO_IP || level == IPPROTO_IPV6) && name == MCAST_MSFILTER)
		at = offsetof(struct group_filter, gf_numsrc), head = GF_HEAD,
		each = sizeof(struct sockaddr_storage);
	else
		return;
	if (len < head)
		return;		/* the kernel refuses it */
	memcpy(&num, val + at, sizeof(num));
	fit = (len - head) / each;
	if (num > fit)
		memcpy(val + at, &fit, sizeof(fit));
}

/* (fd, level, name, optlen) in: optval's first bytes; out: u32 optlen, optval */
int rpc_getsockopt(struct rpc_sess *s, const struct nrpc_call *m,
		   const unsigned char *in, size_t n, struct rpc_call **cp)
{
	size_t room = rpc_out_room(m), len, size;
	struct rpc_call *c;
	uint32_t optlen;
	long a[3];
	int err = opt_args(s, m, a);

	if (err)
		return err;
	if (m->args[3] < 0 || (uint64_t)n > (uint64_t)m->args[3] || room < sizeof(optlen))
		return -EINVAL;
	if (opt_refused(a[1], a[2], 1))
		return -ENOPROTOOPT;
	len = (uint64_t)m->args[3] < room - sizeof(optlen) ? (size_t)m->args[3]
							  : room - sizeof(optlen);
	size = len;
	if (is_get_filter(a[1], a[2])) {
		len = len < BPF_MAXINSNS ? len : BPF_MAXINSNS;
		size = len * sizeof(struct sock_filter);
	}
	if (n > size)
		return -EINVAL;
	c = rpc_call_new(s, sizeof(optlen) + size, 0);
	if (!c)
		return -ENOMEM;
	optlen = len;
	memcpy(rpc_out(c), &optlen, sizeof(optlen));
	memcpy(rpc_out(c) + sizeof(optlen), in, n);
	memset(rpc_out(c) + sizeof(optlen) + n, 0, size - n);
	cap_sources(a[1], a[2], rpc_out(c) + sizeof(optlen), size);
	c->sc.nr = NUSE_SYS_getsockopt;
	c->sc.args[0] = a[0];
	c->sc.args[1] = a[1];
	c->sc.args[2] = a[2];
	c->sc.args[3] = (long)(rpc_out(c) + sizeof(optlen));
	c->sc.args[4] = (long)rpc_out(c);
	c->aux[0] = is_get_filter(a[1], a[2]);
	c->finish = get_finish;
	*cp = c;
	return 0;
}

/* --- ioctl --- */

/* The argument's size for the requests we take; 0: refused. */
static size_t ioctl_size(unsigned long req)
{
	switch (req) {
	case FIONBIO: case FIONREAD: case SIOCOUTQ: case SIOCATMARK:
		return sizeof(int);
	case SIOCGSTAMP_OLD:
		return sizeof(struct timeval);
	case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCSIFFLAGS: case SIOCGIFADDR:
	case SIOCSIFADDR: case SIOCGIFDSTADDR: case SIOCSIFDSTADDR: case SIOCGIFBRDADDR:
	case SIOCSIFBRDADDR: case SIOCGIFNETMASK: case SIOCSIFNETMASK: case SIOCGIFMETRIC:
	case SIOCSIFMETRIC: case SIOCGIFMTU: case SIOCSIFMTU: case SIOCSIFNAME:
	case SIOCSIFHWADDR: case SIOCGIFHWADDR: case SIOCADDMULTI: case SIOCDELMULTI:
	case SIOCGIFINDEX: case SIOCSIFPFLAGS: case SIOCGIFPFLAGS: case SIOCDIFADDR:
	case SIOCSIFHWBROADCAST: case SIOCGIFTXQLEN: case SIOCSIFTXQLEN: case SIOCGIFMAP:
	case SIOCSIFMAP:
		return sizeof(struct ifreq);	/* in6_ifreq, for inet6, is smaller */
	case SIOCSARP: case SIOCGARP: case SIOCDARP:
		return sizeof(struct arpreq);	/* no pointers inside */
	}
	return 0;
}

static void ioctl_finish(struct rpc_call *c)
{
	if (c->sc.ret >= 0)
		c->out_len = c->aux[0];
}

static void ifconf_finish(struct rpc_call *c)
{
	const struct ifconf *ifc = (const struct ifconf *)c->scratch;

	if (c->sc.ret < 0)
		return;
	c->sc.ret = ifc->ifc_len;
	c->out_len = ifc->ifc_buf && (size_t)ifc->ifc_len < c->out_cap ? (size_t)ifc->ifc_len
								       : ifc->ifc_buf ? c->out_cap : 0;
}

/* SIOCGIFCONF: args[2] the buffer's length; out: the ifreqs. */
static int get_ifconf(struct rpc_sess *s, long fd, const struct nrpc_call *m, size_t n,
		      struct rpc_call **cp)
{
	size_t room = rpc_out_room(m), len;
	struct rpc_call *c;
	struct ifconf *ifc;

	if (n || m->args[2] < 0)
		return -EINVAL;
	len = (uint64_t)m->args[2] < room ? (size_t)m->args[2] : room;
	len = len > INT_MAX ? INT_MAX : len;
	c = rpc_call_new(s, len, sizeof(*ifc));
	if (!c)
		return -ENOMEM;
	ifc = (struct ifconf *)c->scratch;
	ifc->ifc_len = len;
	ifc->ifc_buf = len ? (char *)rpc_out(c) : NULL;	/* NULL: how much is there */
	c->sc.nr = NUSE_SYS_ioctl;
	c->sc.args[0] = fd;
	c->sc.args[1] = SIOCGIFCONF;
	c->sc.args[2] = (long)ifc;
	c->finish = ifconf_finish;
	*cp = c;
	return 0;
}

/* The ethtool commands taken (reads a vNIC can answer), and the most
 * the kernel writes for each: the buffer is always that big. */
#define LINK_MASKS_MAX	(3 * 127 * sizeof(uint32_t))	/* nwords is an s8 */
#define PERM_ADDR_MAX	32				/* MAX_ADDR_LEN */

static size_t ethtool_size(uint32_t cmd)
{
	size_t n = nrpc_ethtool_fixed(cmd);

	if (cmd == ETHTOOL_GLINKSETTINGS)
		n += LINK_MASKS_MAX;
	else if (cmd == ETHTOOL_GPERMADDR)
		n += PERM_ADDR_MAX;
	return n;
}

/* SIOCETHTOOL: (fd, SIOCETHTOOL, datalen) in: ifr_name, the command's
 * struct (datalen bytes); out: the struct as the kernel left it.  Any
 * other command is EOPNOTSUPP: what Linux says for a device without the
 * op, and a vNIC has none of the others. */
static int ethtool_call(struct rpc_sess *s, long fd, const struct nrpc_call *m,
			const unsigned char *in, size_t n, struct rpc_call **cp)
{
	struct rpc_call *c;
	struct ifreq *ifr;
	uint32_t cmd;
	size_t size, len;

	if (m->args[2] < (int64_t)sizeof(cmd) || n != IFNAMSIZ + (uint64_t)m->args[2])
		return -EINVAL;
	len = m->args[2];
	memcpy(&cmd, in + IFNAMSIZ, sizeof(cmd));
	size = ethtool_size(cmd);
	if (!size)
		return -EOPNOTSUPP;
	if (len > size || len > rpc_out_room(m))
		return -EINVAL;
	c = rpc_call_new(s, size, sizeof(*ifr));
	if (!c)
		return -ENOMEM;
	ifr = (struct ifreq *)c->scratch;
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, in, IFNAMSIZ);
	ifr->ifr_name[IFNAMSIZ - 1] = '\0';
	ifr->ifr_data = (char *)rpc_out(c);
	memcpy(rpc_out(c), in + IFNAMSIZ, len);
	memset(rpc_out(c) + len, 0, size - len);
	if (cmd == ETHTOOL_GPERMADDR) {	/* the kernel writes at most its size */
		struct ethtool_perm_addr *pa = (struct ethtool_perm_addr *)rpc_out(c);

		if (pa->size > PERM_ADDR_MAX)
			pa->size = PERM_ADDR_MAX;
	}
	c->sc.nr = NUSE_SYS_ioctl;
	c->sc.args[0] = fd;
	c->sc.args[1] = SIOCETHTOOL;
	c->sc.args[2] = (long)ifr;
	c->aux[0] = len;
	c->finish = ioctl_finish;
	*cp = c;
	return 0;
}

/* (fd, request, arglen) in: arg bytes; out: arg bytes */
int rpc_ioctl(struct rpc_sess *s, const struct nrpc_call *m,
	      const unsigned char *in, size_t n, struct rpc_call **cp)
{
	struct rpc_call *c;
	size_t size;
	long fd;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (m->args[1] < 0 || m->args[1] > UINT_MAX)
		return -ENOTTY;
	if (m->args[1] == SIOCGIFCONF)
		return get_ifconf(s, fd, m, n, cp);
	if (m->args[1] == SIOCETHTOOL)
		return ethtool_call(s, fd, m, in, n, cp);
	size = ioctl_size(m->args[1]);
	if (!size)
		return -ENOTTY;
	if (m->args[2] <= 0 || (uint64_t)m->args[2] > size || n > (uint64_t)m->args[2] ||
	    (size == sizeof(int) && m->args[2] != sizeof(int)))
		return -EINVAL;
	c = rpc_call_new(s, size, 0);
	if (!c)
		return -ENOMEM;
	memcpy(rpc_out(c), in, n);
	memset(rpc_out(c) + n, 0, size - n);
	c->sc.nr = NUSE_SYS_ioctl;
	c->sc.args[0] = fd;
	c->sc.args[1] = m->args[1];
	c->sc.args[2] = (long)rpc_out(c);
	c->aux[0] = m->args[2];
	c->finish = ioctl_finish;
	*cp = c;
	return 0;
}
