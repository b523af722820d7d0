// SPDX-License-Identifier: GPL-2.0
/* sysctl through the kernel's /proc/sys: read, write, read back. */
#include <netinet/in.h>
#include <sys/socket.h>

#include "ktest.h"

/* The port an unbound UDP socket of @pid gets from connect(). */
static int udp_ephemeral(int pid)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }, name;
	int len = sizeof(name), port;
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));

	KT_OK(nuse_call3(pid, NUSE_SYS_connect, fd, &to, sizeof(to)));
	KT_OK(nuse_call3(pid, NUSE_SYS_getsockname, fd, &name, &len));
	port = ntohs(name.sin_port);
	KT_OK(nuse_call1(pid, NUSE_SYS_close, fd));
	return port;
}

/* ip_local_reserved_ports: its bitmap is made at the first write (a
 * kernel patch); before, nothing is reserved and the list reads empty. */
static void reserved_ports(void)
{
	int ns = kt_spawn(1, NUSE_SPAWN_NEWNET), i;
	char buf[256];

	kt_lo_up(ns);
	KT_OK(kt_read_file(ns, "/proc/sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "\n"), "reserved ports start as %s", buf);
	KT_OK(kt_write_file(ns, "/proc/sys/net/ipv4/ip_local_port_range", "40000 40001"));
	KT_OK(kt_write_file(ns, "/proc/sys/net/ipv4/ip_local_reserved_ports", "40000,50000-50010"));
	KT_OK(kt_read_file(ns, "/proc/sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "40000,50000-50010\n"), "reserved ports read back as %s", buf);
	for (i = 0; i < 8; i++)
		KT_CHECK(udp_ephemeral(ns) == 40001, "a reserved port was given out");
	/* the other namespaces keep their own (empty) list */
	KT_OK(kt_read_file(1, "/proc/sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "\n"), "init's reserved ports: %s", buf);
	KT_ERR(kt_write_file(ns, "/proc/sys/net/ipv4/ip_local_reserved_ports", "70000"), EINVAL);
	KT_OK(kt_read_file(ns, "/proc/sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "40000,50000-50010\n"), "a refused write changed the list: %s", buf);
	KT_OK(kt_write_file(ns, "/proc/sys/net/ipv4/ip_local_reserved_ports", "\n"));
	KT_OK(kt_read_file(ns, "/proc/sys/net/ipv4/ip_local_reserved_ports", buf, sizeof(buf)));
	KT_CHECK(!strcmp(buf, "\n"), "reserved ports cleared to %s", buf);
	printf("ip_local_reserved_ports: empty, reserved, kept out of the port range, cleared\n");
	KT_OK(nuse_call0(ns, NUSE_CALL_EXIT));
}

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
	reserved_ports();
	kt_halt();
	return 0;
}
