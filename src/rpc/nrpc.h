/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tool RPC: how the preload library (src/preload) hands a program's
 * socket-family calls to the appliance (src/rpc), over a unix stream
 * socket.  One connection is one program (one process), or one more of
 * its threads; the appliance runs each connection's calls in one kernel
 * task of its own, in the tenant's network namespace, with the program's
 * file table.
 *
 * Every message starts with struct nrpc_hdr; @len counts the whole
 * message, header included, and is at most NRPC_MSG_MAX.  The client
 * sends one request and waits for its reply (same @seq), except that
 * while an NRPC_POLL is pending it may send NRPC_CANCEL, after which the
 * poll's reply comes at once (with what was ready, maybe nothing).
 * NRPC_CANCEL has no reply of its own; one that comes too late (no poll
 * pending) is ignored.  Any other request while one is in flight, a
 * call before HELLO's success, or a second HELLO closes the connection.
 * A peer the appliance does not admit gets one REPLY with @seq 0 and
 * -EACCES (or -EAGAIN: too many sessions), then the connection closes.
 *
 * Requests carry scalar arguments in @args and their buffers as bytes
 * after the fixed part; pointers never cross the socket.  The appliance
 * checks every message's type and length, and every op's layout, and
 * answers a malformed one with -EINVAL (or closes the connection if the
 * header itself is bad).  Descriptors in @args are the appliance's (the
 * kernel task's), never the program's own.
 *
 * All integers are the host's byte order: both ends are on one machine.
 */
#ifndef NRPC_H
#define NRPC_H

#include <stdint.h>

#define NRPC_VERSION	2	/* 2: the shared channel (NRPC_HELLO_SHM) */
#define NRPC_VERSION_MIN 1	/* the oldest the appliance still speaks */
#define NRPC_MSG_MAX	(256 * 1024)
#define NRPC_DATA_MAX	(NRPC_MSG_MAX - 128)	/* bytes of data in one call */
#define NRPC_TENANT_MAX	63
/* The socket, unless the config or NUSE_SOCKET says otherwise, is
 * NUSE_RPC_SOCKET_DEFAULT (config.h). */

enum nrpc_type {
	NRPC_HELLO = 1,		/* first message: which tenant */
	NRPC_CALL,		/* one call; struct nrpc_call */
	NRPC_CANCEL,		/* end the pending NRPC_POLL now */
	NRPC_REPLY,		/* the appliance's answer: struct nrpc_reply */
	NRPC_RING,		/* the shared channel's doorbell: a header only */
};

struct nrpc_hdr {
	uint32_t len;
	uint16_t type;		/* enum nrpc_type */
	uint16_t flags;		/* 0 */
	uint32_t seq;
	uint32_t pad;
};

/*
 * HELLO.  @fork_of: 0 for a new program; after fork(), the child's new
 * connection names the parent's session and gets a task whose file table
 * is a copy of the parent's (the parent keeps its own connection).  The
 * copy is taken when the child's HELLO is served, so the parent must not
 * change its descriptors until then.  With NRPC_HELLO_THREAD in @flags,
 * @fork_of names a session of the same process (the same peer pid) and
 * the new one's task shares that session's file table instead: one
 * connection per host thread that may block, all on one set of
 * descriptors, as threads are.  The reply's @ret is 0 or -errno
 * (-ENOENT: no such tenant; -ESRCH: no such session to fork from;
 * -EACCES: that session is another uid's, or for a thread another
 * process's; -EINVAL: a bad tenant name, not the parent's tenant, or
 * unknown @flags; -EPROTONOSUPPORT: another @version), and its data an
 * int64 session id.  After a failed HELLO another may follow.
 */
#define NRPC_HELLO_THREAD	0x1u
#define NRPC_HELLO_SHM		0x2u	/* version 2: ask for a shared channel */

struct nrpc_hello {
	struct nrpc_hdr h;
	uint32_t version;	/* NRPC_VERSION */
	uint32_t flags;		/* NRPC_HELLO_THREAD, or 0 */
	uint64_t fork_of;
	char tenant[NRPC_TENANT_MAX + 1];	/* NUL-terminated */
};

/*
 * The calls.  "in:" is the data after struct nrpc_call, "out:" the data
 * after struct nrpc_reply; @out_max bounds the out data the client takes
 * (the appliance caps it at NRPC_DATA_MAX, and the lengths of reads to
 * fit it).  Lengths inside data are uint32.  A sockaddr is at most 128
 * bytes; an "out: u32 addrlen, sockaddr" has the kernel's addrlen, then
 * min(addrlen, 128) bytes.  Ops with no "in:" take none.  An unknown op
 * is -ENOSYS; a malformed one -EINVAL; a descriptor the session does not
 * have (or out of int range) -EBADF.
 */
enum nrpc_op {
	/* (domain, type, protocol) -> fd; AF_INET, AF_INET6, AF_NETLINK and
	 * AF_PACKET only (-EAFNOSUPPORT) */
	NRPC_SOCKET = 1,
	NRPC_CLOSE,		/* (fd) */
	NRPC_BIND,		/* (fd) in: sockaddr */
	NRPC_CONNECT,		/* (fd) in: sockaddr */
	NRPC_LISTEN,		/* (fd, backlog) */
	NRPC_ACCEPT,		/* (fd, flags) -> fd; out: u32 addrlen, sockaddr */
	NRPC_SHUTDOWN,		/* (fd, how) */
	NRPC_GETSOCKNAME,	/* (fd) out: u32 addrlen, sockaddr */
	NRPC_GETPEERNAME,	/* (fd) out: u32 addrlen, sockaddr */
	NRPC_SENDTO,		/* (fd, flags, addrlen) in: sockaddr[addrlen], data -> bytes */
	NRPC_RECVFROM,		/* (fd, len, flags) -> bytes; out: u32 addrlen, sockaddr[128], data */
	/* (fd, flags) in: u32 namelen, u32 controllen, name, control, data -> bytes */
	NRPC_SENDMSG,
	/* (fd, flags, datalen, namemax, controlmax) -> bytes;
	 * out: u32 namelen, u32 controllen, u32 msg_flags, name[namelen],
	 *      control[controllen], data[bytes]; namelen and controllen are
	 *      the bytes that follow (at most namemax, controlmax <= 64 KiB) */
	NRPC_RECVMSG,
	/* (fd, level, name) in: optval; out: nothing, except:
	 * SOL_SOCKET SO_ATTACH_FILTER and SO_ATTACH_REUSEPORT_CBPF: in: u32
	 *   count, then count struct sock_filter (the program, flattened);
	 * IPPROTO_IP IPT_SO_SET_REPLACE and IPPROTO_IPV6 IP6T_SO_SET_REPLACE:
	 *   in: the struct ipt_replace (ip6t_replace) and its entries as
	 *   iptables builds them, its counters pointer ignored; out: the old
	 *   counters (num_counters struct xt_counters) the kernel hands back.
	 * Options whose value holds other pointers are refused (-ENOPROTOOPT),
	 * and so is SO_ZEROCOPY. */
	NRPC_SETSOCKOPT,
	/* (fd, level, name, optlen) in: optval's initial bytes (some
	 * getsockopts read them, e.g. IPT_SO_GET_ENTRIES); out: u32 optlen
	 * (the kernel's), then min(optlen, asked) bytes of optval.  As in
	 * Linux, SO_GET_FILTER's optlen counts instructions, its optval bytes
	 * (8 each).  TCP_ZEROCOPY_RECEIVE is refused (-ENOPROTOOPT). */
	NRPC_GETSOCKOPT,
	/* (fd, request, arglen) in: arg bytes; out: arg bytes.  The
	 * appliance knows each request it takes, and its argument's size:
	 * FIONBIO, FIONREAD, SIOCINQ, SIOCOUTQ, SIOCATMARK (int);
	 * SIOCGIF* and SIOCSIF* of struct ifreq (no ifr_data requests);
	 * SIOCGIFCONF: args[2] is the buffer's length, in: nothing,
	 * out: the struct ifreq array, ret its length in bytes;
	 * SIOCGSTAMP_OLD (struct timeval); SIOCSARP, SIOCGARP, SIOCDARP
	 * (struct arpreq); SIOCETHTOOL: args[2] is the length of the ethtool
	 * command's struct, in: ifr_name[16], then that struct; out: the
	 * struct; the read-only commands a vNIC answers (GSET, GDRVINFO,
	 * GWOL, GMSGLVL, GLINK, GLINKSETTINGS, GPERMADDR, GET_TS_INFO), any
	 * other -EOPNOTSUPP.  Others: -ENOTTY.  arglen is the
	 * argument's size (sizeof(int) exactly for the int ones; at most
	 * sizeof(struct ifreq) for the ifreq ones); in: at most arglen bytes,
	 * the rest zeroed; out: arglen bytes. */
	NRPC_IOCTL,
	/* (fd, cmd, arg): F_GETFL, F_SETFL, F_GETFD, F_SETFD only; the getters
	 * ignore arg, the setters take its low 32 bits (an int), as Linux does */
	NRPC_FCNTL,
	NRPC_READ,		/* (fd, len) -> bytes; out: data */
	NRPC_WRITE,		/* (fd) in: data -> bytes */
	/* (nfds, timeout_ms) in: struct pollfd[nfds] -> ready; out: pollfd[nfds].
	 * timeout_ms < 0: no timeout.  NRPC_CANCEL ends it early. */
	NRPC_POLL,
	/* (flags, mode) in: path, NUL-terminated: only /proc/net/...,
	 * /proc/self/net/... and /proc/sys/net/... (the tenant's), and the rest
	 * of /proc/sys/... read only (the whole kernel's); no ".." -> fd, or
	 * -EACCES for any other path */
	NRPC_OPEN,
	NRPC_DUP,		/* (fd) -> fd */
	NRPC_NULL,		/* () -> 0: the round trip, for benches; it runs
				 * a no-op call in the session's task */
	NRPC_OP_MAX,
};

/*
 * The shared channel (version 2, NRPC_HELLO_SHM).  The appliance may
 * answer such a HELLO with 16 bytes of data instead of 8: the session
 * id, then the uint64 size of a memory region, whose descriptor (a
 * sealed memfd: it cannot shrink or grow) comes with the reply's first
 * byte as SCM_RIGHTS.  Without them (the appliance could not make one)
 * the session speaks over the socket, as in version 1.
 *
 * With a channel, calls and replies go through the region, never the
 * socket: the client writes its NRPC_CALL message (the same bytes it
 * would send) at @req_off, then stores its seq in @req_seq (release),
 * then loads @srv_spin (both seq_cst) and sends NRPC_RING (a bare
 * header) on the socket unless it says the appliance is watching; the
 * appliance clears @srv_spin, then loads @req_seq (both seq_cst) before
 * it stops watching, so a call is always seen or rung.  The appliance copies the message
 * out of the region before it checks any of it, and writes the reply
 * (struct nrpc_reply and its data, as on the socket) at @rep_off, then
 * stores its seq in @rep_seq (release) and wakes a client that set
 * @cli_wait (FUTEX_WAKE on @rep_seq, not private).  NRPC_CANCEL becomes
 * @cancel = the POLL's seq, then a RING.  A POLL's reply is also rung
 * back: after writing it the appliance sends a RING of its seq on the
 * socket, which the client reads (so that its wait can be a ppoll with
 * descriptors of its own).  When the appliance ends the
 * session it sets @closed and wakes the client.  The socket then carries only
 * RINGs (the client's, and the appliance's for POLL replies); its end is
 * still the end of the session.  The client may write anything into the
 * region at any time: the appliance trusts none of it, and reads the
 * fields it writes itself (@magic ... @features) nowhere.
 *
 * With NRPC_SHM_BELL in @features the reply carried a second descriptor
 * after the memfd, an eventfd the kernel's CPU sleeps on: writing a
 * count (8 bytes, any nonzero value) to it is a RING for a call or a
 * cancel, with no other thread of the appliance in between.  A RING on
 * the socket still works.
 */
#define NRPC_SHM_MAGIC	0x6e73686du	/* "nshm" */
#define NRPC_SHM_BELL	1u		/* @features: the eventfd doorbell */

struct nrpc_shm {
	uint32_t magic;		/* NRPC_SHM_MAGIC */
	uint32_t version;	/* NRPC_VERSION */
	uint64_t size;		/* of the region */
	uint32_t req_off, req_max;	/* where a call goes, its largest */
	uint32_t rep_off, rep_max;	/* where a reply comes, its largest */
	uint32_t features;	/* NRPC_SHM_BELL, or 0 */
	uint32_t pad0[7];
	/* the client's */
	uint32_t req_seq;	/* seq of the call written */
	uint32_t cancel;	/* seq of the POLL to end */
	uint32_t cli_wait;	/* 1: asleep on @rep_seq, wake me */
	uint32_t pad1[13];
	/* the appliance's */
	uint32_t rep_seq;	/* seq of the reply written */
	uint32_t srv_spin;	/* nonzero: the kernel's CPU is awake and watching
				 * @req_seq: no RING needed, and a reply is near */
	uint32_t closed;	/* nonzero: the session has ended (woken as a reply) */
	uint32_t pad2[13];
};

struct nrpc_call {
	struct nrpc_hdr h;
	uint32_t op;		/* enum nrpc_op */
	uint32_t out_max;
	int64_t args[6];
	/* in data follows */
};

struct nrpc_reply {
	struct nrpc_hdr h;
	int64_t ret;		/* result, or -errno */
	uint32_t out_len;
	uint32_t pad;
	/* out data follows */
};

#endif
