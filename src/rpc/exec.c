// SPDX-License-Identifier: GPL-2.0
/*
 * nuse-appliance exec [--socket PATH] TENANT -- CMD [ARGS...]: run CMD
 * with the preload library against one tenant of a running appliance.
 * The tenant is checked first (one HELLO), so that a typo or a stopped
 * appliance is said plainly instead of inside CMD's own errors; then CMD
 * replaces us and its exit status is the command's.
 *
 * CMD fails closed: it runs in a host network namespace of its own with
 * nothing in it (not even lo up), so whatever steps around the preload
 * library (a raw syscall, a statically linked program, /dev/net/tun)
 * finds no network rather than the host's.  The library's socket to the
 * appliance is a path, which works from any network namespace.  A caller
 * without CAP_SYS_ADMIN gets a user namespace first, mapping only its own
 * ids.  no_new_privs is set: setuid bits grant nothing.  File
 * capabilities with the effective bit would still make the exec a
 * secure one for a caller who is not root, and the loader would drop
 * LD_PRELOAD: in the user namespace's own mount namespace every mount is
 * made nosuid, so that the kernel ignores them and such a program (ping)
 * runs as the caller, with the library.  Where that cannot be done, CMD
 * is refused if it has them.
 *
 * Exit status of our own failures: 125 (usage, no library, appliance
 * unreachable, no such tenant, refused); 126 CMD cannot be run; 127 no
 * such CMD.  Like env(1) and timeout(1).
 */
#define _GNU_SOURCE		/* unshare */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/xattr.h>
#include <sys/time.h>
#include <sys/un.h>

#include "nrpc.h"
#include "rpc.h"

#define EXIT_OURS	125
#define LIBRARY		"libnuse-preload.so"
#define TIMEOUT_S	10

static void usage(FILE *f)
{
	fprintf(f, "usage: nuse-appliance exec [--socket PATH] TENANT -- CMD [ARGS...]\n"
		"\n"
		"  Runs CMD with its sockets, /proc/net and /proc/sys/net in TENANT's\n"
		"  network stack.  PATH: the appliance's RPC socket (default $NUSE_SOCKET,\n"
		"  else " NUSE_RPC_SOCKET_DEFAULT ").\n"
		"  Exit status: CMD's; 125 if exec itself failed, 126 if CMD cannot run,\n"
		"  127 if there is no CMD.\n");
}

int rpc_find_library(char *out, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		snprintf(out, size, "%s/" LIBRARY, dirname(self));
		if (!access(out, R_OK))
			return 0;
	}
	snprintf(out, size, "%s/" LIBRARY, PKGLIBDIR);
	if (!access(out, R_OK))
		return 0;
	fprintf(stderr, "nuse-appliance exec: cannot find " LIBRARY " (beside %s, or in %s)\n",
		n > 0 ? self : "this program", PKGLIBDIR);
	return -ENOENT;
}

static int full_io(int fd, void *buf, size_t len, int out)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = out ? send(fd, (char *)buf + done, len - done, MSG_NOSIGNAL)
			: recv(fd, (char *)buf + done, len - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		done += n;
	}
	return 0;
}

static const char *hello_error(long ret)
{
	switch (ret) {
	case -ENOENT: return "no such tenant";
	case -EACCES: return "not allowed: the RPC socket is for root and the configured "
			     "rpc group";
	case -EAGAIN: return "the appliance has too many sessions";
	case -EPROTONOSUPPORT: return "the appliance speaks another RPC version";
	}
	return strerror(-ret);
}

/* One HELLO: 0, or -errno with the reason printed. */
static int check_tenant(const char *path, const char *tenant)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_S };
	struct nrpc_hello h = {
		.h = { .len = sizeof(h), .type = NRPC_HELLO, .seq = 1 },
		.version = NRPC_VERSION_MIN,	/* a probe: every appliance speaks it */
	};
	struct nrpc_reply r;
	int fd, err;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(h.tenant, sizeof(h.tenant), "%s", tenant);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		fprintf(stderr, "nuse-appliance exec: cannot reach the appliance at %s: %s\n",
			path, strerror(-err));
		goto out_close;
	}
	err = full_io(fd, &h, sizeof(h), 1);
	if (!err)
		err = full_io(fd, &r, sizeof(r), 0);
	if (err) {
		fprintf(stderr, "nuse-appliance exec: the appliance at %s did not answer: %s\n",
			path, err == -EAGAIN ? "timed out" : strerror(-err));
		goto out_close;
	}
	if (r.h.type != NRPC_REPLY || r.ret) {
		fprintf(stderr, "nuse-appliance exec: tenant %s: %s\n", tenant,
			r.h.type != NRPC_REPLY ? "a malformed answer" : hello_error(r.ret));
		err = r.h.type != NRPC_REPLY || r.ret > 0 || r.ret < -4095 ? -EPROTO : r.ret;
		goto out_close;
	}
	close(fd);
	return 0;

out_close:
	if (fd >= 0)
		close(fd);
	return err;
}

/* LD_PRELOAD=LIB[:what was there] */
int rpc_lock_path(const char *sock, char *out, size_t size)
{
	const char *slash = strrchr(sock, '/');
	int n = slash ? (int)(slash - sock) : 1;

	if (snprintf(out, size, "%.*s/xtables.lock", n, slash ? sock : ".") >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static int set_env(const char *lib, const char *sock, const char *tenant)
{
	char lock[PATH_MAX];

	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *pre = malloc(n);
	int err;

	if (!pre)
		return -ENOMEM;
	snprintf(pre, n, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
	err = setenv("NUSE_SOCKET", sock, 1) || setenv("NUSE_TENANT", tenant, 1) ||
	      setenv("LD_PRELOAD", pre, 1) || (!rpc_lock_path(sock, lock, sizeof(lock)) &&
					       setenv("XTABLES_LOCKFILE", lock, 0));
	err = err ? -errno : 0;
	free(pre);
	return err;
}

/* 0, or -errno (errno set too, for the caller's message). */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text))
		err = n < 0 ? -errno : -EIO;
	close(fd);
	errno = -err;
	return err;
}

/* CMD's file as execvp would find it, into @out: 0, or -ENOENT. */
static int find_cmd(const char *cmd, char *out, size_t size)
{
	const char *path = getenv("PATH"), *p, *colon;

	if (strchr(cmd, '/'))
		return snprintf(out, size, "%s", cmd) < (int)size ? 0 : -ENAMETOOLONG;
	for (p = path && *path ? path : "/usr/local/bin:/usr/bin:/bin"; p; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		snprintf(out, size, "%.*s/%s", colon ? (int)(colon - p) : (int)strlen(p), p, cmd);
		if (!access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/* File capabilities with the effective bit (struct vfs_cap_data's
 * first word, little-endian; bit 0). */
static int has_effective_fcaps(const char *file)
{
	unsigned char v[24];
	ssize_t n = getxattr(file, "security.capability", v, sizeof(v));

	return n >= 4 && (v[0] & 1);
}

/* Mounts nosuid, in a mount namespace of our own: 0 or -errno. */
static int all_nosuid(void)
{
	struct mount_attr a = { .attr_set = MOUNT_ATTR_NOSUID };

	return mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &a, sizeof(a)) ? -errno : 0;
}

/* The empty network namespace and no_new_privs: 0, or -errno said. */
static int sandbox(const char *cmd)
{
	char file[PATH_MAX];
	int err;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		fprintf(stderr, "nuse-appliance exec: cannot set no_new_privs: %s\n",
			strerror(-err));
		return err;
	}
	if (!unshare(CLONE_NEWNET))
		return 0;
	if (errno != EPERM) {
		err = -errno;
		fprintf(stderr, "nuse-appliance exec: cannot make an empty network namespace "
			"for the command: %s\n", strerror(-err));
		return err;
	}
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS)) {
		err = -errno;
		fprintf(stderr, "nuse-appliance exec: cannot make an empty network namespace "
			"for the command (a user namespace, since this user may not make one "
			"directly): %s; the command is not run, because anything it did around "
			"the preload library would reach the host's network%s\n", strerror(errno),
			errno == EPERM || errno == ENOSPC ? " (are user namespaces disabled? "
			"see user.max_user_namespaces)" : "");
		return err;
	}
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if (write_file("/proc/self/uid_map", map) || write_file("/proc/self/setgroups", "deny") ||
	    (snprintf(map, sizeof(map), "%u %u 1\n", gid, gid),
	     write_file("/proc/self/gid_map", map))) {
		err = -errno;
		fprintf(stderr, "nuse-appliance exec: cannot map the ids in the command's user "
			"namespace: %s\n", strerror(-err));
		return err;
	}
	err = all_nosuid();
	if (!err)
		return 0;
	if (find_cmd(cmd, file, sizeof(file)) || !has_effective_fcaps(file))
		return 0;
	fprintf(stderr, "nuse-appliance exec: %s has file capabilities: for a user who is not "
		"root the loader would drop the preload library, and it would run outside the "
		"tenant (and nosuid mounts, which make the kernel ignore them, cannot be had "
		"here: %s); not run\n", file, strerror(-err));
	return -EPERM;
}

int rpc_exec_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = getenv("NUSE_SOCKET"), *tenant;
	char lib[PATH_MAX + sizeof(LIBRARY) + 2];
	int opt;

	while ((opt = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_OURS;
		}
	}
	if (!sock || !*sock)
		sock = NUSE_RPC_SOCKET_DEFAULT;
	if (optind < argc - 1 && !strcmp(argv[optind + 1], "--"))
		argv[optind + 1] = argv[optind], optind++;	/* TENANT -- CMD */
	if (argc - optind < 2) {
		usage(stderr);
		return EXIT_OURS;
	}
	tenant = argv[optind];
	if (strlen(tenant) > NRPC_TENANT_MAX || strlen(sock) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "nuse-appliance exec: %s too long\n",
			strlen(tenant) > NRPC_TENANT_MAX ? "tenant name" : "socket path");
		return EXIT_OURS;
	}
	if (rpc_find_library(lib, sizeof(lib)))
		return EXIT_OURS;
	if (strpbrk(lib, ": ")) {
		fprintf(stderr, "nuse-appliance exec: %s: LD_PRELOAD cannot hold a path with "
			"':' or ' '\n", lib);
		return EXIT_OURS;
	}
	if (check_tenant(sock, tenant) || set_env(lib, sock, tenant) ||
	    sandbox(argv[optind + 1]))
		return EXIT_OURS;
	execvp(argv[optind + 1], argv + optind + 1);
	fprintf(stderr, "nuse-appliance exec: %s: %s\n", argv[optind + 1], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static void capture_usage(FILE *f)
{
	fprintf(f, "usage: nuse-appliance capture [--socket PATH] [-c COUNT] TENANT IF [FILTER...]\n"
		"\n"
		"  Writes what TENANT's interface IF (a vNIC, or any) sends and receives to\n"
		"  standard output as pcap, as it comes: tcpdump run in the tenant through\n"
		"  exec, with libpcap's FILTER words (tcpdump's expression).  Read it with\n"
		"  tcpdump -r - or Wireshark.  -c: stop after COUNT packets.\n"
		"  Exit status: tcpdump's; 125 if capture itself failed (a terminal as\n"
		"  standard output, no such tenant, no appliance).\n");
}

int rpc_capture_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *count = NULL;
	char **av, *end;
	int opt, n = 0, i;

	while ((opt = getopt_long(argc, argv, "+s:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'c': count = optarg; break;
		case 'h': capture_usage(stdout); return 0;
		default: capture_usage(stderr); return EXIT_OURS;
		}
	}
	if (argc - optind < 2) {
		capture_usage(stderr);
		return EXIT_OURS;
	}
	if (count && (strtol(count, &end, 10) <= 0 || *end || strlen(count) > 10)) {
		fprintf(stderr, "nuse-appliance capture: -c %s: a count of packets, 1 or more\n",
			count);
		return EXIT_OURS;
	}
	if (argv[optind + 1][0] == '-' || !argv[optind + 1][0]) {
		fprintf(stderr, "nuse-appliance capture: %s: not an interface\n", argv[optind + 1]);
		return EXIT_OURS;
	}
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "nuse-appliance capture: standard output is a terminal: the "
			"capture is pcap (binary); redirect it to a file or pipe it to "
			"tcpdump -r -\n");
		return EXIT_OURS;
	}
	av = calloc(argc + 16, sizeof(*av));
	if (!av)
		return EXIT_OURS;
	av[n++] = "exec";
	if (sock) {
		av[n++] = "--socket";
		av[n++] = (char *)sock;
	}
	av[n++] = argv[optind];		/* TENANT */
	av[n++] = "--";
	av[n++] = "tcpdump";
	av[n++] = "-i";
	av[n++] = argv[optind + 1];
	av[n++] = "-U";			/* each packet as it comes */
	av[n++] = "-w";
	av[n++] = "-";
	if (count) {
		av[n++] = "-c";
		av[n++] = (char *)count;
	}
	av[n++] = "--";			/* the filter's words are never options */
	for (i = optind + 2; i < argc; i++)
		av[n++] = argv[i];
	av[n] = NULL;
	optind = 0;			/* exec parses its own */
	n = rpc_exec_main(n, av);	/* back only if tcpdump did not run */
	free(av);
	return n;
}
