/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The preload library: LD_PRELOAD=libnuse-preload.so sends a program's
 * socket-family calls to one tenant of a running appliance, over the tool
 * RPC of src/rpc/nrpc.h.  Internal header; nothing outside src/preload
 * includes it.
 *
 * When it acts.  Only when NUSE_TENANT names a tenant (NUSE_SOCKET: the
 * appliance's socket, default NUSE_RPC_SOCKET_DEFAULT).  Without it every
 * call goes straight to libc.  The connection is made when the library
 * loads, before main() may drop what connect() needs (ping keeps only
 * CAP_NET_RAW, and the socket may be 0600 for another user), but HELLO,
 * which makes the appliance start a session, waits for the first tenant
 * call: processes that never make one (a shell, sh -c's children) cost
 * the appliance a connection and nothing else.  If the appliance cannot
 * be reached or refuses the tenant, one line says so on stderr at that
 * first call and every tenant call fails with ENETDOWN; the same when the
 * connection breaks later (the tenant descriptors are gone then).  A
 * connection the program closed under us with a raw syscall is made
 * again, as a new session (conn.c, pl_lost).
 * `nuse-appliance exec` checks the tenant before it runs the command, so
 * there this is for an appliance that goes away mid-run.
 *
 * What goes to the tenant.  Sockets of AF_INET, AF_INET6, AF_NETLINK and
 * AF_PACKET; open()/openat()/fopen() of /proc/net/..., /proc/self/net/...
 * (/proc/PID/net, /proc/thread-self/net) and /proc/sys/...  Everything
 * else, AF_UNIX included, stays on the host.  glibc functions that open
 * sockets internally (their socket() calls bypass us) are reimplemented
 * against the tenant: if_nametoindex, if_indextoname, if_nameindex,
 * getifaddrs.  getaddrinfo/getnameinfo stay on the host (DNS, /etc/hosts).
 *
 * Descriptors.  Each tenant descriptor is a host placeholder (/dev/null,
 * always close-on-exec) holding its number, so the numbers a program sees
 * never collide with its host descriptors and select()'s fd_set works.
 * A table maps placeholder -> the appliance's descriptor.  close() closes
 * both; dup/dup2/dup3/F_DUPFD* get a new remote descriptor (NRPC_DUP), so
 * each placeholder owns exactly one.  FD_CLOEXEC is kept in the table;
 * O_NONBLOCK goes to the appliance (F_SETFL, FIONBIO, SOCK_NONBLOCK), so
 * calls return EAGAIN there.  The connections sit at high descriptors
 * (>= 1000 where RLIMIT_NOFILE allows), close-on-exec; close() of one is
 * refused with EBADF, close_range()/closefrom() close around them (and
 * close the tenant descriptors in the range properly), dup2() onto one
 * moves it first (fork.c).
 *
 * exec.  Tenant descriptors do not survive exec: the placeholders and the
 * connection are close-on-exec, the session ends, the new image starts
 * afresh (NUSE_TENANT is still in its environment).
 *
 * fork.  If the parent has tenant descriptors, the child connects in a
 * pthread_atfork handler with HELLO fork_of = the parent's session, so it
 * shares the parent's sockets like a real fork; the parent waits (a pipe)
 * until the appliance has answered that HELLO, so the copy it made is of
 * the table as it was at fork().  Any other child drops the inherited
 * connection and connects at its first tenant call, like a new program
 * (which a child that dropped privileges first may not be allowed to).
 * vfork/posix_spawn children exec at once and need nothing.
 *
 * Threads.  A pool of connections per process, each one session on the
 * process's one file table in the tenant; a call takes an idle one, and
 * when none is idle (another thread blocked in accept, a recv, a poll) a
 * new one joins (NRPC_HELLO_THREAD), so no thread waits for another's
 * call.  At most PL_CONNS_MAX; when one more cannot be made (the program
 * dropped what connect() needs) calls wait for an idle one.
 *
 * Signals.  A tenant call other than a wait is not interrupted by a
 * signal: we keep waiting for its reply (SO_RCVTIMEO, set on the tenant
 * socket, bounds it there).  poll/select/epoll_wait are: NRPC_CANCEL ends
 * the remote wait and they return EINTR if nothing was ready.  A handler
 * that longjmp()s out of a tenant call (iperf3 on ^C) is seen by our
 * longjmp/siglongjmp/__longjmp_chk: the connection is freed, and the
 * next call on it first finishes what the abandoned one left on the wire
 * (cancels its poll, reads its reply).  A tenant call made by a handler in the middle
 * of another call on the same thread fails with EINTR.  An EPIPE from a
 * tenant send/write raises SIGPIPE here unless MSG_NOSIGNAL.
 *
 * Waiting.  poll/ppoll/select/pselect/epoll_*: all-host goes straight to
 * libc; otherwise NRPC_POLL carries the tenant part (with the timeout)
 * while ppoll() waits on the host part plus the connection; if the host
 * side wins, NRPC_CANCEL and the poll's reply is read anyway and merged.
 * epoll: a tenant descriptor added to an epoll set goes to a shadow set
 * kept here, per epoll descriptor; epoll_wait combines like a mixed poll.
 * Tenant entries are level-triggered: EPOLLET is ignored (an edge-driven
 * loop that reads to EAGAIN still works, it may be woken more often);
 * EPOLLONESHOT is honoured (disarmed after one report until EPOLL_CTL_MOD).
 *
 * Sizes.  One call carries at most NRPC_DATA_MAX bytes: stream sends are
 * split (short count on a partial chunk), reads and receives are capped
 * (a short read), datagrams and socket options larger than that fail with
 * EMSGSIZE / ENOBUFS.  recvmmsg/sendmmsg are loops of single calls
 * (recvmmsg's timeout is ignored).  readv/writev/sendmsg gather straight
 * from the caller's buffers.
 *
 * /proc files.  read/write/close go to the appliance; lseek is emulated
 * (SEEK_SET/SEEK_CUR: reopen and read forward, since /proc files have no
 * random access over NRPC anyway); fopen() gives a fopencookie stream, so
 * fileno() of it is -1.  Directories (opendir of /proc/sys/...) stay on
 * the host.
 *
 * sendfile() and splice() (splice.c).  sendfile() from a host file or
 * pipe into a tenant descriptor, splice() from a host pipe into a tenant
 * socket and from a tenant stream socket into a host pipe: through a
 * buffer, one call's worth at a time, and nothing the other end did not
 * take is consumed.
 *
 * Capture rings (ring.c).  A packet socket's PACKET_RX_RING (TPACKET_V3)
 * is kept here and its mmap() is the program's own memory, which each
 * poll of the socket fills from the tenant socket: libpcap works.
 *
 * Not covered: sendfile() from a tenant descriptor (EINVAL, as from a
 * socket in the kernel), splice() from a tenant datagram socket or /proc
 * file (EINVAL: not supported), tee() and vmsplice() (pipes only, so never a tenant
 * descriptor), fdopen() of a tenant socket
 * (glibc's stdio reads it with internal calls we never see), ioctls
 * with pointers inside their argument (SIOCADDRT, ...: ENOTTY) other than
 * SIOCETHTOOL's known commands, pthread_cancel() of a thread blocked in a
 * tenant call (its connection stays busy: the others carry on),
 * async-signal safety beyond the longjmp case above.
 */
#ifndef PRELOAD_H
#define PRELOAD_H

#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "rpc/nrpc.h"

struct ifaddrs;
struct if_nameindex;

#define PL_EXPORT __attribute__((visibility("default")))

/* real.c: libc's functions, resolved once with dlsym(RTLD_NEXT). */
struct pl_real {
	int (*socket)(int, int, int);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*shutdown)(int, int);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*splice)(int, off_t *, int, off_t *, size_t, unsigned int);
	off_t (*lseek)(int, off_t, int);
	int (*close)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
		       const sigset_t *);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int, const struct timespec *,
			    const sigset_t *);
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	FILE *(*fopen)(const char *, const char *);
	unsigned int (*if_nametoindex)(const char *);
	char *(*if_indextoname)(unsigned int, char *);
	struct if_nameindex *(*if_nameindex)(void);
	void (*if_freenameindex)(struct if_nameindex *);
	int (*getifaddrs)(struct ifaddrs **);
	void (*freeifaddrs)(struct ifaddrs *);
	void (*longjmp)(struct __jmp_buf_tag *, int) __attribute__((noreturn));
	void (*_longjmp)(struct __jmp_buf_tag *, int) __attribute__((noreturn));
	void (*siglongjmp)(struct __jmp_buf_tag *, int) __attribute__((noreturn));
	void (*__longjmp_chk)(struct __jmp_buf_tag *, int) __attribute__((noreturn));
};
extern struct pl_real pl_real;

/* Resolve libc's functions and read the environment, once.  Every entry
 * point reaches it (directly or through pl_fd_get/pl_tenant_family)
 * before it touches pl_real. */
void pl_boot_slow(void);
extern int pl_booted;
static inline void pl_boot(void)
{
	if (!__atomic_load_n(&pl_booted, __ATOMIC_ACQUIRE))
		pl_boot_slow();
}
/* NUSE_TENANT was set. */
extern int pl_on;

/* r < 0: errno = -r, -1; else r. */
long pl_ret(long r);

/* conn.c, wire.c: the connections and their messages.  pl_lock() takes
 * an idle connection for the calling thread (connecting and saying HELLO
 * if need be): 0, or -ENETDOWN (-EINTR in a signal handler inside another
 * call), and then it holds none.  Until pl_unlock():
 * pl_send() sends one NRPC_CALL, pl_reply() reads its reply's header,
 * pl_take*() read its out data in order, pl_done() skips what is left.
 * Any failure of the connection itself is -ENETDOWN and ends it. */
int pl_lock(void);
void pl_unlock(void);
int pl_send(uint32_t op, const int64_t args[6], const struct iovec *in, int nin,
	    uint32_t out_max);
int pl_reply(int64_t *ret, uint32_t *out_len);
int pl_take(void *buf, size_t n);
int pl_takev(const struct iovec *iov, int n, size_t len);
int pl_done(void);
int pl_cancel(void);
int pl_fail(const char *why);
int pl_conn_fd(void);
int pl_is_conn_fd(int fd);
/* One whole call: in data from @in, out data into @out (at most
 * out_max bytes, *out_len set when not NULL).  Returns the call's result,
 * or -ENETDOWN. */
int64_t pl_call(uint32_t op, const int64_t args[6], const struct iovec *in, int nin,
		void *out, uint32_t out_max, uint32_t *out_len);
/* A call whose out data the caller reads with pl_take*(); on success the
 * lock is held until pl_end(r), which returns @r or -ENETDOWN. */
int pl_begin(uint32_t op, const int64_t args[6], const struct iovec *in, int nin,
	     uint32_t out_max, int64_t *ret, uint32_t *out_len);
long pl_end(long r);
void pl_conn_atfork(void);
void pl_conn_early(void);
/* fork.c */
int pl_conn_evict(int fd);
long pl_close_range(unsigned int lo, unsigned int hi, unsigned int flags);

/* Data bytes one call can carry beside @fixed bytes of other in (or out)
 * data: NRPC_DATA_MAX is all of a call's in data, and all of a reply's
 * out data (the appliance caps out_max there). */
#define PL_ROOM(fixed) ((size_t)NRPC_DATA_MAX - (fixed))

/* ring.c: a packet socket's TPACKET_V3 receive ring, played here. */
int pl_ring_setsockopt(int fd, int name, const void *val, socklen_t len, long *ret);
void pl_ring_stats(int fd, void *val, socklen_t len);
int pl_ring_poll(struct pollfd *fds, nfds_t n, int after);
void pl_ring_forget(int fd);

/* fdmap.c: placeholder -> the appliance's descriptor. */
enum pl_kind { PL_SOCKET = 1, PL_FILE };
struct pl_fd {
	int remote;
	uint8_t kind;		/* enum pl_kind */
	uint8_t cloexec;
	int type;		/* PL_SOCKET: SOCK_STREAM, ...; PL_FILE: open flags */
	off_t off;		/* PL_FILE: bytes read or written so far */
	const char *path;	/* PL_FILE: the tenant's path (owned by the table) */
};
int pl_fd_get(int fd, struct pl_fd *e);
int pl_fd_new(const struct pl_fd *e, int minfd);
int pl_fd_put(int fd, const struct pl_fd *e);
int pl_fd_take(int fd, struct pl_fd *e);
void pl_fd_drop(struct pl_fd *e);
void pl_fd_set_cloexec(int fd, int on);
void pl_fd_seek(int fd, int remote, off_t delta);
long pl_fd_count(void);
void pl_fd_lock(int on);
int pl_fd_next(int from);
void pl_fd_lost(void);

/* socket.c: calls on the appliance's descriptors. */
int pl_tenant_family(int domain);
long pl_rsocket(int domain, int type, int protocol);
long pl_rclose(int rfd);
long pl_rdup(int rfd);
long pl_rsimple(uint32_t op, int rfd, long a1, long a2);
long pl_rname(uint32_t op, int rfd, struct sockaddr *sa, socklen_t *len);
int pl_close(int fd);
long pl_dup_min(int fd, int minfd, int cloexec);

/* io.c */
long pl_rsend(int rfd, int stream, const struct iovec *iov, int n, int flags,
	      const struct sockaddr *sa, socklen_t salen);
long pl_rrecv(int rfd, void *buf, size_t len, int flags, struct sockaddr *sa,
	      socklen_t *salen);
long pl_rread(int rfd, const struct iovec *iov, int n);
long pl_rwrite(int rfd, int stream, const struct iovec *iov, int n);
/* write/writev on tenant descriptor @fd (@e): a socket's EPIPE raises SIGPIPE */
long pl_fd_write(int fd, const struct pl_fd *e, const struct iovec *iov, int n);
long pl_call_v(uint32_t op, const int64_t a[6], const struct iovec *head, int nhead,
	       const struct iovec *v, int nv);
/* One call's worth of data: @v[0..nv) are @len bytes; @first: the first. */
typedef long (*chunk_fn)(void *ctx, const struct iovec *v, int nv, size_t len,
			 int first);
long pl_chunked(const struct iovec *iov, int n, int stream, size_t max,
		chunk_fn fn, void *ctx);
size_t pl_iov_len(const struct iovec *iov, int n);
int pl_iov_slice(const struct iovec *src, int n, size_t off, size_t len,
		 struct iovec *dst);
long pl_sigpipe(long r, int flags);

/* ioctl.c */
long pl_rioctl(int rfd, unsigned long req, void *arg);

/* poll.c: poll() over mixed descriptors; @tmo in ms, -1 forever. */
int pl_poll(struct pollfd *fds, nfds_t n, int tmo, const sigset_t *mask);
int pl_poll_wait(struct pollfd *t, int nt, int tmo, struct pollfd *h, int nh,
		 const sigset_t *mask);
int pl_ts_ms(const struct timespec *ts);

/* epoll.c */
void pl_epoll_forget(int fd);
void pl_epoll_forget_range(unsigned int lo, unsigned int hi);
void pl_epoll_lock(int on);

/* ifaddr.c: an rtnetlink dump of the tenant's, each message to @cb. */
struct nlmsghdr;
struct rtattr;
typedef int (*nl_cb)(const struct nlmsghdr *h, void *arg);
long pl_nl_dump(int type, nl_cb cb, void *arg);
void pl_nl_attrs(const struct nlmsghdr *h, size_t fixed, struct rtattr **tb, int max);

/* proc.c */
int pl_proc_path(const char *path, char *out, size_t len);

#endif
