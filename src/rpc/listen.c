// SPDX-License-Identifier: GPL-2.0
/*
 * The tool RPC's socket file, made as root before the privilege drop:
 * its directory, the check for another appliance, its owner and mode.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log/log.h"
#include "rpc_int.h"

/* The socket's directory and those above it: 0, or -errno. */
static int make_dirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], *p;
	struct stat st;
	int err;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; (p = strchr(p, '/')); *p++ = '/') {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			break;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		log_err("rpc: cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		log_err("rpc: %s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

/* A socket file nobody answers on is stale and goes; a live one stops us
 * (-EADDRINUSE).  0, or -errno. */
static int claim(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, err;

	if (lstat(sa->sun_path, &st)) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		log_err("rpc: %s: %s", sa->sun_path, strerror(-err));
		return err;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("rpc: %s exists and is not a socket: not replacing it", sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		log_err("rpc: socket: %s", strerror(-err));
		return err;
	}
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? errno : 0;
	close(fd);
	if (err != ECONNREFUSED) {
		log_err("rpc: another appliance answers on %s%s%s: not starting",
			sa->sun_path, err ? ": " : "", err ? strerror(err) : "");
		return -EADDRINUSE;
	}
	if (unlink(sa->sun_path)) {
		err = -errno;
		log_err("rpc: cannot remove the stale %s: %s", sa->sun_path, strerror(-err));
		return err;
	}
	log_info("rpc: replaced the stale socket %s", sa->sun_path);
	return 0;
}

static int lookup_group(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);
	char *end;
	unsigned long v;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	v = strtoul(name, &end, 10);
	if (*name && !*end && v < (gid_t)-1) {
		*gid = v;
		return 0;
	}
	log_err("rpc: group \"%s\": no such group (\"rpc.group\" is a group name or a "
		"numeric gid)", name);
	return -ENOENT;
}

/* Root's, 0600, or 0660 with the rpc group: who may connect is root and
 * that group; the appliance's own tools come through rpc_adopt(). */
static int set_owner(const char *path, const struct config *c, const struct rpc_sockfile *f)
{
	gid_t gid = f->has_group ? f->group : 0;
	int err;

	if (geteuid() == 0 ? chown(path, 0, gid) : f->has_group ? chown(path, -1, gid) : 0) {
		err = -errno;
		log_err("rpc: cannot give %s to root, gid %u: %s", path, gid, strerror(-err));
		return err;
	}
	if (chmod(path, f->has_group ? 0660 : 0600)) {
		err = -errno;
		log_err("rpc: chmod %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static int listen_on(const struct sockaddr_un *sa, const struct config *c,
		     struct rpc_sockfile *f)
{
	struct stat st;
	mode_t mask;
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		log_err("rpc: socket: %s", strerror(-err));
		return err;
	}
	mask = umask(0177);	/* no one else, even for a moment */
	err = bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? -errno : 0;
	umask(mask);
	if (err) {
		log_err("rpc: cannot bind %s: %s", sa->sun_path, strerror(-err));
		goto out_close;
	}
	err = set_owner(sa->sun_path, c, f);
	if (err)
		goto out_unlink;
	if (stat(sa->sun_path, &st)) {
		err = -errno;
		log_err("rpc: %s: %s", sa->sun_path, strerror(-err));
		goto out_unlink;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (listen(fd, 128)) {
		err = -errno;
		log_err("rpc: listen: %s", strerror(-err));
		goto out_unlink;
	}
	return fd;

out_unlink:
	unlink(sa->sun_path);
out_close:
	close(fd);
	return err;
}

int rpc_listen_open(const struct config *c, struct rpc_sockfile *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int err = 0;

	if (strlen(c->rpc_socket) >= sizeof(sa.sun_path)) {
		log_err("rpc: socket path too long: %s", c->rpc_socket);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->rpc_socket);
	snprintf(f->path, sizeof(f->path), "%s", c->rpc_socket);
	f->has_group = c->rpc_group != NULL;
	if ((f->has_group && (err = lookup_group(c->rpc_group, &f->group))) ||
	    (err = make_dirs(sa.sun_path)) || (err = claim(&sa)))
		return err;
	return listen_on(&sa, c, f);
}

/* The file goes if it is still ours and we may remove it: after the
 * privilege drop its directory is root's, and the next start replaces it. */
void rpc_listen_close(int fd, const struct rpc_sockfile *f)
{
	struct stat st;

	close(fd);
	if (!stat(f->path, &st) && st.st_dev == f->dev && st.st_ino == f->ino)
		unlink(f->path);
}
