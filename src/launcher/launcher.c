// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher; see launcher.h.
 *
 * Why a process of its own: an iptables job holds a tool session, which
 * is root in its tenant.  Run as the appliance's user, any other process
 * of that user could take the session with pidfd_getfd(2) or ptrace.  The
 * appliance cannot give its children another uid once it has dropped
 * everything, so the launcher is forked before (while still root),
 * becomes NUSE_TOOL_USER itself, giving up every capability, and runs
 * each job as that user.  Changing uid once, up front, is why it needs
 * no CAP_SETUID afterwards: it has nothing left to lose.  The
 * appliance's user can neither ptrace nor signal nor pidfd_getfd a
 * process of another uid; the launcher is also not dumpable, so its
 * jobs cannot trace it either.
 *
 * It takes a message only from the other end of its private socket
 * pair, and checks each one all the same: the type, the length, every
 * word, the number and kind of descriptors.  The program is always one
 * of the six iptables-legacy ones or nft, found here at start; the environment
 * is ours, not the caller's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cap-ng.h>

#include "launcher/launcher.h"
#include "launcher/launcher_int.h"
#include "log/log.h"
#include "rpc/rpc.h"

static int sock = -1;
static pid_t pid;

static const char *const tool_names[LAUNCHER_TOOLS] = {
	"iptables-legacy", "iptables-legacy-save", "iptables-legacy-restore",
	"ip6tables-legacy", "ip6tables-legacy-save", "ip6tables-legacy-restore",
	"nft", "nft", "nft",
};

/* What the launcher knows, all of it found before it takes an order. */
static struct {
	char *tools[LAUNCHER_TOOLS];
	char *env[6];		/* the fixed part; NUSE_TENANT goes in [4] */
	struct { pid_t pid; uint32_t id; } jobs[LAUNCHER_JOBS];
} L;

static char *find_tool(const char *name)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin", NULL };
	char path[256];
	int i;

	for (i = 0; dirs[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return strdup(path);
	}
	return NULL;
}

/* What the launcher finds before it takes an order: 0, or -errno with
 * the reason said. */
static int setup(const struct config *c)
{
	char lib[4096], lock[4096], buf[8192];
	int i, err;

	for (i = 0; i < LAUNCHER_TOOLS; i++)
		L.tools[i] = find_tool(tool_names[i]);
	if (!L.tools[TOOL_SAVE])
		log_warn("iptables: %s not found: the iptables API will answer 500",
			 tool_names[TOOL_SAVE]);
	if (!L.tools[2 * LAUNCHER_TOOLS_PER + TOOL_SAVE])
		log_warn("nftables: nft not found: the nftables API will answer 500");
	err = rpc_find_library(lib, sizeof(lib));
	if (err)
		return err;
	err = rpc_lock_path(c->rpc_socket, lock, sizeof(lock));
	if (err) {
		log_err("launcher: %s: path too long", c->rpc_socket);
		return err;
	}
	L.env[0] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	snprintf(buf, sizeof(buf), "LD_PRELOAD=%s", lib);
	L.env[1] = strdup(buf);
	snprintf(buf, sizeof(buf), "XTABLES_LOCKFILE=%s", lock);
	L.env[2] = strdup(buf);
	L.env[3] = "NUSE_SOCKET_FD=3";
	if (!L.env[1] || !L.env[2]) {
		log_err("launcher: out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int send_msg(uint32_t type, uint32_t id, int32_t value)
{
	struct launcher_msg m = { .type = type, .len = sizeof(m), .id = id, .value = value };

	return send(sock, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m) ? 0 : -errno;
}

/* The four descriptors of a RUN: three pipes, then a unix socket. */
static int take_fds(struct msghdr *mh, int fds[4])
{
	struct cmsghdr *cm;
	int n = 0, i, bad = 0;
	struct stat st;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		int k = cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS ?
			(cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) : 0;

		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (n < 4)
				fds[n] = fd;
			else
				close(fd);
			n++;
		}
	}
	for (i = 0; i < n && i < 4; i++)
		if (fstat(fds[i], &st) || (i < 3 ? !S_ISFIFO(st.st_mode) : !S_ISSOCK(st.st_mode)))
			bad = 1;
	if (n == 4 && !bad && !(mh->msg_flags & MSG_CTRUNC))
		return 0;
	for (i = 0; i < n && i < 4; i++)
		close(fds[i]);
	return -EINVAL;
}

static void close_fds(struct msghdr *mh)
{
	struct cmsghdr *cm;
	int fd;
	size_t i;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			for (i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
				close(fd);
			}
}

/* In the job's process: never returns. */
static void job_exec(int tool, const char *tenant, char *words[], const int fds[4],
		     pid_t launcher)
{
	char *argv[LAUNCHER_ARGS_MAX + 2], tenv[LAUNCHER_TENANT_MAX + 16];
	char *envp[sizeof(L.env) / sizeof(L.env[0]) + 1];
	sigset_t none;
	int i, moved[4];

	/* Above 3 first, so that no dup2 overwrites one still to come. */
	for (i = 0; i < 4; i++)
		if ((moved[i] = fcntl(fds[i], F_DUPFD, 10)) < 0)
			_exit(127);
	for (i = 0; i < 4; i++)
		if (dup2(moved[i], i) != i)
			_exit(127);
	close_range(4, ~0U, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != launcher)
		_exit(127);
	setsid();
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_CAPS) || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || launcher_no_spawn())
		_exit(127);
	argv[0] = L.tools[tool];
	for (i = 0; words[i]; i++)
		argv[i + 1] = words[i];
	argv[i + 1] = NULL;
	snprintf(tenv, sizeof(tenv), "NUSE_TENANT=%s", tenant);
	memcpy(envp, L.env, sizeof(L.env));
	envp[4] = tenv;
	envp[5] = NULL;
	execve(argv[0], argv, envp);
	_exit(127);
}

static void on_run(const struct launcher_run *r, size_t len, struct msghdr *mh)
{
	char *words[LAUNCHER_ARGS_MAX + 1];
	const char *why;
	int fds[4], slot, i, err;
	pid_t child;

	if (take_fds(mh, fds)) {
		log_err("launcher: job %u: not the descriptors a job needs: refused", r->m.id);
		send_msg(LAUNCHER_FAILED, r->m.id, -EINVAL);
		return;
	}
	err = launcher_check_run(r, len, words, &why);
	if (err)
		log_err("launcher: job %u: %s: refused", r->m.id, why);
	for (slot = 0; !err && slot < LAUNCHER_JOBS && L.jobs[slot].pid; slot++)
		if (L.jobs[slot].id == r->m.id)
			err = -EEXIST;
	for (slot = 0; !err && slot < LAUNCHER_JOBS && L.jobs[slot].pid; slot++)
		;
	if (!err && slot == LAUNCHER_JOBS)
		err = -EAGAIN;
	if (!err && !L.tools[r->m.value])
		err = -ENOENT;
	if (!err) {
		pid_t self = getpid();

		child = fork();
		if (child == 0)
			job_exec(r->m.value, r->tenant, words, fds, self);
		if (child < 0)
			err = -errno;
		else
			L.jobs[slot].pid = child, L.jobs[slot].id = r->m.id;
	}
	for (i = 0; i < 4; i++)
		close(fds[i]);
	if (err)
		send_msg(LAUNCHER_FAILED, r->m.id, err);
}

static void on_kill(uint32_t id)
{
	int i;

	for (i = 0; i < LAUNCHER_JOBS; i++)
		if (L.jobs[i].pid && L.jobs[i].id == id)
			kill(L.jobs[i].pid, SIGKILL);
}

static void reap(void)
{
	int status, i;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < LAUNCHER_JOBS; i++)
			if (L.jobs[i].pid == p) {
				L.jobs[i].pid = 0;
				send_msg(LAUNCHER_EXITED, L.jobs[i].id, status);
			}
}

/* One message from the appliance: 0, or -errno when it has gone. */
static int on_message(void)
{
	static char buf[LAUNCHER_MSG_MAX + 1];
	char cbuf[CMSG_SPACE(8 * sizeof(int))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct launcher_msg *m = (struct launcher_msg *)buf;
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return n ? -errno : -ECONNRESET;
	if ((size_t)n >= sizeof(*m) && m->type == LAUNCHER_RUN && !(mh.msg_flags & MSG_TRUNC)) {
		on_run((struct launcher_run *)buf, n, &mh);
		return 0;
	}
	close_fds(&mh);		/* descriptors with anything else are not ours to keep */
	if (n == sizeof(*m) && m->type == LAUNCHER_KILL && m->len == sizeof(*m)) {
		on_kill(m->id);
		return 0;
	}
	log_err("launcher: a malformed message (%zd bytes, type %u): refused", n,
		(size_t)n >= sizeof(*m) ? m->type : 0);
	if ((size_t)n >= sizeof(*m) && m->type == LAUNCHER_RUN)
		send_msg(LAUNCHER_FAILED, m->id, -EMSGSIZE);
	return 0;
}

static void serve(void)
{
	struct pollfd p[2];
	sigset_t chld;
	int i;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	p[0].fd = sock;
	p[0].events = POLLIN;
	p[1].fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	p[1].events = POLLIN;
	if (p[1].fd < 0)
		return;
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents) {
			struct signalfd_siginfo si;

			while (read(p[1].fd, &si, sizeof(si)) > 0)
				;
			reap();
		}
		if (p[0].revents && on_message())
			break;
	}
	for (i = 0; i < LAUNCHER_JOBS; i++)
		if (L.jobs[i].pid)
			kill(L.jobs[i].pid, SIGKILL);
}

/* The launcher's whole life, in the forked child. */
static void launcher_main(int fd, const struct config *c)
{
	sigset_t chld;
	int err, i;

	/* Nothing of the appliance's but the standard descriptors. */
	if (dup2(fd, 3) != 3)
		_exit(1);
	sock = 3;
	close_range(4, ~0U, 0);
	setsid();
	for (i = 1; i < NSIG; i++)
		signal(i, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_SETMASK, &chld, NULL);
	err = setup(c);
	if (!err)
		err = launcher_become(c);
	if (send_msg(LAUNCHER_READY, getuid(), err) || err)
		_exit(1);
	serve();
	_exit(0);
}

int launcher_start(const struct config *c)
{
	struct launcher_msg m;
	int sv[2], err;
	ssize_t n;
	struct pollfd p;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		err = -errno;
		log_err("launcher: socketpair: %s", strerror(-err));
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		log_err("launcher: fork: %s", strerror(-err));
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0)
		launcher_main(sv[1], c);
	close(sv[1]);
	sock = sv[0];
	p.fd = sock;
	p.events = POLLIN;
	n = poll(&p, 1, 10000) == 1 ? recv(sock, &m, sizeof(m), 0) : -1;
	if (n == sizeof(m) && m.type == LAUNCHER_READY && !m.value) {
		struct passwd *pw = getpwuid(m.id);

		log_info("launcher: pid %d ready: the API's iptables tools run as uid %u (%s)%s",
			 pid, m.id, pw ? pw->pw_name : "?",
			 m.id == geteuid() ? ", the appliance's own: not started as root" :
			 ", no capabilities");
		return 0;
	}
	/* It said why itself. */
	if (n == sizeof(m) && m.type == LAUNCHER_READY && m.value < 0) {
		err = m.value;
	} else {
		err = -ECHILD;
		log_err("launcher: did not start (see its messages above)");
	}
	launcher_stop();
	return err;
}

int launcher_fd(void)
{
	return sock;
}

void launcher_stop(void)
{
	int i;

	if (sock < 0)
		return;
	close(sock);
	sock = -1;
	/* It exits when it sees the socket closed; the loop may reap it first.
	 * One that does not within a second is made to: nothing of ours may
	 * outlive us. */
	for (i = 0; i < 100 && waitpid(pid, NULL, WNOHANG) == 0; i++)
		usleep(10000);
	if (i == 100 && !kill(pid, SIGKILL))
		waitpid(pid, NULL, 0);
	pid = 0;
}
