// SPDX-License-Identifier: GPL-2.0
/* sysctl through the kernel's /proc/sys: read, write, read back. */
#include "ktest.h"

static void check_roundtrip(const char *path, const char *value)
{
	char before[256], after[256];

	KT_OK(kt_read_file(1, path, before, sizeof(before)));
	KT_OK(kt_write_file(1, path, value));
	KT_OK(kt_read_file(1, path, after, sizeof(after)));
	KT_CHECK(!strncmp(after, value, strlen(value)) && after[strlen(value)] == '\n',
		 "%s: wrote %s, read back %s", path, value, after);
	printf("%s: %.*s -> %s", path, (int)strcspn(before, "\n"), before, after);
}

int main(void)
{
	char buf[256];

	kt_boot(64UL << 20);
	KT_OK(kt_read_file(1, "/proc/sys/net/ipv4/ip_forward", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "0\n"), "ip_forward starts as %s", buf);
	check_roundtrip("/proc/sys/net/ipv4/ip_forward", "1");
	check_roundtrip("/proc/sys/net/ipv4/ip_forward", "0");
	check_roundtrip("/proc/sys/net/ipv4/tcp_congestion_control", "bbr");
	check_roundtrip("/proc/sys/net/core/somaxconn", "1024");
	/* A bad value is refused with the kernel's error and changes nothing. */
	KT_ERR(kt_write_file(1, "/proc/sys/net/ipv4/tcp_congestion_control",
			     "nosuch"), ENOENT);
	KT_OK(kt_read_file(1, "/proc/sys/net/ipv4/tcp_congestion_control",
			   buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "bbr\n"), "congestion control now %s", buf);
	KT_ERR(kt_read_file(1, "/proc/sys/net/ipv4/no_such_knob", buf,
			    sizeof(buf)), ENOENT);
	kt_halt();
	return 0;
}
