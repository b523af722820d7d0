// SPDX-License-Identifier: GPL-2.0
/*
 * What each op sends to the kernel (nrpc.h has the layouts).
 *
 * The library kernel shares our address space and copies to and from
 * whatever a call points at, so a call points only into buffers made
 * here, each at least as large as the kernel may touch: the program's
 * bytes are copied in, every length is checked against the message and
 * capped, and no value from the message is ever used as a pointer.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "nuse_syscalls.h"
#include "jobpolicy.h"
#include "rpc_int.h"

#define NAME_AT		(sizeof(uint32_t))	/* out: u32 addrlen, then the address */
#define RECV_DATA_AT	(NAME_AT + RPC_SOCKADDR_MAX)
#define RECVMSG_HEAD	(3 * sizeof(uint32_t))
#define CONTROL_MAX	(64 * 1024)

static struct rpc_call *call(struct rpc_sess *s, size_t out_cap, size_t scratch,
			     long nr, long a0, long a1, long a2)
{
	struct rpc_call *c = rpc_call_new(s, out_cap, scratch);

	if (!c)
		return NULL;
	c->sc.nr = nr;
	c->sc.args[0] = a0;
	c->sc.args[1] = a1;
	c->sc.args[2] = a2;
	return c;
}

#define RETURN_CALL(c)	return (*cp = (c)) ? 0 : -ENOMEM

/* --- scalars only --- */

static int op_socket(struct rpc_sess *s, const struct nrpc_call *m,
		     const unsigned char *in, size_t n, struct rpc_call **cp)
{
	long dom, type, proto;

	if (n || rpc_int_arg(m->args[0], &dom) || rpc_int_arg(m->args[1], &type) ||
	    rpc_int_arg(m->args[2], &proto))
		return -EINVAL;
	/* Not AF_UNIX: its paths would be shared by every tenant. */
	if (dom != AF_INET && dom != AF_INET6 && dom != AF_NETLINK && dom != AF_PACKET)
		return -EAFNOSUPPORT;
	RETURN_CALL(call(s, 0, 0, NUSE_SYS_socket, dom, type, proto));
}

/* (fd) and (fd, int): close, listen, shutdown, dup. */
static int fd_int(struct rpc_sess *s, const struct nrpc_call *m, size_t n,
		  struct rpc_call **cp, long nr, int has_int)
{
	long fd, v = 0;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (n || (has_int && rpc_int_arg(m->args[1], &v)))
		return -EINVAL;
	RETURN_CALL(call(s, 0, 0, nr, fd, v, 0));
}

static int op_close(struct rpc_sess *s, const struct nrpc_call *m,
		    const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return fd_int(s, m, n, cp, NUSE_SYS_close, 0);
}

static int op_listen(struct rpc_sess *s, const struct nrpc_call *m,
		     const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return fd_int(s, m, n, cp, NUSE_SYS_listen, 1);
}

static int op_shutdown(struct rpc_sess *s, const struct nrpc_call *m,
		       const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return fd_int(s, m, n, cp, NUSE_SYS_shutdown, 1);
}

static int op_dup(struct rpc_sess *s, const struct nrpc_call *m,
		  const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return fd_int(s, m, n, cp, NUSE_SYS_dup, 0);
}

static int op_fcntl(struct rpc_sess *s, const struct nrpc_call *m,
		    const unsigned char *in, size_t n, struct rpc_call **cp)
{
	long fd, cmd, arg;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (n || rpc_int_arg(m->args[1], &cmd))
		return -EINVAL;
	if (cmd != F_GETFL && cmd != F_SETFL && cmd != F_GETFD && cmd != F_SETFD)
		return -EINVAL;
	/* As Linux: the getters take no argument, whatever the register
	 * held; the setters read an int. */
	arg = cmd == F_SETFL || cmd == F_SETFD ? (int)(uint32_t)m->args[2] : 0;
	RETURN_CALL(call(s, 0, 0, NUSE_SYS_fcntl, fd, cmd, arg));
}

static void null_finish(struct rpc_call *c)
{
	c->sc.ret = 0;
}

/* Through the session's task all the same: the round trip a real call has. */
static int op_null(struct rpc_sess *s, const struct nrpc_call *m,
		   const unsigned char *in, size_t n, struct rpc_call **cp)
{
	if (n)
		return -EINVAL;
	*cp = call(s, 0, 0, NUSE_SYS_getpid, 0, 0, 0);
	if (!*cp)
		return -ENOMEM;
	(*cp)->finish = null_finish;
	return 0;
}

/* --- addresses --- */

/* bind, connect: (fd) in: sockaddr */
static int addr_in(struct rpc_sess *s, const struct nrpc_call *m, const unsigned char *in,
		   size_t n, struct rpc_call **cp, long nr)
{
	struct rpc_call *c;
	long fd;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (n > RPC_SOCKADDR_MAX)
		return -EINVAL;
	c = call(s, 0, RPC_SOCKADDR_MAX, nr, fd, 0, n);
	if (!c)
		return -ENOMEM;
	memcpy(c->scratch, in, n);
	c->sc.args[1] = (long)c->scratch;
	*cp = c;
	return 0;
}

static int op_bind(struct rpc_sess *s, const struct nrpc_call *m,
		   const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return addr_in(s, m, in, n, cp, NUSE_SYS_bind);
}

static int op_connect(struct rpc_sess *s, const struct nrpc_call *m,
		      const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return addr_in(s, m, in, n, cp, NUSE_SYS_connect);
}

/* out: u32 addrlen (the kernel's), then as much of the address as there is. */
static void addr_finish(struct rpc_call *c)
{
	uint32_t len;

	if (c->sc.ret < 0)
		return;
	memcpy(&len, rpc_out(c), sizeof(len));
	c->out_len = NAME_AT + (len < RPC_SOCKADDR_MAX ? len : RPC_SOCKADDR_MAX);
}

/* accept4, getsockname, getpeername: (fd, [flags]) out: u32 addrlen, sockaddr */
static int addr_out(struct rpc_sess *s, const struct nrpc_call *m, size_t n,
		    struct rpc_call **cp, long nr, int has_flags)
{
	uint32_t len = RPC_SOCKADDR_MAX;
	struct rpc_call *c;
	long fd, flags = 0;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (n || (has_flags && rpc_int_arg(m->args[1], &flags)))
		return -EINVAL;
	c = call(s, RECV_DATA_AT, 0, nr, fd, 0, 0);
	if (!c)
		return -ENOMEM;
	memcpy(rpc_out(c), &len, sizeof(len));
	c->sc.args[1] = (long)(rpc_out(c) + NAME_AT);
	c->sc.args[2] = (long)rpc_out(c);
	c->sc.args[3] = flags;
	c->finish = addr_finish;
	*cp = c;
	return 0;
}

static int op_accept(struct rpc_sess *s, const struct nrpc_call *m,
		     const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return addr_out(s, m, n, cp, NUSE_SYS_accept4, 1);
}

static int op_getsockname(struct rpc_sess *s, const struct nrpc_call *m,
			  const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return addr_out(s, m, n, cp, NUSE_SYS_getsockname, 0);
}

static int op_getpeername(struct rpc_sess *s, const struct nrpc_call *m,
			  const unsigned char *in, size_t n, struct rpc_call **cp)
{
	return addr_out(s, m, n, cp, NUSE_SYS_getpeername, 0);
}

/* --- data --- */

/* (fd, flags, addrlen) in: sockaddr[addrlen], data */
static int op_sendto(struct rpc_sess *s, const struct nrpc_call *m,
		     const unsigned char *in, size_t n, struct rpc_call **cp)
{
	const unsigned char *data;
	struct rpc_call *c;
	long fd, flags;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (rpc_int_arg(m->args[1], &flags) || m->args[2] < 0 ||
	    m->args[2] > RPC_SOCKADDR_MAX || (size_t)m->args[2] > n)
		return -EINVAL;
	c = call(s, 0, n, NUSE_SYS_sendto, fd, 0, n - m->args[2]);
	if (!c)
		return -ENOMEM;
	data = rpc_in_place(s, c, m->args[2]);	/* or copied with the address */
	memcpy(c->scratch, in, data ? (size_t)m->args[2] : n);
	c->sc.args[1] = (long)(data ?: c->scratch + m->args[2]);
	c->sc.args[3] = flags;
	c->sc.args[4] = m->args[2] ? (long)c->scratch : 0;
	c->sc.args[5] = m->args[2];
	*cp = c;
	return 0;
}

/* How many bytes a read-like call may ask for: @want, within what the
 * reply can carry after @head bytes. */
static int data_len(const struct nrpc_call *m, int64_t want, size_t head, size_t *len)
{
	size_t room = rpc_out_room(m);

	if (want < 0 || room < head)
		return -EINVAL;
	*len = (uint64_t)want < room - head ? (size_t)want : room - head;
	return 0;
}

static void recvfrom_finish(struct rpc_call *c)
{
	uint64_t got = c->sc.ret;

	if (c->sc.ret < 0)
		return;
	c->out_len = RECV_DATA_AT + (got < (uint64_t)c->aux[0] ? got : (uint64_t)c->aux[0]);
}

/* (fd, len, flags) out: u32 addrlen, sockaddr[128], data */
static int op_recvfrom(struct rpc_sess *s, const struct nrpc_call *m,
		       const unsigned char *in, size_t n, struct rpc_call **cp)
{
	uint32_t alen = RPC_SOCKADDR_MAX;
	unsigned char *data;
	struct rpc_call *c;
	long fd, flags;
	size_t len;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (n || rpc_int_arg(m->args[2], &flags) ||
	    data_len(m, m->args[1], RECV_DATA_AT, &len))
		return -EINVAL;
	c = call(s, RECV_DATA_AT + len, 0, NUSE_SYS_recvfrom, fd, 0, len);
	if (!c)
		return -ENOMEM;
	memset(rpc_out(c), 0, RECV_DATA_AT);
	memcpy(rpc_out(c), &alen, sizeof(alen));
	if (!(data = rpc_out_place(s, c, RECV_DATA_AT, len)))
		data = rpc_out(c) + RECV_DATA_AT;
	c->sc.args[1] = (long)data;
	c->sc.args[3] = flags;
	c->sc.args[4] = (long)(rpc_out(c) + NAME_AT);
	c->sc.args[5] = (long)rpc_out(c);
	c->aux[0] = len;
	c->finish = recvfrom_finish;
	*cp = c;
	return 0;
}

/* (fd, flags) in: u32 namelen, u32 controllen, name, control, data */
static int op_sendmsg(struct rpc_sess *s, const struct nrpc_call *m,
		      const unsigned char *in, size_t n, struct rpc_call **cp)
{
	struct rpc_call *c;
	struct msghdr *msg;
	struct iovec *iov;
	uint32_t nlen, clen;
	unsigned char *p;
	long fd, flags;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (rpc_int_arg(m->args[1], &flags) || n < 2 * sizeof(uint32_t))
		return -EINVAL;
	memcpy(&nlen, in, sizeof(nlen));
	memcpy(&clen, in + sizeof(nlen), sizeof(clen));
	in += 2 * sizeof(uint32_t);
	n -= 2 * sizeof(uint32_t);
	if (nlen > RPC_SOCKADDR_MAX || clen > CONTROL_MAX || (size_t)nlen + clen > n)
		return -EINVAL;
	c = call(s, 0, sizeof(*msg) + sizeof(*iov) + 8 + n, NUSE_SYS_sendmsg, fd, 0, flags);
	if (!c)
		return -ENOMEM;
	msg = (struct msghdr *)c->scratch;
	iov = (struct iovec *)(msg + 1);
	p = (unsigned char *)(iov + 1);
	p += (8 - nlen % 8) % 8;	/* the control messages 8-aligned */
	memcpy(p, in, n);
	*iov = (struct iovec){ p + nlen + clen, n - nlen - clen };
	*msg = (struct msghdr){
		.msg_name = nlen ? p : NULL, .msg_namelen = nlen, .msg_iov = iov,
		.msg_iovlen = 1, .msg_control = clen ? p + nlen : NULL, .msg_controllen = clen,
	};
	c->sc.args[1] = (long)msg;
	*cp = c;
	return 0;
}

/* Name, control and data were received apart; the reply has them packed. */
static void recvmsg_finish(struct rpc_call *c)
{
	struct msghdr *msg = (struct msghdr *)c->scratch;
	size_t namemax = c->aux[1], ctlmax = c->aux[2], ctl_at = c->aux[3];
	unsigned char *out = rpc_out(c);
	uint32_t head[3];
	uint64_t data;

	if (c->sc.ret < 0)
		return;
	head[0] = msg->msg_namelen < namemax ? msg->msg_namelen : namemax;
	head[1] = msg->msg_controllen < ctlmax ? msg->msg_controllen : ctlmax;
	head[2] = msg->msg_flags;
	data = (uint64_t)c->sc.ret < (uint64_t)c->aux[0] ? (uint64_t)c->sc.ret : (uint64_t)c->aux[0];
	memcpy(out, head, sizeof(head));
	memmove(out + RECVMSG_HEAD + head[0], out + ctl_at, head[1]);
	memmove(out + RECVMSG_HEAD + head[0] + head[1], out + ctl_at + ctlmax, data);
	c->out_len = RECVMSG_HEAD + head[0] + head[1] + data;
}

/* (fd, flags, datalen, namemax, controlmax)
 * out: u32 namelen, u32 controllen, u32 msg_flags, name, control, data;
 * received as name[namemax], control[controlmax] (8-aligned), data.  The
 * padding before control is ours, gone once packed: out_max bounds only
 * what is sent, so it is not counted against it. */
static int op_recvmsg(struct rpc_sess *s, const struct nrpc_call *m,
		      const unsigned char *in, size_t n, struct rpc_call **cp)
{
	struct rpc_call *c;
	struct msghdr *msg;
	struct iovec *iov;
	size_t len, ctl_at;
	unsigned char *out;
	long fd, flags;
	int err = rpc_fd_arg(s, m->args[0], &fd);

	if (err)
		return err;
	if (n || rpc_int_arg(m->args[1], &flags) || m->args[3] < 0 ||
	    m->args[3] > RPC_SOCKADDR_MAX || m->args[4] < 0 || m->args[4] > CONTROL_MAX)
		return -EINVAL;
	ctl_at = (RECVMSG_HEAD + m->args[3] + 7) & ~(size_t)7;
	if (data_len(m, m->args[2], RECVMSG_HEAD + m->args[3] + m->args[4], &len))
		return -EINVAL;
	c = call(s, ctl_at + m->args[4] + len, sizeof(*msg) + sizeof(*iov),
		 NUSE_SYS_recvmsg, fd, 0, flags);
	if (!c)
		return -ENOMEM;
	out = rpc_out(c);
	msg = (struct msghdr *)c->scratch;
	iov = (struct iovec *)(msg + 1);
	*iov = (struct iovec){ out + ctl_at + m->args[4], len };
	*msg = (struct msghdr){
		.msg_name = out + RECVMSG_HEAD, .msg_namelen = m->args[3],
		.msg_iov = iov, .msg_iovlen = 1,
		.msg_control = m->args[4] ? out + ctl_at : NULL, .msg_controllen = m->args[4],
	};
	c->sc.args[1] = (long)msg;
	c->aux[0] = len;
	c->aux[1] = m->args[3];
	c->aux[2] = m->args[4];
	c->aux[3] = ctl_at;
	c->finish = recvmsg_finish;
	*cp = c;
	return 0;
}

/* --- the table --- */

static const prep_fn ops[NRPC_OP_MAX] = {
	[NRPC_SOCKET] = op_socket,
	[NRPC_CLOSE] = op_close,
	[NRPC_BIND] = op_bind,
	[NRPC_CONNECT] = op_connect,
	[NRPC_LISTEN] = op_listen,
	[NRPC_ACCEPT] = op_accept,
	[NRPC_SHUTDOWN] = op_shutdown,
	[NRPC_GETSOCKNAME] = op_getsockname,
	[NRPC_GETPEERNAME] = op_getpeername,
	[NRPC_SENDTO] = op_sendto,
	[NRPC_RECVFROM] = op_recvfrom,
	[NRPC_SENDMSG] = op_sendmsg,
	[NRPC_RECVMSG] = op_recvmsg,
	[NRPC_SETSOCKOPT] = rpc_setsockopt,
	[NRPC_GETSOCKOPT] = rpc_getsockopt,
	[NRPC_IOCTL] = rpc_ioctl,
	[NRPC_FCNTL] = op_fcntl,
	[NRPC_READ] = rpc_op_read,
	[NRPC_WRITE] = rpc_op_write,
	[NRPC_POLL] = rpc_op_poll,
	[NRPC_OPEN] = rpc_op_open,
	[NRPC_DUP] = op_dup,
	[NRPC_NULL] = op_null,
};

int rpc_call_start(struct rpc_sess *s, const struct nrpc_call *m, size_t len)
{
	const unsigned char *in = (const unsigned char *)(m + 1);
	struct rpc_call *c = NULL;
	int err;

	rpc_count_call(m->op);
	if (m->op == 0 || m->op >= NRPC_OP_MAX || !ops[m->op])
		err = -ENOSYS;
	else if (s->job && !rpc_job_allows(s->job, m->op, m->args, in, len - sizeof(*m)))
		err = -EPERM;
	else
		err = ops[m->op](s, m, in, len - sizeof(*m), &c);
	if (err) {
		rpc_log_call(s, m->op, m->args, in, len - sizeof(*m), err, 1);
		return err;
	}
	memcpy(c->margs, m->args, sizeof(c->margs));
	c->op = m->op;
	c->out_max = rpc_out_room(m);
	c->reply.h.seq = m->h.seq;
	c->complete = rpc_call_back;
	s->pending = c;
	rpc_submit(s, s->pid, c);
	return 0;
}
