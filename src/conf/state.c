// SPDX-License-Identifier: GPL-2.0
/* The desired state file; see state.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log/log.h"
#include "conf/state.h"

#define STATE_FILE	"tenants.json"
#define STATE_TMP	"tenants.json.tmp"
#define JOURNAL_FILE	"tenants.journal"
#define STATE_VERSION	1

static int dirfd_ = -1;
static char *dirname_;
static json_t *tenants;		/* name -> tenant object, in creation order */
static json_t *lines;		/* name -> the same, serialized */

/*
 * The journal.  Once the file is JOURNAL_MIN or more, a save appends the
 * tenants it changed to STATE_DIR/tenants.journal (one write, then
 * fdatasync) instead of writing the whole file again: with ten thousand
 * tenants the file is over 2 MB, and replacing it took 5-15 ms of every
 * change on this machine, an append 0.4.  The journal's first line names
 * the generation of the file it follows; every record after it is one
 * line, {"tenant": {...}} (created or changed) or {"deleted": "NAME"}.
 * When the journal would pass a quarter of the file, the whole file is
 * written again (the next generation) and the journal removed, so the
 * bytes written per change stay bounded and the restart's replay short.
 * A crash between the two leaves a journal of the old generation, which
 * the next start ignores: the file already holds all of it.
 */
#define JOURNAL_MIN	(64 * 1024)
static size_t journal_min = JOURNAL_MIN;
static json_t *dirty;		/* name -> DIRTY_*: changed since the last save */
static long long generation;	/* of the file on disk */
static size_t file_len;		/* its size */
static size_t journal_len;	/* the journal's, 0: none */
static int journal_fd = -1;
static int whole;		/* memory holds every tenant: saved since the load */

enum { DIRTY_SET = 1, DIRTY_DELETED = 2, DIRTY_MOVED = 3 };

int state_open(const char *dir, uid_t uid, gid_t gid)
{
	struct stat st;
	int err;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("state: cannot create %s: %s", dir, strerror(-err));
		return err;
	}
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd_ < 0) {
		err = -errno;
		log_err("state: cannot open %s: %s", dir, strerror(-err));
		return err;
	}
	if (fstat(dirfd_, &st) == 0 && (st.st_uid != uid || st.st_gid != gid) &&
	    geteuid() == 0) {
		if (fchown(dirfd_, uid, gid)) {
			err = -errno;
			log_err("state: cannot give %s to uid %u: %s", dir, uid,
				strerror(-err));
			goto out_close;
		}
		/* The file itself need not change hands: replacing it
		 * takes only the directory. */
		log_info("state: %s now belongs to uid %u", dir, uid);
	}
	dirname_ = strdup(dir);
	tenants = json_object();
	lines = json_object();
	dirty = json_object();
	if (!dirname_ || !tenants || !lines || !dirty) {
		err = -ENOMEM;
		log_err("state: %s: out of memory", dir);
		goto out_free;
	}
	return 0;

out_free:
	free(dirname_);
	dirname_ = NULL;
	json_decref(tenants);
	json_decref(lines);
	json_decref(dirty);
	tenants = lines = dirty = NULL;
out_close:
	close(dirfd_);
	dirfd_ = -1;
	return err;
}

static int compact(void);

void state_close(void)
{
	/* A clean stop leaves the file whole, with no journal to replay. */
	if (dirfd_ >= 0 && whole && journal_len && !json_object_size(dirty))
		compact();
	if (journal_fd >= 0)
		close(journal_fd);
	journal_fd = -1;
	if (dirfd_ >= 0)
		close(dirfd_);
	dirfd_ = -1;
	free(dirname_);
	dirname_ = NULL;
	json_decref(tenants);
	json_decref(lines);
	json_decref(dirty);
	tenants = lines = dirty = NULL;
	generation = 0;
	file_len = journal_len = 0;
	whole = 0;
}

void state_journal_min(size_t bytes)
{
	journal_min = bytes;
}

/* The whole file, or NULL with errno set. */
static char *read_all(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	int err;

	while (buf && (r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			free(buf);
			errno = err;
			return NULL;
		}
		n += r;
		if (n == cap) {
			char *b = realloc(buf, cap *= 2);

			if (!b)
				free(buf);
			buf = b;
		}
	}
	*len = n;
	return buf;
}

/* The state directory's file @name, whole: its bytes (NULL and 0 if
 * there is none), or -errno. */
static int read_state_file(const char *name, char **buf, size_t *len)
{
	int fd, err;

	*buf = NULL;
	*len = 0;
	fd = openat(dirfd_, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	*buf = read_all(fd, len);
	err = -errno;
	close(fd);
	return *buf ? 0 : err;
}

/* The tenants as they are loaded: in order, with holes where the
 * journal deleted one, and where each is by name. */
struct loaded {
	struct tenant_spec *v;
	size_t n, cap;
	json_t *at;		/* name -> index in v */
};

/* @t (taken) replaces the tenant of its name, or comes last.  0, or
 * -ENOMEM (@t freed). */
static int loaded_put(struct loaded *l, struct tenant_spec *t)
{
	json_t *at = json_object_get(l->at, t->name);

	if (at) {
		tenant_spec_free(&l->v[json_integer_value(at)]);
		l->v[json_integer_value(at)] = *t;
		return 0;
	}
	if (l->n + 1 >= l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct tenant_spec *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		l->v = v;
		l->cap = cap;
	}
	if (json_object_set_new(l->at, t->name, json_integer(l->n)))
		goto nomem;
	l->v[l->n++] = *t;
	return 0;
nomem:
	tenant_spec_free(t);
	return -ENOMEM;
}

static void loaded_del(struct loaded *l, const char *name)
{
	json_t *at = json_object_get(l->at, name);

	if (!at)
		return;		/* created and deleted between two saves */
	tenant_spec_free(&l->v[json_integer_value(at)]);
	memset(&l->v[json_integer_value(at)], 0, sizeof(l->v[0]));
	json_object_del(l->at, name);
}

static void loaded_free(struct loaded *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		tenant_spec_free(&l->v[i]);
	free(l->v);
	json_decref(l->at);
}

/* The journal's records after generation @gen of the file, applied to
 * @l.  0 (also for a journal of another generation: the file holds
 * it already), or -EINVAL/-ENOMEM with @err saying which line and why. */
static int journal_replay(struct loaded *l, char *buf, size_t len, long long gen,
			  char *err, size_t errlen)
{
	char *line = buf, *end = buf + len, *nl, m[512];
	struct tenant_spec t;
	json_error_t jerr;
	json_t *rec, *v;
	int lineno = 0, ret = 0;

	for (; line < end && !ret; line = nl + 1) {
		lineno++;
		nl = memchr(line, '\n', end - line);
		if (!nl) {
			/* written by a save that never finished: that change
			 * was not answered */
			log_warn("state: %s/%s: line %d, an unfinished record, ignored",
				 dirname_, JOURNAL_FILE, lineno);
			break;
		}
		rec = json_loadb(line, nl - line, JSON_REJECT_DUPLICATES, &jerr);
		if (lineno == 1) {
			v = json_object_get(rec, "generation");
			if (!json_is_integer(v) || json_object_size(rec) != 1 ||
			    json_integer_value(v) != gen) {
				log_info("state: %s/%s is of an older generation than %s: ignored",
					 dirname_, JOURNAL_FILE, STATE_FILE);
				json_decref(rec);
				return 0;
			}
			json_decref(rec);
			continue;
		}
		ret = -EINVAL;
		if (!rec) {
			snprintf(m, sizeof(m), "column %d: %s", jerr.column, jerr.text);
		} else if (json_object_size(rec) == 1 &&
			   json_is_string(v = json_object_get(rec, "deleted"))) {
			loaded_del(l, json_string_value(v));
			ret = 0;
		} else if (json_object_size(rec) == 1 &&
			   (v = json_object_get(rec, "tenant"))) {
			memset(&t, 0, sizeof(t));
			ret = config_tenant(v, "tenant", &t, m, sizeof(m));
			if (ret)
				tenant_spec_free(&t);
			else if ((ret = loaded_put(l, &t)))
				snprintf(m, sizeof(m), "out of memory");
		} else {
			snprintf(m, sizeof(m), "not a record ({\"tenant\": {...}} or "
				 "{\"deleted\": \"NAME\"})");
		}
		json_decref(rec);
		if (ret)
			snprintf(err, errlen, "%s/%s: line %d: %s", dirname_, JOURNAL_FILE,
				 lineno, m);
	}
	return ret;
}

int state_load(struct tenant_spec **out, int *nout, char *err, size_t errlen)
{
	struct loaded l = { .at = json_object() };
	json_error_t jerr;
	json_t *root, *list, *v, *gen;
	char *buf, *jbuf, where[64];
	size_t len, jlen, i, n;
	int ret;

	*out = NULL;
	*nout = 0;
	ret = read_state_file(STATE_FILE, &buf, &len);
	if (ret) {
		snprintf(err, errlen, "%s/%s: %s", dirname_, STATE_FILE, strerror(-ret));
		json_decref(l.at);
		return ret;
	}
	ret = read_state_file(JOURNAL_FILE, &jbuf, &jlen);
	if (ret) {
		snprintf(err, errlen, "%s/%s: %s", dirname_, JOURNAL_FILE, strerror(-ret));
		free(buf);
		json_decref(l.at);
		return ret;
	}
	if (!buf) {
		/* no file: no tenants, and a journal is left of none */
		free(jbuf);
		json_decref(l.at);
		journal_len = jlen;
		return 0;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!root) {
		snprintf(err, errlen, "%s/%s: line %d, column %d: %s", dirname_,
			 STATE_FILE, jerr.line, jerr.column, jerr.text);
		ret = -EINVAL;
		goto out;
	}
	list = json_object_get(root, "tenants");
	v = json_object_get(root, "version");
	gen = json_object_get(root, "generation");
	if (!json_is_object(root) || !json_is_integer(v) ||
	    json_integer_value(v) != STATE_VERSION || !json_is_array(list) ||
	    (gen && (!json_is_integer(gen) || json_integer_value(gen) < 0)) ||
	    json_object_size(root) != 2 + !!gen) {
		snprintf(err, errlen, "%s/%s: not a version %d state file "
			 "({\"version\": %d, \"tenants\": [...]})", dirname_, STATE_FILE,
			 STATE_VERSION, STATE_VERSION);
		ret = -EINVAL;
		goto out;
	}
	ret = -ENOMEM;
	if (!l.at) {
		snprintf(err, errlen, "%s/%s: out of memory", dirname_, STATE_FILE);
		goto out;
	}
	json_array_foreach(list, i, v) {
		struct tenant_spec t = { 0 };
		char m[512];

		snprintf(where, sizeof(where), "tenants[%zu]", i);
		ret = config_tenant(v, where, &t, m, sizeof(m));
		if (ret) {
			tenant_spec_free(&t);	/* what it had filled in */
		} else if (json_object_get(l.at, t.name)) {
			snprintf(m, sizeof(m), "%s.name: \"%s\" appears twice", where, t.name);
			tenant_spec_free(&t);
			ret = -EINVAL;
		} else if (loaded_put(&l, &t)) {
			snprintf(m, sizeof(m), "out of memory");
			ret = -ENOMEM;
		}
		if (ret) {
			snprintf(err, errlen, "%s/%s: %s", dirname_, STATE_FILE, m);
			goto out;
		}
	}
	ret = journal_replay(&l, jbuf, jlen, gen ? json_integer_value(gen) : 0, err, errlen);
	if (ret)
		goto out;
	/* in order, without the holes */
	for (i = n = 0; i < l.n; i++)
		if (l.v[i].name[0])
			l.v[n++] = l.v[i];
	if (!l.v && !(l.v = calloc(1, sizeof(*l.v)))) {
		snprintf(err, errlen, "%s/%s: out of memory", dirname_, STATE_FILE);
		ret = -ENOMEM;
		goto out;
	}
	*out = l.v;
	*nout = n;
	l.v = NULL;
	l.n = 0;
	generation = gen ? json_integer_value(gen) : 0;
	file_len = len;
	journal_len = jlen;
out:
	loaded_free(&l);
	json_decref(root);
	free(jbuf);
	return ret;
}

int state_count(void)
{
	return json_object_size(tenants);
}

json_t *state_tenant(const char *name)
{
	return json_object_get(tenants, name);
}

/* Whether the tenant object @t has a vNIC named @dev. */
static int has_vnic(json_t *t, const char *dev)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(t, "vnics"), i, v)
		if (!strcmp(json_string_value(json_object_get(v, "name")), dev))
			return 1;
	return 0;
}

static int force_compact;	/* a change the dirty set may have missed */

/* @name changed: deleted (@gone), or set. */
static void mark(const char *name, int gone)
{
	int was = json_integer_value(json_object_get(dirty, name));

	if (json_object_set_new(dirty, name, json_integer(gone ? DIRTY_DELETED :
			was == DIRTY_DELETED || was == DIRTY_MOVED ? DIRTY_MOVED : DIRTY_SET)))
		force_compact = 1;
}

void state_update(const char *name, json_t *now)
{
	json_t *old = state_tenant(name), *neighs, *kept, *n;
	char *line;
	size_t i;

	if (!now) {
		json_object_del(tenants, name);
		json_object_del(lines, name);
		mark(name, 1);
		return;
	}
	if (old && !json_object_get(now, "neighbours") &&
	    (neighs = json_object_get(old, "neighbours"))) {
		kept = json_array();
		json_array_foreach(neighs, i, n)
			if (has_vnic(now, json_string_value(json_object_get(n, "dev"))))
				json_array_append(kept, n);
		if (json_array_size(kept))
			json_object_set(now, "neighbours", kept);
		json_decref(kept);
	}
	if (old && !json_object_get(now, "iptables") && json_object_get(old, "iptables"))
		json_object_set(now, "iptables", json_object_get(old, "iptables"));
	if (old && !json_object_get(now, "nftables") && json_object_get(old, "nftables"))
		json_object_set(now, "nftables", json_object_get(old, "nftables"));
	/* Keys keep their place when set again: the file stays in creation
	 * order, which is the order tenants are restored in. */
	json_object_set(tenants, name, now);
	line = json_dumps(now, JSON_COMPACT);
	json_object_set_new(lines, name, line ? json_string(line) : json_null());
	free(line);
	mark(name, 0);
}

/* 0, or -errno. */
static int pwrite_all(int fd, const char *p, size_t n, off_t at)
{
	ssize_t w;

	while (n) {
		w = pwrite(fd, p, n, at);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= w;
		at += w;
	}
	return 0;
}

void state_set_iptables(const char *name, const char *family, const char *rules)
{
	json_t *t = state_tenant(name), *now, *ipt;

	if (!t)
		return;
	now = json_deep_copy(t);
	if (!strcmp(family, "nft")) {	/* nftables: a key of its own */
		json_object_set_new(now, "nftables", json_string(rules));
		state_update(name, now);
		json_decref(now);
		return;
	}
	ipt = json_object_get(now, "iptables");
	if (!ipt) {
		ipt = json_object();
		json_object_set_new(now, "iptables", ipt);
	}
	json_object_set_new(ipt, family, json_string(rules));
	state_update(name, now);
	json_decref(now);
}

/* The file's first line, in @buf (64 bytes): its generation only once
 * it has one (a journal came and went). */
static int head(char *buf, long long gen)
{
	if (!gen)
		return sprintf(buf, "{\"version\": %d, \"tenants\": [\n", STATE_VERSION);
	return sprintf(buf, "{\"version\": %d, \"generation\": %lld, \"tenants\": [\n",
		       STATE_VERSION, gen);
}

/* {"version": 1, "tenants": [
 * one tenant per line, serialized when it changed
 * ]} */
static char *state_text(long long gen, size_t *len)
{
	struct { char *buf; size_t len, cap; } t = { NULL, 0, 0 };
	const char *name;
	json_t *line;
	int first = 1;

	json_object_foreach(lines, name, line) {
		size_t n = json_string_length(line);

		if (!json_is_string(line))
			return NULL;
		if (t.len + n + 64 > t.cap) {
			char *b = realloc(t.buf, t.cap = (t.len + n + 64) * 2);

			if (!b) {
				free(t.buf);
				return NULL;
			}
			t.buf = b;
		}
		if (first)
			t.len = head(t.buf, gen);
		else
			t.len += sprintf(t.buf + t.len, ",\n");
		first = 0;
		memcpy(t.buf + t.len, json_string_value(line), n);
		t.len += n;
	}
	if (first) {
		t.buf = malloc(64);
		if (!t.buf)
			return NULL;
		t.len = head(t.buf, gen);
	} else {
		char *b = realloc(t.buf, t.len + 8);

		if (!b) {
			free(t.buf);
			return NULL;
		}
		t.buf = b;
	}
	t.len += sprintf(t.buf + t.len, "\n]}\n");
	*len = t.len;
	return t.buf;
}

/* The whole file again; the journal, if there was one, is left behind
 * by the generation the file moves to. */
static int compact(void)
{
	long long gen = generation + (journal_len ? 1 : 0);
	size_t len;
	char *text = state_text(gen, &len);
	int fd, err = 0;

	if (!text)
		return -ENOMEM;
	fd = openat(dirfd_, STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		err = -errno;
	else if (!(err = pwrite_all(fd, text, len, 0)) && fsync(fd))
		err = -errno;
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	free(text);
	if (!err && renameat(dirfd_, STATE_TMP, dirfd_, STATE_FILE))
		err = -errno;
	if (err) {
		log_err("state: cannot write %s/%s: %s", dirname_, STATE_FILE, strerror(-err));
		unlinkat(dirfd_, STATE_TMP, 0);
		return err;
	}
	/* in place: the journal is of an older generation now */
	generation = gen;
	file_len = len;
	if (journal_fd >= 0)
		close(journal_fd);
	journal_fd = -1;
	if (journal_len && unlinkat(dirfd_, JOURNAL_FILE, 0) && errno != ENOENT)
		log_warn("state: cannot remove %s/%s: %s (the next start ignores it)",
			 dirname_, JOURNAL_FILE, strerror(errno));
	journal_len = 0;
	if (fsync(dirfd_)) {
		err = -errno;
		log_err("state: cannot write %s/%s: %s", dirname_, STATE_FILE, strerror(-err));
		return err;
	}
	json_object_clear(dirty);
	force_compact = 0;
	whole = 1;
	return 0;
}

/* The records of what changed since the last save, one line each, or
 * NULL if memory ran out. */
static char *records(size_t *len)
{
	struct { char *buf; size_t len, cap; } t = { NULL, 0, 0 };
	const char *name;
	json_t *how;

	json_object_foreach(dirty, name, how) {
		int h = json_integer_value(how);
		json_t *line = json_object_get(lines, name);
		char *del = NULL;
		size_t need;

		if (h != DIRTY_SET) {
			json_t *js = json_string(name);

			del = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
			json_decref(js);
			if (!del)
				goto nomem;
		}
		if (h != DIRTY_DELETED && !json_is_string(line)) {
			free(del);
			goto nomem;	/* its serialization failed */
		}
		need = t.len + (del ? strlen(del) + 16 : 0) +
		       (h != DIRTY_DELETED ? json_string_length(line) + 16 : 0) + 1;
		if (need > t.cap) {
			char *b = realloc(t.buf, t.cap = need * 2);

			if (!b) {
				free(del);
				goto nomem;
			}
			t.buf = b;
		}
		if (del)
			t.len += sprintf(t.buf + t.len, "{\"deleted\":%s}\n", del);
		free(del);
		if (h != DIRTY_DELETED)
			t.len += sprintf(t.buf + t.len, "{\"tenant\":%s}\n", json_string_value(line));
	}
	*len = t.len;
	return t.buf ? t.buf : strdup("");
nomem:
	free(t.buf);
	return NULL;
}

/* @text appended to the journal and made durable; 0, or -errno with the
 * journal as it was. */
static int append(const char *text, size_t len)
{
	char hd[64];
	size_t at = journal_len;
	int err = 0, fresh = journal_fd < 0;

	if (fresh) {
		journal_fd = openat(dirfd_, JOURNAL_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				    0600);
		if (journal_fd < 0) {
			err = -errno;
			goto fail;
		}
		at = sprintf(hd, "{\"generation\": %lld}\n", generation);
		err = pwrite_all(journal_fd, hd, at, 0);
	}
	if (!err)
		err = pwrite_all(journal_fd, text, len, at);
	if (!err && fdatasync(journal_fd))
		err = -errno;
	if (!err && fresh && fsync(dirfd_))
		err = -errno;
	if (!err) {
		journal_len = at + len;
		json_object_clear(dirty);
		return 0;
	}
fail:
	log_err("state: cannot write %s/%s: %s", dirname_, JOURNAL_FILE, strerror(-err));
	if (journal_fd >= 0 && !fresh && ftruncate(journal_fd, journal_len))
		force_compact = 1;	/* what it holds is not known: replace it */
	if (fresh) {
		if (journal_fd >= 0)
			close(journal_fd);
		journal_fd = -1;
		unlinkat(dirfd_, JOURNAL_FILE, 0);
	}
	return err;
}

int state_save(void)
{
	size_t len;
	char *text;
	int err;

	/* The first save after a start is whole: only then does memory
	 * hold every tenant, and any journal is replayed into it. */
	if (!whole || force_compact || file_len < journal_min)
		return compact();
	text = records(&len);
	if (!text)
		return -ENOMEM;
	if (journal_len + len > file_len / 4) {
		free(text);
		return compact();
	}
	err = len ? append(text, len) : 0;
	free(text);
	return err;
}
