/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The desired state: every tenant that exists because a change to it was
 * answered 2xx, as the JSON tenant objects of the config file.  It lives
 * in STATE_DIR/tenants.json, replaced atomically (temp file, fsync,
 * rename, fsync of the directory), so a crash at any moment leaves either
 * the old or the new file.  Once that file is 64 KiB or more, a change is
 * appended to STATE_DIR/tenants.journal instead (and fdatasynced), and
 * the file is written whole again when the journal reaches a quarter of
 * it, after a start, and at a clean stop; see state.c.
 *
 * The directory is opened once, as root, and kept open: writes go through
 * that descriptor, so they keep working after the privilege drop whatever
 * the permissions of the directories above it.  Control thread only.
 */
#ifndef STATE_H
#define STATE_H

#include <sys/types.h>
#include <jansson.h>

#include "conf/conf.h"

/* Create @dir (0700) if missing and give it to @uid/@gid.  0, or -errno
 * with a message logged (and nothing kept open). */
int state_open(const char *dir, uid_t uid, gid_t gid);
void state_close(void);

/*
 * Read the state file: its tenants, checked like the config's.  A missing
 * file is an empty state.  A file that cannot be read is -errno, one that
 * does not check -EINVAL (-ENOMEM if memory ran out), with @err saying
 * where and why; the file is left as it is, and nothing is allocated.
 */
int state_load(struct tenant_spec **tenants, int *n, char *err, size_t errlen);

/* The tenants now desired, by name, and the write that makes them
 * durable: the file holds one line per tenant, and a change serializes
 * only the tenant it changed. */
int state_count(void);
json_t *state_tenant(const char *name);	/* borrowed, or NULL */
/* Tenant @name is now @now (a tenant object; NULL: gone).  Static
 * neighbours and iptables and nftables rulesets are not read back from the kernel:
 * unless @now has some, the old entry's are kept (neighbours only on
 * vNICs that still exist). */
void state_update(const char *name, json_t *now);
/* Tenant @name's @family ("ipv4", "ipv6", "nft": its "nftables") ruleset
 * is now @rules. */
void state_set_iptables(const char *name, const char *family, const char *rules);
/* 0, or -errno with a message logged; the old file (and journal) is then
 * kept as it was. */
int state_save(void);
/* From what size of the file on changes are journaled (tests). */
void state_journal_min(size_t bytes);

#endif
