// SPDX-License-Identifier: GPL-2.0
/*
 * Per-tenant iptables: Debian's real iptables-legacy tools, run by the
 * launcher (src/launcher.c) as a user of their own, with the preload
 * library on one end of a socket pair whose other end is a tool RPC
 * session of ours (rpc_adopt()), so that their sockets are the tenant's.
 * GET is iptables-save; PUT replaces the ruleset all or nothing (a dry
 * run with --test first, the old ruleset put back if the real one still
 * fails); POST runs one iptables command.  Jobs run one at a time, each a
 * chain of child processes on the control loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "iptables/child.h"
#include "iptables/iptables.h"
#include "launcher/launcher.h"
#include "log/log.h"
#include "rpc/rpc.h"
#include "conf/state.h"

#define IPT_TIMEOUT	60.		/* seconds one tool may take */
#define RULE_ARGS_MAX	64

const char *const ipt_families[IPT_FAMILIES] = { "ipv4", "ipv6", "nft" };

static struct ev_loop *loop;

struct ipt_job {
	struct ipt_job *next;
	char tenant[TENANT_NAME_MAX + 1];
	int family;
	enum { JOB_GET, JOB_PUT, JOB_RULE, JOB_APPLY } kind;
	int step;
	char *text;			/* PUT, APPLY: the ruleset */
	char *apply[IPT_FAMILIES];	/* APPLY: the rulesets of the families after */
	char **args;			/* JOB_RULE: iptables' arguments */
	char *old;			/* PUT: the ruleset before */
	char *err;			/* what iptables said, on failure */
	ipt_done_fn done;
	void *priv;
};

static struct ipt_job *jobs, **jobs_tail = &jobs;

static int ipt_init(struct ev_loop *l)
{
	loop = l;
	return 0;
}

int ipt_start(struct ev_loop *l, const struct config *c)
{
	char lock[4096];
	int fd, err;

	err = rpc_lock_path(c->rpc_socket, lock, sizeof(lock));
	if (err) {
		log_err("iptables: %s: path too long", c->rpc_socket);
		return err;
	}
	/* Beside the socket, whose directory rpc_init() made.  Root's,
	 * readable by all: the tools take it with flock() on a
	 * read-only descriptor, as the tools' user too. */
	fd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		log_err("iptables: cannot create the lock file %s: %s", lock, strerror(-err));
		return err;
	}
	fchmod(fd, 0644);
	close(fd);
	return ipt_init(l);
}

void ipt_fini(void)
{
	if (loop)
		child_fini(loop);
	loop = NULL;
}

/* iptables-save's text without its comments (dates, versions). */
static char *strip_comments(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	const char *nl;

	if (!out)
		return NULL;
	for (; *s; s = nl ? nl + 1 : s + strlen(s)) {
		nl = strchr(s, '\n');
		if (*s == '#')
			continue;
		memcpy(o, s, nl ? (size_t)(nl - s + 1) : strlen(s));
		o += nl ? (size_t)(nl - s + 1) : strlen(s);
	}
	*o = '\0';
	return out;
}

static void job_step(struct ipt_job *j);
static char *whole_ruleset(const char *text, const char *old);
static char *nft_whole(const char *text);
static void job_finish(struct ipt_job *j, int code, const char *text);

static void job_next(void)
{
	if (jobs)
		job_step(jobs);
}

/* Run @tool with @extra arguments and @input; on_ran continues the job. */
static void on_ran(void *priv, int status, const char *out, size_t len, const char *err);

static char *const wait_arg[] = { "-w", NULL };
static char *const test_arg[] = { "--test", "-w", NULL };
/* nft's words for the same: list, load, check */
static char *const nft_list[] = { "list", "ruleset", NULL };
static char *const nft_load[] = { "-f", "-", NULL };
static char *const nft_check[] = { "-c", "-f", "-", NULL };

static void job_run(struct ipt_job *j, enum launcher_tool t, char *const extra[],
		    const char *input)
{
	int e, sp[2];

	if (j->family == IPT_NFT)
		extra = t == TOOL_SAVE ? nft_list : extra == test_arg ? nft_check : nft_load;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp)) {
		e = -errno;
		goto fail;
	}
	e = rpc_adopt(sp[0], j->tenant, j->family == IPT_NFT ? RPC_JOB_NFT : RPC_JOB_XTABLES);
	if (!e)
		e = child_run(loop, j->family * LAUNCHER_TOOLS_PER + t, j->tenant, extra, sp[1],
			      input, input ? strlen(input) : 0, IPT_TIMEOUT, on_ran, j);
	close(sp[1]);		/* the launcher has it, or nobody needs it */
	if (!e)
		return;
fail:
	log_err("iptables: cannot run %s for tenant %s: %s", ipt_families[j->family], j->tenant,
		strerror(-e));
	job_finish(j, 500, "");
}

static int done_family;

int ipt_done_family(void)
{
	return done_family;
}

static void job_finish(struct ipt_job *j, int code, const char *text)
{
	done_family = j->family;
	jobs = j->next;
	if (!jobs)
		jobs_tail = &jobs;
	j->done(j->priv, code, text, j->err ? j->err : "");
	free(j->text);
	for (int f = 0; f < IPT_FAMILIES; f++)
		free(j->apply[f]);
	free(j->old);
	free(j->err);
	if (j->args)
		for (char **a = j->args; *a; a++)
			free(*a);
	free(j->args);
	free(j);
	job_next();
}

static void job_step(struct ipt_job *j)
{
	switch (j->kind) {
	case JOB_GET:
		job_run(j, TOOL_SAVE, NULL, NULL);
		break;
	case JOB_RULE:
		job_run(j, j->step == 0 ? TOOL_RULE : TOOL_SAVE, j->step == 0 ? j->args : NULL,
			NULL);
		break;
	case JOB_PUT:	/* save the old, dry run, the real one, save the new */
		if (j->step == 0)
			job_run(j, TOOL_SAVE, NULL, NULL);
		else if (j->step == 1)
			job_run(j, TOOL_RESTORE, test_arg, j->text);
		else if (j->step == 2)
			job_run(j, TOOL_RESTORE, wait_arg, j->text);
		else if (j->step == 3)
			job_run(j, TOOL_SAVE, NULL, NULL);
		else		/* step 9: putting the old ruleset back */
			job_run(j, TOOL_RESTORE, wait_arg, j->old);
		break;
	case JOB_APPLY:
		job_run(j, TOOL_RESTORE, wait_arg, j->text);
		break;
	}
}

static void on_ran(void *priv, int status, const char *out, size_t len, const char *err)
{
	struct ipt_job *j = priv;
	char *text;

	if (status) {
		if (status == 127 || status == -EFBIG || status < 0)
			log_warn("iptables: %s for tenant %s ended with %d: %s",
				 ipt_families[j->family], j->tenant, status, err);
		if (!j->err)
			j->err = strdup(*err ? err : "iptables failed");
		if (j->kind == JOB_PUT && j->step == 2 && j->old) {
			j->step = 9;		/* put the old one back */
			job_step(j);
			return;
		}
		job_finish(j, status > 0 && status != 127 ? 422 : 500, "");
		return;
	}
	if (j->kind == JOB_PUT && j->step == 9) {
		job_finish(j, 422, "");
		return;
	}
	if (j->kind == JOB_PUT && j->step == 0) {
		j->old = j->family == IPT_NFT ? nft_whole(out) : strip_comments(out);
		text = !j->old ? NULL : j->family == IPT_NFT ? nft_whole(j->text) :
		       whole_ruleset(j->text, j->old);
		if (text) {
			free(j->text);
			j->text = text;
		}
		j->step++;
		job_step(j);
		return;
	}
	if ((j->kind == JOB_PUT && j->step < 3) || (j->kind == JOB_RULE && j->step == 0)) {
		j->step++;
		job_step(j);
		return;
	}
	while (j->kind == JOB_APPLY && ++j->family < IPT_FAMILIES)
		if (j->apply[j->family]) {
			free(j->text);
			j->text = j->apply[j->family];
			j->apply[j->family] = NULL;
			job_step(j);
			return;
		}
	text = strip_comments(out);
	if (text && (j->kind == JOB_PUT || j->kind == JOB_RULE))
		state_set_iptables(j->tenant, ipt_families[j->family], text);
	job_finish(j, 0, text ? text : "");
	free(text);
}

static int job_add(struct ipt_job *j)
{
	*jobs_tail = j;
	jobs_tail = &j->next;
	if (jobs == j)
		job_step(j);
	return 0;
}

static struct ipt_job *job_new(const char *tenant, int family, ipt_done_fn done, void *priv)
{
	struct ipt_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	snprintf(j->tenant, sizeof(j->tenant), "%s", tenant);
	j->family = family;
	j->done = done;
	j->priv = priv;
	return j;
}

int ipt_get(const char *tenant, int family, ipt_done_fn done, void *priv)
{
	struct ipt_job *j = job_new(tenant, family, done, priv);

	if (!j)
		return -ENOMEM;
	j->kind = JOB_GET;
	return job_add(j);
}

static int has_table(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (*p == '*' && !strncmp(p + 1, name, n) &&
		    (p[n + 1] == '\n' || p[n + 1] == '\0' || p[n + 1] == ' ' || p[n + 1] == '\r'))
			return 1;
	return 0;
}

/* @text, and an empty section for every table the old ruleset has and
 * @text has not: PUT replaces the whole ruleset, not only its tables. */
static char *whole_ruleset(const char *text, const char *old)
{
	size_t cap = strlen(text) + strlen(old) + 2;
	char *out = malloc(cap), name[64];
	const char *p;

	if (!out)
		return NULL;
	snprintf(out, cap, "%s%s", text, *text && text[strlen(text) - 1] != '\n' ? "\n" : "");
	for (p = old; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (*p == '*' && sscanf(p + 1, "%63[a-z_]", name) == 1 && !has_table(text, name))
			snprintf(out + strlen(out), cap - strlen(out), "*%s\nCOMMIT\n", name);
	return out;
}

/* An nft ruleset that replaces the whole one: "flush ruleset" first. */
static char *nft_whole(const char *text)
{
	size_t n = strlen(text);
	char *t = malloc(n + 32);

	if (t)
		snprintf(t, n + 32, "flush ruleset\n%s%s", text, n && text[n - 1] != '\n' ? "\n" : "");
	return t;
}

int ipt_put(const char *tenant, int family, const char *text, ipt_done_fn done, void *priv)
{
	struct ipt_job *j = job_new(tenant, family, done, priv);

	if (!j || !(j->text = strdup(text))) {
		free(j);
		return -ENOMEM;
	}
	j->kind = JOB_PUT;
	return job_add(j);
}

int ipt_rule(const char *tenant, int family, char *const args[], ipt_done_fn done, void *priv)
{
	struct ipt_job *j = job_new(tenant, family, done, priv);
	int n;

	if (!j)
		return -ENOMEM;
	for (n = 0; args[n]; n++)
		;
	j->args = calloc(n + 2, sizeof(*j->args));
	if (!j->args)
		goto out_free;
	if (!(j->args[0] = strdup("-w")))
		goto out_free;
	for (n = 0; args[n]; n++)
		if (!(j->args[n + 1] = strdup(args[n])))
			goto out_free;
	j->kind = JOB_RULE;
	return job_add(j);

out_free:
	for (n = 0; j->args && j->args[n]; n++)
		free(j->args[n]);
	free(j->args);
	free(j);
	return -ENOMEM;
}

/* A copy of ruleset @text that ends its last line (iptables-restore
 * refuses a COMMIT without its newline), or NULL. */
static char *ruleset_dup(const char *text)
{
	size_t n = text ? strlen(text) : 0;
	char *t = text ? malloc(n + 2) : NULL;

	if (t)
		snprintf(t, n + 2, "%s%s", text, n && text[n - 1] != '\n' ? "\n" : "");
	return t;
}

int ipt_apply(const char *tenant, char *const rules[IPT_FAMILIES], ipt_done_fn done,
	      void *priv)
{
	struct ipt_job *j;
	int f, first = -1;

	for (f = IPT_FAMILIES - 1; f >= 0; f--)
		if (rules[f])
			first = f;
	if (first < 0)
		return -EINVAL;
	j = job_new(tenant, first, done, priv);
	if (!j)
		return -ENOMEM;
	j->kind = JOB_APPLY;
	for (f = first; f < IPT_FAMILIES; f++) {
		char **to = f == first ? &j->text : &j->apply[f];

		if (!rules[f])
			continue;
		*to = f == IPT_NFT ? nft_whole(rules[f]) : ruleset_dup(rules[f]);
		if (!*to) {
			free(j->text);
			for (f = 0; f < IPT_FAMILIES; f++)
				free(j->apply[f]);
			free(j);
			return -ENOMEM;
		}
	}
	return job_add(j);
}
