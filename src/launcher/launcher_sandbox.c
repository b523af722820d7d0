// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's credentials and its jobs' sandbox; see launcher.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <cap-ng.h>

#include "launcher/launcher.h"
#include "launcher/launcher_int.h"
#include "conf/conf.h"
#include "log/log.h"
#include "privs/privs.h"

/* Every id ours, and nothing else: read back, not assumed. */
static int creds_are(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg) || getgroups(0, NULL) != 0)
		return 0;
	if (capng_get_caps_process() || capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		return 0;
	return r == uid && e == uid && s == uid && rg == gid && eg == gid && sg == gid &&
	       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 && prctl(PR_GET_DUMPABLE) == 0;
}

int launcher_become(const struct config *c)
{
	struct passwd *pw;
	uid_t auid, uid;
	gid_t agid, gid;
	pid_t parent = getppid();
	int cap, err;

	if (geteuid() != 0) {
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		prctl(PR_SET_DUMPABLE, 0);
		return 0;
	}
	errno = 0;
	pw = getpwnam(NUSE_TOOL_USER);
	if (!pw) {
		log_err("launcher: no user %s: scripts/install-deps creates it (the API's "
			"iptables tools run as it, apart from the appliance's user)",
			NUSE_TOOL_USER);
		return -ENOENT;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	err = privs_user_ids(c->user, &auid, &agid);
	if (err)
		return err;
	if (uid == 0 || gid == 0 || uid == auid || gid == agid) {
		log_err("launcher: user %s (uid %u gid %u) must be neither root nor the "
			"appliance's user \"%s\" (uid %u gid %u), nor share its group",
			NUSE_TOOL_USER, uid, gid, c->user, auid, agid);
		return -EINVAL;
	}
	/* The bounding set is privs_lookup()'s already, but for "user":
	 * "root"; whatever it was, the jobs need none of it. */
	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	capng_clear(CAPNG_SELECT_BOTH);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || setgroups(0, NULL) ||
	    setresgid(gid, gid, gid) || setresuid(uid, uid, uid) ||
	    capng_apply(CAPNG_SELECT_CAPS) || prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) ||
	    prctl(PR_SET_DUMPABLE, 0)) {
		log_err("launcher: cannot become %s: %s", NUSE_TOOL_USER, strerror(errno));
		return -EPERM;
	}
	/* Changing ids cleared it: set now, and the appliance may be gone. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return -ESRCH;
	if (!creds_are(uid, gid)) {
		log_err("launcher: the credentials after becoming %s are not what they must be",
			NUSE_TOOL_USER);
		return -EPERM;
	}
	return 0;
}
