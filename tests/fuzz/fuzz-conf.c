// SPDX-License-Identifier: GPL-2.0
/*
 * The config parser on a whole document, as `nuse-appliance --check`
 * runs it: config_load() (every key, the tenants' checks, the rpc group's)
 * and, when it is accepted, config_dump().  The canonical form must load
 * again and print the same: a document the appliance prints and then
 * refuses (or reads otherwise) is a finding, as a crash or leak is.
 *
 * config_load() reads a path; the input is written to a memfd, named by
 * its /proc/self/fd path, so nothing touches the disk.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

static void put(const void *data, size_t size)
{
	if (fd < 0) {
		fd = memfd_create("fuzz-conf", MFD_CLOEXEC);
		if (fd < 0) {
			perror("fuzz-conf: memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz-conf: writing the input");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[1024];
	char *dump, *again;

	put(data, size);
	if (config_load(path, &c, err, sizeof(err)))
		return 0;
	dump = config_dump(&c);
	config_free(&c);
	if (!dump)
		abort();
	put(dump, strlen(dump));
	if (config_load(path, &c, err, sizeof(err))) {
		fprintf(stderr, "fuzz-conf: the canonical form is refused: %s\n%s\n", err, dump);
		abort();
	}
	again = config_dump(&c);
	config_free(&c);
	if (!again || strcmp(dump, again)) {
		fprintf(stderr, "fuzz-conf: the canonical form reads otherwise:\n%s\n---\n%s\n",
			dump, again ? again : "(nothing)");
		abort();
	}
	free(dump);
	free(again);
	return 0;
}
