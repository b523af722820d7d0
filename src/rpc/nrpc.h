/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tool RPC: how the preload library (src/preload) hands a program's
 * socket-family calls to the appliance (src/rpc), over a unix stream
 * socket.  One connection is one program (one process); the appliance
 * runs its calls in one kernel task of its own, in the tenant's network
 * namespace, with its own file table.
 *
 * Every message starts with struct nrpc_hdr; @len counts the whole
 * message, header included, and is at most NRPC_MSG_MAX.  The client
 * sends one request and waits for its reply (same @seq), except that
 * while an NRPC_POLL is pending it may send NRPC_CANCEL, after which the
 * poll's reply comes at once (with what was ready, maybe nothing).
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

#define NRPC_VERSION	1
#define NRPC_MSG_MAX	(256 * 1024)
#define NRPC_DATA_MAX	(NRPC_MSG_MAX - 128)	/* bytes of data in one call */
#define NRPC_TENANT_MAX	63
/* The socket, unless the config or NUSE_SOCKET says otherwise. */
#define NRPC_SOCKET_DEFAULT	"/run/nuse-appliance/rpc.sock"

enum nrpc_type {
	NRPC_HELLO = 1,		/* first message: which tenant */
	NRPC_CALL,		/* one call; struct nrpc_call */
	NRPC_CANCEL,		/* end the pending NRPC_POLL now */
	NRPC_REPLY,		/* the appliance's answer: struct nrpc_reply */
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
 * reply's @ret is 0 or -errno (-ENOENT: no such tenant; -EACCES), and its
 * data an int64 session id.
 */
struct nrpc_hello {
	struct nrpc_hdr h;
	uint32_t version;	/* NRPC_VERSION */
	uint32_t pad;
	uint64_t fork_of;
	char tenant[NRPC_TENANT_MAX + 1];	/* NUL-terminated */
};

/*
 * The calls.  "in:" is the data after struct nrpc_call, "out:" the data
 * after struct nrpc_reply; @out_max bounds the out data the client takes.
 * Lengths inside data are uint32.  A sockaddr is at most 128 bytes.
 */
enum nrpc_op {
	NRPC_SOCKET = 1,	/* (domain, type, protocol) -> fd */
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
	 *      control[controllen], data[bytes] */
	NRPC_RECVMSG,
	/* (fd, level, name) in: optval; out: nothing, except:
	 * SOL_SOCKET SO_ATTACH_FILTER and SO_ATTACH_REUSEPORT_CBPF: in: u32
	 *   count, then count struct sock_filter (the program, flattened);
	 * IPPROTO_IP IPT_SO_SET_REPLACE and IPPROTO_IPV6 IP6T_SO_SET_REPLACE:
	 *   in: the struct ipt_replace (ip6t_replace) and its entries as
	 *   iptables builds them, its counters pointer ignored; out: the old
	 *   counters (num_counters struct xt_counters) the kernel hands back.
	 * Options whose value holds other pointers are refused (-ENOPROTOOPT). */
	NRPC_SETSOCKOPT,
	/* (fd, level, name, optlen) in: optval's initial bytes (some
	 * getsockopts read them, e.g. IPT_SO_GET_ENTRIES); out: u32 optlen, optval */
	NRPC_GETSOCKOPT,
	/* (fd, request, arglen) in: arg bytes; out: arg bytes.  The
	 * appliance knows each request it takes, and its argument's size:
	 * FIONBIO, FIONREAD, SIOCINQ, SIOCOUTQ, SIOCATMARK (int);
	 * SIOCGIF* and SIOCSIF* of struct ifreq (no ifr_data requests);
	 * SIOCGIFCONF: args[2] is the buffer's length, in: nothing,
	 * out: the struct ifreq array, ret its length in bytes;
	 * SIOCGSTAMP_OLD (struct timeval).  Others: -ENOTTY. */
	NRPC_IOCTL,
	NRPC_FCNTL,		/* (fd, cmd, arg): F_GETFL, F_SETFL, F_GETFD, F_SETFD only */
	NRPC_READ,		/* (fd, len) -> bytes; out: data */
	NRPC_WRITE,		/* (fd) in: data -> bytes */
	/* (nfds, timeout_ms) in: struct pollfd[nfds] -> ready; out: pollfd[nfds].
	 * NRPC_CANCEL ends it early. */
	NRPC_POLL,
	/* (flags, mode) in: path, NUL-terminated: only /proc/net/..., /proc/sys/...
	 * (and /proc/self/net/...) -> fd */
	NRPC_OPEN,
	NRPC_DUP,		/* (fd) -> fd */
	NRPC_NULL,		/* () -> 0: the round trip alone, for benches */
	NRPC_OP_MAX,
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
