// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzz harness as a plain test: every file of its corpus (the
 * directories given, else the one it was built for) fed once to
 * LLVMFuzzerTestOneInput(), each in a buffer of its exact size.  Built
 * with the project's compiler for `make check`, so the corpus, and each
 * crash once found and added to it, is a regression test everywhere.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int one(const char *path)
{
	struct stat st;
	unsigned char *buf;
	FILE *f = fopen(path, "rb");
	size_t got;

	if (!f || fstat(fileno(f), &st)) {
		perror(path);
		return -1;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	got = buf ? fread(buf, 1, st.st_size, f) : 0;
	fclose(f);
	if (!buf || got != (size_t)st.st_size) {
		fprintf(stderr, "%s: cannot read it\n", path);
		free(buf);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return 0;
}

/* The number of inputs run, or -1. */
static int dir(const char *path)
{
	struct dirent **names;
	char file[4096];
	int n, i, ran = 0;

	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && ran >= 0) {
			snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
			ran = one(file) ? -1 : ran + 1;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	const char *def[] = { CORPUS_DIRS, NULL };
	const char *const *dirs = argc > 1 ? (const char *const *)argv + 1 : def;
	int total = 0, n, i;

	for (i = 0; dirs[i]; i++) {
		n = dir(dirs[i]);
		if (n < 0)
			return 1;
		printf("%s: %d inputs\n", dirs[i], n);
		total += n;
	}
	if (!total) {
		fprintf(stderr, "no input to run\n");
		return 1;
	}
	printf("%d inputs, no crash\n", total);
	return 0;
}
