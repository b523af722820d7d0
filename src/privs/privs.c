// SPDX-License-Identifier: GPL-2.0
/*
 * Least privilege; see privs.h and doc/privileges.md.
 *
 * Linux keeps credentials per thread.  Of what changes here, glibc
 * carries the uid, gid and group changes to every thread; the kernel then
 * empties the permitted, effective and ambient sets of each thread that
 * leaves uid 0 without PR_SET_KEEPCAPS, which is every thread but the
 * one calling privs_drop.  The bounding set, the inheritable set and
 * no_new_privs nobody carries over: privs_lookup sets them while the
 * process still has one thread, and every thread started later inherits
 * them.  privs_drop then reads back every thread's credentials and fails
 * unless each is exactly what doc/privileges.md says.
 */
#define _GNU_SOURCE		/* gettid */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <cap-ng.h>

#include "log/log.h"
#include "privs/privs.h"

/*
 * The capabilities the running appliance keeps, as a mask of capability
 * numbers: none.  Everything that needs privilege (the port, the tap,
 * the listening sockets, the state directory) is open before the drop,
 * and what net_tap does at stop without CAP_NET_ADMIN fails harmlessly;
 * doc/privileges.md says why.  A capability added here stays in the
 * bounding set of every thread but in the effective and permitted sets
 * of the thread that calls privs_drop only.
 */
#define PRIVS_KEEP	0ULL

/* One thread's credentials as /proc/.../status shows them. */
struct creds {
	unsigned long uid[4], gid[4];	/* real, effective, saved, fs */
	int ngroups;
	unsigned long long inh, prm, eff, bnd, amb;
	int nnp;
	int threads;			/* the process's, from "Threads:" */
	int seen;			/* how many of the lines were found */
};

static int creds_line(struct creds *c, const char *line)
{
	const char *v = strchr(line, ':');
	unsigned long long *cap = NULL;
	int n = 0;

	if (!v++)
		return 0;
	if (!strncmp(line, "Uid:", 4))
		return sscanf(v, "%lu %lu %lu %lu", &c->uid[0], &c->uid[1],
			      &c->uid[2], &c->uid[3]) == 4;
	if (!strncmp(line, "Gid:", 4))
		return sscanf(v, "%lu %lu %lu %lu", &c->gid[0], &c->gid[1],
			      &c->gid[2], &c->gid[3]) == 4;
	if (!strncmp(line, "Groups:", 7)) {
		for (c->ngroups = 0; sscanf(v, " %*u%n", &n) >= 0 && n; n = 0) {
			v += n;
			c->ngroups++;
		}
		return 1;
	}
	if (!strncmp(line, "NoNewPrivs:", 11))
		return sscanf(v, "%d", &c->nnp) == 1;
	if (!strncmp(line, "Threads:", 8))
		return sscanf(v, "%d", &c->threads) == 1;
	if (!strncmp(line, "CapInh:", 7))
		cap = &c->inh;
	else if (!strncmp(line, "CapPrm:", 7))
		cap = &c->prm;
	else if (!strncmp(line, "CapEff:", 7))
		cap = &c->eff;
	else if (!strncmp(line, "CapBnd:", 7))
		cap = &c->bnd;
	else if (!strncmp(line, "CapAmb:", 7))
		cap = &c->amb;
	return cap && sscanf(v, "%llx", cap) == 1;
}

#define CREDS_LINES	10

/* 0, -ENOENT if the thread has gone, or -errno. */
static int creds_read(const char *path, struct creds *c)
{
	char line[512];
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f))
		c->seen += creds_line(c, line);
	fclose(f);
	return c->seen == CREDS_LINES ? 0 : -EINVAL;
}

/* What is wrong with @c for a thread after the drop, or NULL. */
static const char *creds_wrong(const struct creds *c, uid_t uid, gid_t gid,
			       int caller)
{
	unsigned long long held = caller ? PRIVS_KEEP : 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (c->uid[i] != uid)
			return "a uid is not the user's";
		if (c->gid[i] != gid)
			return "a gid is not the user's";
	}
	if (c->ngroups)
		return "supplementary groups left";
	if (c->eff != held || c->prm != held)
		return "capabilities left in the effective or permitted set";
	if (c->bnd != PRIVS_KEEP)
		return "the bounding set is not what is kept";
	if (c->inh || c->amb)
		return "capabilities left in the inheritable or ambient set";
	if (!c->nnp)
		return "no_new_privs is not set";
	return NULL;
}

static void log_wrong(const char *tid, const char *why, const struct creds *c)
{
	char path[64], comm[32] = "?";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%s/comm", tid);
	if ((f = fopen(path, "re"))) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	log_err("privileges: thread %s (%s): %s: uid %lu gid %lu, %d group(s), "
		"CapPrm %016llx CapEff %016llx CapBnd %016llx CapInh %016llx "
		"CapAmb %016llx NoNewPrivs %d", tid, comm, why, c->uid[1], c->gid[1],
		c->ngroups, c->prm, c->eff, c->bnd, c->inh, c->amb, c->nnp);
}

/* Every thread as it should be after the drop: their number, or -errno
 * (-EPERM: one is not). */
static int privs_verify(uid_t uid, gid_t gid)
{
	DIR *d = opendir("/proc/self/task");
	pid_t self = gettid();
	const char *why = NULL;
	struct dirent *e;
	char path[64];
	struct creds c;
	int n = 0, err = 0, tries;

	if (!d) {
		err = -errno;
		log_err("privileges: cannot list threads: %s", strerror(-err));
		return err;
	}
	while (!why && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		/* A thread that was ending while glibc carried the ids to
		 * every thread is skipped by it, and shows the old ones until
		 * it is gone: a wrong one is read again for up to 200 ms. */
		for (tries = 0;; tries++) {
			why = NULL;
			err = creds_read(path, &c);
			if (err)
				break;
			why = creds_wrong(&c, uid, gid, atoi(e->d_name) == self);
			if (!why || tries == 200)
				break;
			usleep(1000);
		}
		if (err == -ENOENT || err == -ESRCH) {
			err = 0;
			continue;	/* it has ended since */
		}
		if (err) {
			log_err("privileges: cannot read %s: %s", path, strerror(-err));
			break;
		}
		if (why) {
			log_wrong(e->d_name, why, &c);
			err = -EPERM;
		}
		n++;
	}
	closedir(d);
	return err ? err : n;
}

/* The highest capability number this kernel knows. */
static unsigned int cap_last(void)
{
	unsigned int cap = 0;

	while (prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0)
		cap++;
	return cap;
}

/* errno after a libcap-ng call that failed, which does not always set it. */
static int capng_errno(void)
{
	return errno ? -errno : -EPERM;
}

/*
 * Narrow what every thread started from now on inherits: the bounding
 * set to PRIVS_KEEP, no inheritable capabilities, no_new_privs.  Only
 * possible while this is the only thread.  0, or -errno.
 */
static int privs_prepare(void)
{
	unsigned int cap, last = cap_last();
	struct creds c;
	int err;

	err = creds_read("/proc/self/status", &c);
	if (err) {
		log_err("privileges: cannot read /proc/self/status: %s", strerror(-err));
		return err;
	}
	if (c.threads != 1) {
		log_err("privileges: %d threads already run: the drop must be "
			"prepared before the first one starts", c.threads);
		return -EBUSY;
	}
	errno = 0;
	if (capng_get_caps_process()) {
		err = capng_errno();
		log_err("privileges: cannot read capabilities: %s", strerror(-err));
		return err;
	}
	for (cap = 0; cap <= last; cap++) {
		capng_update(CAPNG_DROP, CAPNG_INHERITABLE | CAPNG_BOUNDING_SET, cap);
		if (PRIVS_KEEP & (1ULL << cap))
			capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, cap);
	}
	/* Each apart, then read back: libcap-ng 0.8 reports no error for a
	 * bounding set left as it was for want of CAP_SETPCAP. */
	errno = 0;
	if (capng_apply(CAPNG_SELECT_BOUNDS) || capng_apply(CAPNG_SELECT_CAPS) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = capng_errno();
		log_err("privileges: cannot narrow what threads inherit: %s (start-up "
			"needs CAP_SETPCAP)", strerror(-err));
		return err;
	}
	if (creds_read("/proc/self/status", &c) || c.bnd != PRIVS_KEEP || c.inh ||
	    !c.nnp) {
		log_err("privileges: cannot narrow what threads inherit: CapBnd %016llx "
			"(want %016llx), CapInh %016llx, NoNewPrivs %d (start-up needs "
			"CAP_SETPCAP)", c.bnd, PRIVS_KEEP, c.inh, c.nnp);
		return -EPERM;
	}
	return 0;
}

/* A passwd entry's ids, or for a number without one, that number twice:
 * 0, -ENOENT if there is no such user, or -errno of the lookup. */
static int user_ids(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	unsigned long n;
	char *end;
	int err;

	errno = 0;
	pw = getpwnam(user);
	if (!pw && errno && errno != ENOENT && errno != ESRCH && errno != EBADF &&
	    errno != EPERM) {
		err = -errno;
		log_err("user %s: cannot look it up: %s", user, strerror(-err));
		return err;
	}
	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(user, &end, 10);
	if (user[0] < '0' || user[0] > '9' || *end || errno || n >= (uid_t)-1) {
		log_err("user \"%s\": no such user (\"user\" is a user name or a "
			"numeric uid)", user);
		return -ENOENT;
	}
	pw = getpwuid(n);
	*uid = n;
	*gid = pw ? pw->pw_gid : n;
	if (!pw)
		log_info("user %lu: no passwd entry, using gid %lu", n, n);
	return 0;
}

int privs_user_ids(const char *user, uid_t *uid, gid_t *gid)
{
	return user_ids(user, uid, gid);
}

int privs_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	int err = user_ids(user, uid, gid);

	if (err)
		return err;
	if (*gid == (gid_t)-1) {
		log_err("user %s: gid %u is not a usable group", user, *gid);
		return -EINVAL;
	}
	if (geteuid() != 0 || *uid == 0)
		return 0;
	return privs_prepare();
}

static const char *change_id_step(int rc)
{
	switch (rc) {
	case -2: return "keeping capabilities across the uid change";
	case -3: return "taking CAP_SETUID and CAP_SETGID";
	case -4: return "setresgid";
	case -5: return "dropping the supplementary groups";
	case -6: return "setresuid";
	case -7: return "ending PR_SET_KEEPCAPS";
	case -9: return "dropping the remaining capabilities";
	default: return "libcap-ng not initialised";
	}
}

/* "none", or the kept capabilities by name; malloc'd. */
static char *caps_text(void)
{
	if (capng_get_caps_process())
		return strdup("unknown");
	return capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
}

static void log_result(uid_t uid, gid_t gid, const char *user,
		       const char *group, int nthreads)
{
	char *caps = caps_text();

	if (PRIVS_KEEP)
		log_info("privileges: now uid %u (%s) gid %u (%s) on all %d threads, "
			 "no supplementary groups, capabilities: %s on the control "
			 "thread, none on the others", uid, user, gid, group,
			 nthreads, caps ? caps : "?");
	else
		log_info("privileges: now uid %u (%s) gid %u (%s) on all %d threads, "
			 "no supplementary groups, capabilities: %s", uid, user,
			 gid, group, nthreads, caps ? caps : "?");
	free(caps);
}

int privs_drop(uid_t uid, gid_t gid)
{
	char user[64] = "?", group[64] = "?";
	struct passwd *pw;
	struct group *gr;
	unsigned int cap;
	int rc, n;

	if (geteuid() != 0) {
		char *caps = caps_text();

		log_info("privileges: not started as root: they stay as they are "
			 "(uid %u, capabilities: %s)", geteuid(), caps ? caps : "?");
		free(caps);
		return 0;
	}
	if (uid == 0) {
		log_warn("privileges: \"user\" is root: privileges are not dropped, "
			 "the appliance keeps every capability");
		return 0;
	}
	/* The names, for the log, while the user database is still readable. */
	if ((pw = getpwuid(uid)))
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	if ((gr = getgrgid(gid)))
		snprintf(group, sizeof(group), "%s", gr->gr_name);

	capng_clear(CAPNG_SELECT_BOTH);
	for (cap = 0; cap < 64; cap++)
		if (PRIVS_KEEP & (1ULL << cap))
			capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, cap);
	errno = 0;
	rc = capng_change_id(uid, gid, CAPNG_DROP_SUPP_GRP);
	if (rc) {
		n = capng_errno();
		log_err("privileges: cannot become uid %u gid %u: %s failed%s%s", uid,
			gid, change_id_step(rc), errno ? ": " : "",
			errno ? strerror(errno) : "");
		return n;
	}
	n = privs_verify(uid, gid);
	if (n < 0)
		return n;
	log_result(uid, gid, user, group, n);
	return 0;
}
