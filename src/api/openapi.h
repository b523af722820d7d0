/* SPDX-License-Identifier: GPL-2.0 */
/* The API's OpenAPI document (src/api/openapi.json), built into the
 * binary: src/Makefile.am makes api/openapi_doc.c from it. */
#ifndef API_OPENAPI_H
#define API_OPENAPI_H

#include <stddef.h>

/* The document's text, NUL-terminated; its length without the NUL. */
extern const char api_openapi_doc[];
extern const size_t api_openapi_doc_len;

#endif
