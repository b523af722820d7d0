/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the config parser: what conf.c and conf_tenant.c share. */
#ifndef CONF_INT_H
#define CONF_INT_H

#include <stddef.h>
#include <jansson.h>

struct ctx {
	char *err;
	size_t len;
};

/* -EINVAL with "WHERE: WHAT" in x->err: the one way a check fails.  The
 * conf_get_*, conf_only_keys and conf_array_of below fail only so: a
 * chain of them that fails is -EINVAL. */
int conf_fail(struct ctx *x, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* -ENOMEM with "WHERE: out of memory" in x->err. */
int conf_oom(struct ctx *x, const char *where);
const char *conf_type_name(json_t *v);
int conf_only_keys(struct ctx *x, json_t *obj, const char *where,
		   const char *const keys[]);
int conf_get_string(struct ctx *x, json_t *obj, const char *key,
		    const char *where, int required, const char **out);
int conf_get_uint(struct ctx *x, json_t *obj, const char *key, const char *where,
		  long min, long max, unsigned int *out);
int conf_array_of(struct ctx *x, json_t *o, const char *key, const char *where,
		  json_t **out);

#endif
