// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl and fcntl on tenant descriptors.  The ioctls are the ones nrpc.h
 * lists, each with its argument's size (the legacy 0x89xx socket ioctls
 * carry no size in their number); SIOCETHTOOL by the command inside;
 * any other is ENOTTY here, without a round trip.  fcntl: the
 * descriptor flags are ours, the file status flags (O_NONBLOCK) the
 * appliance's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/ethtool.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/time.h>

#include "preload.h"
#include "rpc/nrpc_ethtool.h"

long pl_dup_min(int fd, int minfd, int cloexec);

static size_t arg_size(unsigned long req)
{
	switch (req) {
	case FIONBIO: case FIONREAD: case SIOCOUTQ: case SIOCATMARK: case SIOCOUTQNSD:
		return sizeof(int);
	case SIOCGSTAMP_OLD:
		return sizeof(struct timeval);
	case SIOCGSTAMPNS_OLD:
		return sizeof(struct timespec);
	case SIOCGIFNAME: case SIOCGIFFLAGS: case SIOCSIFFLAGS: case SIOCGIFADDR:
	case SIOCSIFADDR: case SIOCGIFDSTADDR: case SIOCSIFDSTADDR:
	case SIOCGIFBRDADDR: case SIOCSIFBRDADDR: case SIOCGIFNETMASK:
	case SIOCSIFNETMASK: case SIOCGIFMETRIC: case SIOCSIFMETRIC:
	case SIOCGIFMTU: case SIOCSIFMTU: case SIOCSIFNAME: case SIOCSIFHWADDR:
	case SIOCGIFHWADDR: case SIOCADDMULTI: case SIOCDELMULTI:
	case SIOCGIFINDEX: case SIOCSIFPFLAGS: case SIOCGIFPFLAGS:
	case SIOCDIFADDR: case SIOCSIFHWBROADCAST: case SIOCGIFCOUNT:
	case SIOCGIFTXQLEN: case SIOCSIFTXQLEN: case SIOCGIFMAP: case SIOCSIFMAP:
		return sizeof(struct ifreq);
	case SIOCSARP: case SIOCGARP: case SIOCDARP:
		return sizeof(struct arpreq);
	}
	return 0;
}

/* The bytes of an ethtool command's struct the kernel reads or writes;
 * 0: not one the appliance takes (it would say EOPNOTSUPP). */
static size_t ethtool_len(const void *data)
{
	const struct ethtool_link_settings *ls = data;
	const struct ethtool_perm_addr *pa = data;
	uint32_t cmd = *(const uint32_t *)data;
	size_t n = nrpc_ethtool_fixed(cmd);

	if (cmd == ETHTOOL_GLINKSETTINGS && ls->link_mode_masks_nwords > 0)
		n += 3 * 4 * (size_t)ls->link_mode_masks_nwords;	/* <= 0: the handshake */
	else if (cmd == ETHTOOL_GPERMADDR)
		n += pa->size < 32 ? pa->size : 32;
	return n;
}

/* (fd, SIOCETHTOOL, len) in: ifr_name, the command's struct; out: it. */
static long rethtool(int rfd, struct ifreq *ifr)
{
	int64_t a[6] = { rfd, SIOCETHTOOL }, ret;
	struct iovec in[2];
	uint32_t got;
	size_t len;
	int err;

	if (!ifr || !ifr->ifr_data)
		return -EFAULT;
	len = ethtool_len(ifr->ifr_data);
	if (!len)
		return -EOPNOTSUPP;
	a[2] = len;
	in[0] = (struct iovec){ ifr->ifr_name, IFNAMSIZ };
	in[1] = (struct iovec){ ifr->ifr_data, len };
	if ((err = pl_begin(NRPC_IOCTL, a, in, 2, len, &ret, &got)))
		return err;
	if (ret >= 0 && (err = pl_take(ifr->ifr_data, got)))
		ret = err;
	return pl_end(ret);
}

/* (fd, SIOCGIFCONF, buflen) out: the ifreq array, ret its length.  A
 * NULL buffer asks for the length alone: we ask for all that fits. */
static long ifconf(int rfd, struct ifconf *ifc)
{
	size_t room = PL_ROOM(0) / sizeof(struct ifreq) * sizeof(struct ifreq);
	int64_t a[6] = { rfd, SIOCGIFCONF }, ret;
	uint32_t got;
	int err;

	if (!ifc || ifc->ifc_len < 0)
		return -EINVAL;
	a[2] = ifc->ifc_buf && (size_t)ifc->ifc_len < room ? (size_t)ifc->ifc_len : room;
	if ((err = pl_begin(NRPC_IOCTL, a, NULL, 0, a[2], &ret, &got)))
		return err;
	if (ret >= 0 && ifc->ifc_buf && (err = pl_take(ifc->ifc_buf, got)))
		return pl_end(err);
	if (ret >= 0)
		ifc->ifc_len = ret;
	return pl_end(ret < 0 ? ret : 0);
}

/* (fd, request, arglen) in: arg bytes; out: arg bytes */
long pl_rioctl(int rfd, unsigned long req, void *arg)
{
	size_t size = arg_size(req);
	int64_t a[6] = { rfd, (int64_t)req, size }, ret;
	struct iovec in = { arg, size };
	uint32_t got;
	int err;

	if (req == SIOCGIFCONF)
		return ifconf(rfd, arg);
	if (req == SIOCETHTOOL)
		return rethtool(rfd, arg);
	if (!size)
		return -ENOTTY;
	if (!arg)
		return -EFAULT;
	if ((err = pl_begin(NRPC_IOCTL, a, &in, 1, size, &ret, &got)))
		return err;
	if (ret >= 0 && (err = pl_take(arg, got)))
		ret = err;
	return pl_end(ret);
}

PL_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct pl_fd e;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (pl_fd_get(fd, &e))
		return pl_real.ioctl(fd, req, arg);
	if (req == FIOCLEX || req == FIONCLEX) {
		pl_fd_set_cloexec(fd, req == FIOCLEX);
		return 0;
	}
	return pl_ret(pl_rioctl(e.remote, req, arg));
}

static long rfcntl(int fd, const struct pl_fd *e, int cmd, long arg)
{
	switch (cmd) {
	case F_GETFD:
		return e->cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		pl_fd_set_cloexec(fd, (int)arg & FD_CLOEXEC);
		return 0;
	case F_GETFL:		/* takes no argument: whatever is there is junk */
		return pl_rsimple(NRPC_FCNTL, e->remote, cmd, 0);
	case F_SETFL:		/* an int, as the kernel reads it */
		return pl_rsimple(NRPC_FCNTL, e->remote, cmd, (int)arg);
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return arg < 0 ? -EINVAL : pl_dup_min(fd, arg, cmd == F_DUPFD_CLOEXEC);
	}
	return -EINVAL;		/* locks, owners, leases, signals: not for these */
}

PL_EXPORT int fcntl(int fd, int cmd, ...)
{
	struct pl_fd e;
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (pl_fd_get(fd, &e))
		return pl_real.fcntl(fd, cmd, arg);
	return pl_ret(rfcntl(fd, &e, cmd, arg));
}

PL_EXPORT int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));
