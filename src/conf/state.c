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
#define STATE_VERSION	1

static int dirfd_ = -1;
static char *dirname_;
static json_t *tenants;		/* name -> tenant object, in creation order */
static json_t *lines;		/* name -> the same, serialized */

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
	if (!dirname_ || !tenants || !lines) {
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
	tenants = lines = NULL;
out_close:
	close(dirfd_);
	dirfd_ = -1;
	return err;
}

void state_close(void)
{
	if (dirfd_ >= 0)
		close(dirfd_);
	dirfd_ = -1;
	free(dirname_);
	dirname_ = NULL;
	json_decref(tenants);
	json_decref(lines);
	tenants = lines = NULL;
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

int state_load(struct tenant_spec **out, int *nout, char *err, size_t errlen)
{
	struct tenant_spec *specs = NULL;
	json_error_t jerr;
	json_t *root, *list, *v;
	char *buf, where[64];
	size_t len, i, j;
	int fd, ret;

	*out = NULL;
	*nout = 0;
	fd = openat(dirfd_, STATE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "%s/%s: %s", dirname_, STATE_FILE, strerror(-ret));
		return ret;
	}
	buf = read_all(fd, &len);
	ret = -errno;
	close(fd);
	if (!buf) {
		snprintf(err, errlen, "%s/%s: cannot read: %s", dirname_, STATE_FILE,
			 strerror(-ret));
		return ret;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!root) {
		snprintf(err, errlen, "%s/%s: line %d, column %d: %s", dirname_,
			 STATE_FILE, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	list = json_object_get(root, "tenants");
	v = json_object_get(root, "version");
	if (!json_is_object(root) || !json_is_integer(v) ||
	    json_integer_value(v) != STATE_VERSION || !json_is_array(list) ||
	    json_object_size(root) != 2) {
		snprintf(err, errlen, "%s/%s: not a version %d state file "
			 "({\"version\": %d, \"tenants\": [...]})", dirname_, STATE_FILE,
			 STATE_VERSION, STATE_VERSION);
		json_decref(root);
		return -EINVAL;
	}
	specs = calloc(json_array_size(list) + 1, sizeof(*specs));
	if (!specs) {
		snprintf(err, errlen, "%s/%s: out of memory", dirname_, STATE_FILE);
		json_decref(root);
		return -ENOMEM;
	}
	json_array_foreach(list, i, v) {
		char m[512];

		snprintf(where, sizeof(where), "tenants[%zu]", i);
		ret = config_tenant(v, where, &specs[i], m, sizeof(m));
		if (ret)
			goto bad;
		ret = -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(specs[j].name, specs[i].name)) {
				snprintf(m, sizeof(m), "%s.name: \"%s\" appears twice",
					 where, specs[i].name);
				goto bad;
			}
		continue;
bad:
		snprintf(err, errlen, "%s/%s: %s", dirname_, STATE_FILE, m);
		for (j = 0; j <= i; j++)
			tenant_spec_free(&specs[j]);
		free(specs);
		json_decref(root);
		return ret;
	}
	*out = specs;
	*nout = json_array_size(list);
	json_decref(root);
	return 0;
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

void state_update(const char *name, json_t *now)
{
	json_t *old = state_tenant(name), *neighs, *kept, *n;
	char *line;
	size_t i;

	if (!now) {
		json_object_del(tenants, name);
		json_object_del(lines, name);
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
	/* Keys keep their place when set again: the file stays in creation
	 * order, which is the order tenants are restored in. */
	json_object_set(tenants, name, now);
	line = json_dumps(now, JSON_COMPACT);
	json_object_set_new(lines, name, line ? json_string(line) : json_null());
	free(line);
}

/* 0, or -errno. */
static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= w;
	}
	return 0;
}

void state_set_iptables(const char *name, const char *family, const char *rules)
{
	json_t *t = state_tenant(name), *now, *ipt;

	if (!t)
		return;
	now = json_deep_copy(t);
	ipt = json_object_get(now, "iptables");
	if (!ipt) {
		ipt = json_object();
		json_object_set_new(now, "iptables", ipt);
	}
	json_object_set_new(ipt, family, json_string(rules));
	state_update(name, now);
	json_decref(now);
}

/* {"version": 1, "tenants": [
 * one tenant per line, serialized when it changed
 * ]} */
static char *state_text(size_t *len)
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
			t.len = sprintf(t.buf, "{\"version\": %d, \"tenants\": [\n", STATE_VERSION);
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
		t.len = sprintf(t.buf, "{\"version\": %d, \"tenants\": [\n", STATE_VERSION);
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

int state_save(void)
{
	size_t len;
	char *text = state_text(&len);
	int fd, err = 0;

	if (!text)
		return -ENOMEM;
	fd = openat(dirfd_, STATE_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		err = -errno;
	else if (!(err = write_all(fd, text, len)) && fsync(fd))
		err = -errno;
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	free(text);
	if (!err && renameat(dirfd_, STATE_TMP, dirfd_, STATE_FILE))
		err = -errno;
	if (!err && fsync(dirfd_))
		err = -errno;
	if (err) {
		log_err("state: cannot write %s/%s: %s", dirname_, STATE_FILE, strerror(-err));
		unlinkat(dirfd_, STATE_TMP, 0);
	}
	return err;
}
