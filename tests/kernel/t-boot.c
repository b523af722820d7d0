// SPDX-License-Identifier: GPL-2.0
/*
 * Boot, identify, halt: uname and /proc/version report the release of the
 * source the kernel was built from, and a halted kernel stays halted.
 */
#include <sys/utsname.h>

#include "ktest.h"

/* VERSION.PATCHLEVEL.SUBLEVEL[EXTRAVERSION] from the prepared tree. */
static void source_release(char *out, size_t size)
{
	const char *top = getenv("top_builddir");
	char path[4096], line[256], key[64], val[64];
	char v[64] = "", p[64] = "", s[64] = "", e[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/linux/build/linux/Makefile",
		 top ? top : "..");
	f = fopen(path, "r");
	KT_CHECK(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		val[0] = '\0';
		if (sscanf(line, "%63s = %63s", key, val) < 1)
			continue;
		if (!strcmp(key, "VERSION"))
			strcpy(v, val);
		else if (!strcmp(key, "PATCHLEVEL"))
			strcpy(p, val);
		else if (!strcmp(key, "SUBLEVEL"))
			strcpy(s, val);
		else if (!strcmp(key, "EXTRAVERSION"))
			strcpy(e, val);
		if (!strcmp(key, "NAME"))
			break;
	}
	fclose(f);
	snprintf(out, size, "%s.%s.%s%s", v, p, s, e);
}

int main(void)
{
	char want[128], version[1024], prefix[256];
	struct utsname uts;

	source_release(want, sizeof(want));
	KT_CHECK(!strncmp(want, "6.1.", 4), "source release %s is not 6.1.x", want);

	kt_boot(64UL << 20);
	KT_OK(nuse_call1(1, NUSE_SYS_uname, &uts));
	KT_CHECK(!strcmp(uts.sysname, "Linux"), "sysname %s", uts.sysname);
	KT_CHECK(!strcmp(uts.release, want), "uname release %s, source %s",
		 uts.release, want);
	KT_CHECK(!strcmp(nuse_kernel_release(), want), "nuse_kernel_release %s",
		 nuse_kernel_release());

	KT_OK(kt_read_file(1, "/proc/version", version, sizeof(version)));
	snprintf(prefix, sizeof(prefix), "Linux version %s ", want);
	KT_CHECK(!strncmp(version, prefix, strlen(prefix)),
		 "/proc/version says: %s", version);

	KT_CHECK(nuse_call0(1, NUSE_SYS_getpid) == 1, "pid 1 is not 1");
	/* The host seeds the random number generator at boot: getrandom()
	 * never waits (there is no other entropy source), and two calls
	 * differ. */
	{
		unsigned char r1[32] = { 0 }, r2[32] = { 0 };

		KT_CHECK(nuse_call3(1, NUSE_SYS_getrandom, r1, sizeof(r1), 0) == sizeof(r1),
			 "getrandom");
		KT_CHECK(nuse_call3(1, NUSE_SYS_getrandom, r2, sizeof(r2), 0) == sizeof(r2),
			 "getrandom");
		KT_CHECK(memcmp(r1, r2, sizeof(r1)), "getrandom gave the same bytes twice");
	}
	kt_halt();
	KT_ERR(nuse_run(), ESHUTDOWN);
	KT_ERR(nuse_call0(1, NUSE_SYS_getpid), ESHUTDOWN);
	KT_CHECK(nuse_halt() == 0, "a second halt is not a no-op");
	printf("booted and halted Linux %s\n", want);
	return 0;
}
