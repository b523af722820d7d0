// SPDX-License-Identifier: GPL-2.0
/* The API's side of Idempotency-Key (idem.c keeps the keys): the
 * request's header read, and the first answer given again. */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "idem.h"

void idem_record(struct idem *k, unsigned int status, const char *type,
		 const char *body, const char *location)
{
	idem_done(k, status, type, body, location, api_now());
}

static enum MHD_Result replay(struct pending *p, const struct idem *k)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(k->body ? strlen(k->body) : 0,
					    k->body ? k->body : "", MHD_RESPMEM_MUST_COPY);
	if (k->type)
		MHD_add_response_header(r, "Content-Type", k->type);
	if (k->location)
		MHD_add_response_header(r, "Location", k->location);
	MHD_add_response_header(r, "Idempotent-Replayed", "true");
	p->status = k->status;
	ret = MHD_queue_response(p->conn, k->status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result idem_check(struct pending *p, const char *url, int *answered)
{
	const char *key = MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND,
						      "Idempotency-Key");
	struct idem *k;

	*answered = 1;
	if (!key) {
		*answered = 0;
		return MHD_YES;
	}
	if (!idem_key_valid(key))
		return api_problem(p, 400, "an Idempotency-Key is 1-255 visible ASCII characters",
			       "Idempotency-Key");
	switch (idem_begin(key, idem_hash(url, p->body, p->body_len), api_now(), &k)) {
	case IDEM_MISMATCH:
		return api_problem(p, 422, "this Idempotency-Key was used for another request",
			       "Idempotency-Key");
	case IDEM_RUNNING:
		return api_problem(p, 409, "a request with this Idempotency-Key is still running",
			       "Idempotency-Key");
	case IDEM_REPLAY:
		return replay(p, k);
	case IDEM_NOMEM:
		return api_problem(p, 503, "out of memory", NULL);
	case IDEM_NEW:
		break;
	}
	p->idem = k;
	*answered = 0;
	return MHD_YES;
}
