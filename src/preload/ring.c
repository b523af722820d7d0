// SPDX-License-Identifier: GPL-2.0
/*
 * A packet socket's memory-mapped receive ring, TPACKET_V3, for capture
 * tools (libpcap: tcpdump, tshark's dumpcap).  The tenant's kernel cannot
 * map its ring into the program: it lives in another process.  So the
 * ring is the program's own memory, and this file plays the kernel's part
 * in it: PACKET_RX_RING is kept here (not sent), mmap() of the socket
 * gives anonymous shared memory laid out as the kernel would, and each
 * poll of the socket first moves what the tenant socket holds into the
 * ring (recvmsg with the packet's auxiliary data and kernel timestamp),
 * retiring a block as soon as it holds a packet, as the kernel does when
 * its block timer fires.  A block the program has not handed back stops
 * the filling; packets then wait in the tenant socket (its buffer is the
 * kernel's, and so are its drops).
 *
 * Only TPACKET_V3 rings (what libpcap asks for first); PACKET_RX_RING
 * for V1/V2 and PACKET_TX_RING are EINVAL here, as from a kernel without
 * them.  The memory the program got stays the program's: after close()
 * or a new ring, munmap() is its to do, as with the kernel's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/if_packet.h>

#include "preload.h"

#define RINGS_MAX	16
#define RING_BYTES_MAX	(1UL << 30)
#define PKT_MAX		(256 * 1024)	/* one receive: a GRO super-frame fits */

struct ring {
	int fd;			/* the placeholder; -1: free slot */
	int version;		/* PACKET_VERSION the program set */
	unsigned int reserve;	/* PACKET_RESERVE */
	struct tpacket_req3 req;	/* set: req.tp_block_nr != 0 */
	unsigned char *base;	/* mapped: the program's */
	unsigned int cur;	/* the block being filled */
	unsigned int last;	/* its last packet's offset in it */
	unsigned int seq;
	unsigned int drops;	/* not kept: too big for a block */
	unsigned char *buf;	/* one packet as received */
};

static struct ring rings[RINGS_MAX] = { [0 ... RINGS_MAX - 1] = { .fd = -1 } };
static int nrings;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct ring *find(int fd, int make)
{
	int i, free_slot = -1;

	for (i = 0; i < RINGS_MAX; i++) {
		if (rings[i].fd == fd)
			return &rings[i];
		if (rings[i].fd < 0 && free_slot < 0)
			free_slot = i;
	}
	if (!make || free_slot < 0)
		return NULL;
	memset(&rings[free_slot], 0, sizeof(rings[free_slot]));
	rings[free_slot].fd = fd;
	__atomic_add_fetch(&nrings, 1, __ATOMIC_RELEASE);
	return &rings[free_slot];
}

static void forget(struct ring *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	__atomic_sub_fetch(&nrings, 1, __ATOMIC_RELEASE);
}

void pl_ring_forget(int fd)
{
	struct ring *r;

	if (!__atomic_load_n(&nrings, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&lock);
	if ((r = find(fd, 0)))
		forget(r);
	pthread_mutex_unlock(&lock);
}

#define BLK_HDR		((sizeof(struct tpacket_block_desc) + 7) & ~7UL)
#define HDR3_LEN	(TPACKET_ALIGN(sizeof(struct tpacket3_hdr)) + sizeof(struct sockaddr_ll))

static int req_ok(const struct tpacket_req3 *q)
{
	unsigned long pg = sysconf(_SC_PAGESIZE);

	if (!q->tp_block_nr)
		return 1;
	return q->tp_block_size && !(q->tp_block_size % pg) && q->tp_block_size <= (1U << 26) &&
	       q->tp_frame_size >= HDR3_LEN && !(q->tp_frame_size % TPACKET_ALIGNMENT) &&
	       q->tp_block_size / q->tp_frame_size * q->tp_block_nr == q->tp_frame_nr &&
	       (unsigned long)q->tp_block_size * q->tp_block_nr <= RING_BYTES_MAX &&
	       q->tp_sizeof_priv <= q->tp_block_size / 2;
}

/*
 * setsockopt(SOL_PACKET, ...) of a tenant socket: 1 when handled here
 * (*ret its result), 0 when it goes on to the tenant (PACKET_VERSION and
 * PACKET_RESERVE go both ways: the kernel's getsockopt answers must stay
 * true).
 */
int pl_ring_setsockopt(int fd, int name, const void *val, socklen_t len, long *ret)
{
	struct ring *r;
	int v = 0;

	if (name == PACKET_TX_RING) {
		*ret = -EINVAL;
		return 1;
	}
	if (name != PACKET_VERSION && name != PACKET_RESERVE && name != PACKET_RX_RING)
		return 0;
	if (name != PACKET_RX_RING) {
		if (!val || len < sizeof(int))
			return 0;	/* the kernel says why */
		memcpy(&v, val, sizeof(v));
	}
	pthread_mutex_lock(&lock);
	r = find(fd, 1);
	if (!r) {
		pthread_mutex_unlock(&lock);
		*ret = -ENOMEM;
		return 1;
	}
	if (name == PACKET_VERSION) {
		r->version = v;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	if (name == PACKET_RESERVE) {
		r->reserve = v;
		pthread_mutex_unlock(&lock);
		return 0;
	}
	*ret = 0;
	if (r->version != TPACKET_V3 || !val || len < sizeof(struct tpacket_req3) ||
	    !req_ok(val))
		*ret = -EINVAL;
	else if (r->base && ((const struct tpacket_req3 *)val)->tp_block_nr)
		*ret = -EBUSY;		/* as the kernel: unmap (a new ring of 0) first */
	else {
		memcpy(&r->req, val, sizeof(r->req));
		r->base = NULL;
		r->cur = r->seq = 0;
		if (r->req.tp_block_nr && !r->buf && !(r->buf = malloc(PKT_MAX)))
			*ret = -ENOMEM;
		v = r->req.tp_block_nr && !*ret;
	}
	pthread_mutex_unlock(&lock);
	if (v) {	/* what filling needs of each packet: its length, VLAN, time */
		int one = 1;

		if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
		    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
			*ret = -errno;
	}
	return 1;
}

static void block_init(struct ring *r, unsigned int i)
{
	struct tpacket_block_desc *b = (void *)(r->base + (size_t)i * r->req.tp_block_size);

	memset(b, 0, BLK_HDR);
	b->version = TPACKET_V3;
	b->offset_to_priv = BLK_HDR;
	b->hdr.bh1.offset_to_first_pkt = BLK_HDR + ((r->req.tp_sizeof_priv + 7) & ~7U);
	__atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

/* mmap() of a socket with a ring set: the ring (EINVAL if asked for
 * otherwise than whole, shared, from 0); of anything else, the kernel's. */
static void *ring_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct ring *r;
	void *p = MAP_FAILED;
	unsigned int i;

	pthread_mutex_lock(&lock);
	r = find(fd, 0);
	if (!r || !r->req.tp_block_nr) {
		pthread_mutex_unlock(&lock);
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	}
	errno = EINVAL;
	if (!r->base && off == 0 && (flags & MAP_SHARED) &&
	    len == (size_t)r->req.tp_block_size * r->req.tp_block_nr) {
		errno = EINVAL;
		p = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			errno = ENOMEM;
		} else {
			r->base = p;
			for (i = 0; i < r->req.tp_block_nr; i++)
				block_init(r, i);
		}
	}
	pthread_mutex_unlock(&lock);
	return p;
}

static struct tpacket_block_desc *block(struct ring *r, unsigned int i)
{
	return (void *)(r->base + (size_t)i * r->req.tp_block_size);
}

static int user_owns(struct tpacket_block_desc *b)
{
	return __atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

/* Hand the block being filled to the program, if it holds anything. */
static void retire(struct ring *r)
{
	struct tpacket_block_desc *b = block(r, r->cur);

	if (!b->hdr.bh1.num_pkts)
		return;
	b->hdr.bh1.seq_num = ++r->seq;
	__atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_USER, __ATOMIC_RELEASE);
	r->cur = (r->cur + 1) % r->req.tp_block_nr;
}

/* One packet received (@n bytes kept of @len, its @sll, @aux, @ts) into
 * the block being filled: 0, or -ENOSPC (no free block: it is dropped). */
static int place(struct ring *r, size_t n, const struct sockaddr_ll *sll,
		 const struct tpacket_auxdata *aux, const struct timespec *ts)
{
	struct tpacket_block_desc *b = block(r, r->cur);
	struct tpacket_hdr_v1 *bh = &b->hdr.bh1;
	unsigned int maclen = aux ? aux->tp_net - aux->tp_mac : 0, macoff, pos, need;
	struct tpacket3_hdr *h, *last;

	if (user_owns(b))
		return -ENOSPC;
	if (maclen > 256)
		maclen = 0;
	macoff = TPACKET_ALIGN(HDR3_LEN + (maclen < 16 ? 16 : maclen)) + r->reserve - maclen;
	pos = bh->num_pkts ? bh->blk_len : bh->offset_to_first_pkt;
	need = pos + macoff < r->req.tp_block_size ? macoff + (unsigned int)n : ~0U;
	if (need > r->req.tp_block_size - pos) {
		if (bh->num_pkts) {		/* the next block, then */
			retire(r);
			return place(r, n, sll, aux, ts);
		}
		if (pos + macoff >= r->req.tp_block_size)
			return -ENOSPC;
		n = r->req.tp_block_size - pos - macoff;	/* alone it does not fit: cut */
	}
	h = (void *)((unsigned char *)b + pos);
	memset(h, 0, sizeof(*h));
	h->tp_sec = ts->tv_sec;
	h->tp_nsec = ts->tv_nsec;
	h->tp_snaplen = n;
	h->tp_len = aux ? aux->tp_len : n;
	h->tp_mac = macoff;
	h->tp_net = macoff + maclen;
	h->tp_status = TP_STATUS_USER;
	if (aux) {
		h->tp_status |= aux->tp_status & (TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID |
						  TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID);
		h->hv1.tp_vlan_tci = aux->tp_vlan_tci;
		h->hv1.tp_vlan_tpid = aux->tp_vlan_tpid;
	}
	memcpy((unsigned char *)h + TPACKET_ALIGN(sizeof(*h)), sll, sizeof(*sll));
	memcpy((unsigned char *)h + macoff, r->buf, n);
	if (bh->num_pkts) {
		last = (void *)((unsigned char *)b + r->last);
		last->tp_next_offset = pos - r->last;
	} else {
		bh->ts_first_pkt.ts_sec = ts->tv_sec;
		bh->ts_first_pkt.ts_nsec = ts->tv_nsec;
	}
	bh->num_pkts++;
	bh->blk_len = TPACKET_ALIGN(pos + macoff + n);
	bh->ts_last_pkt.ts_sec = ts->tv_sec;
	bh->ts_last_pkt.ts_nsec = ts->tv_nsec;
	r->last = pos;
	return 0;
}

/* Move what the tenant socket holds into the ring; whether a block is
 * the program's now.  Called with the lock held. */
static int fill(struct ring *r)
{
	union { struct cmsghdr c; char b[CMSG_SPACE(sizeof(struct tpacket_auxdata)) +
					 CMSG_SPACE(sizeof(struct timespec))]; } ctl;
	struct sockaddr_ll sll;
	struct iovec iov = { r->buf, PKT_MAX };
	struct msghdr mh;
	struct cmsghdr *c;
	struct tpacket_auxdata aux, *auxp;
	struct timespec ts;
	long n;
	unsigned int i;
	int budget = 4096;

	while (budget-- > 0 && !user_owns(block(r, r->cur))) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &sll;
		mh.msg_namelen = sizeof(sll);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		n = recvmsg(r->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			break;
		auxp = NULL;
		ts.tv_sec = 0;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
			    c->cmsg_len >= CMSG_LEN(sizeof(aux))) {
				memcpy(&aux, CMSG_DATA(c), sizeof(aux));
				auxp = &aux;
			} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS &&
				   c->cmsg_len >= CMSG_LEN(sizeof(ts))) {
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			}
		}
		if (!ts.tv_sec)
			clock_gettime(CLOCK_REALTIME, &ts);
		if (place(r, (size_t)n < PKT_MAX ? (size_t)n : PKT_MAX, &sll, auxp, &ts))
			r->drops++;
	}
	retire(r);
	for (i = 0; i < r->req.tp_block_nr; i++)
		if (user_owns(block(r, i)))
			return 1;
	return 0;
}

/*
 * The sockets of @fds[n] with a mapped ring, polled for reading: before
 * the wait (@after 0), each whose ring has a block for the program after
 * filling gets POLLIN, and the count is returned (the poll is answered at
 * once when it is not 0); after it (@after 1), one the wait said is
 * readable is filled, and keeps POLLIN only if a block is the program's
 * then (its POLLIN means a block, as with the kernel's ring).
 */
int pl_ring_poll(struct pollfd *fds, nfds_t n, int after)
{
	struct ring *r;
	nfds_t i;
	int k = 0;

	if (!__atomic_load_n(&nrings, __ATOMIC_ACQUIRE))
		return 0;
	for (i = 0; i < n; i++) {
		if (fds[i].fd < 0 || !(fds[i].events & POLLIN) ||
		    (after && !(fds[i].revents & POLLIN)))
			continue;
		pthread_mutex_lock(&lock);
		r = find(fds[i].fd, 0);
		if (r && r->base) {
			if (fill(r)) {
				fds[i].revents |= POLLIN;
				k++;
			} else {
				fds[i].revents &= ~(POLLIN | POLLRDNORM);
			}
		}
		pthread_mutex_unlock(&lock);
	}
	return k;
}

/* PACKET_STATISTICS: the kernel's, plus what did not fit here. */
void pl_ring_stats(int fd, void *val, socklen_t len)
{
	struct tpacket_stats_v3 st;
	struct ring *r;

	if (!__atomic_load_n(&nrings, __ATOMIC_ACQUIRE) || len < sizeof(struct tpacket_stats))
		return;
	pthread_mutex_lock(&lock);
	r = find(fd, 0);
	if (r && r->drops) {
		memcpy(&st, val, len < sizeof(st) ? len : sizeof(st));
		st.tp_packets += r->drops;
		st.tp_drops += r->drops;
		memcpy(val, &st, len < sizeof(st) ? len : sizeof(st));
		r->drops = 0;
	}
	pthread_mutex_unlock(&lock);
}

/* Called by malloc, the loader's users, and our own connection code
 * (also in a fork child, while the descriptor table is locked): no lock
 * but the rings' own, and none at all without a ring. */
PL_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fd < 0 || !__atomic_load_n(&nrings, __ATOMIC_ACQUIRE))
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	return ring_mmap(addr, len, prot, flags, fd, off);
}

PL_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));
