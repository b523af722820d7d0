// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "ktest.h"

/* The suite runs at the CPUs NUSE_TEST_CPUS says (tests/run.sh), 1 if unset. */
unsigned int kt_cpus(void)
{
	const char *v = getenv("NUSE_TEST_CPUS");
	long n = v && *v ? strtol(v, NULL, 10) : 1;

	return n >= 1 && n <= NUSE_CPUS_MAX ? (unsigned int)n : 1;
}

void kt_boot(size_t memory)
{
	int err = nuse_host_boot_cpus(memory, "loglevel=4", NULL, kt_cpus());

	if (err)
		KT_FAIL("boot: %s%s%s", strerror(-err),
			nuse_panic_message() ? ": " : "",
			nuse_panic_message() ? nuse_panic_message() : "");
}

void kt_halt(void)
{
	int err = nuse_host_halt();

	KT_CHECK(err == 0, "halt: %s", strerror(-err));
}

static void kt_done(struct nuse_syscall *call)
{
	struct kt_async *a = call->priv;

	a->done = 1;
}

void kt_submit(struct kt_async *a, int pid, long nr, long a0, long a1,
	       long a2, long a3)
{
	memset(a, 0, sizeof(*a));
	a->call.nr = nr;
	a->call.args[0] = a0;
	a->call.args[1] = a1;
	a->call.args[2] = a2;
	a->call.args[3] = a3;
	a->call.done = kt_done;
	a->call.priv = a;
	KT_OK(nuse_syscall_submit(pid, &a->call));
}

int kt_wait(struct kt_async *a, int timeout_ms)
{
	unsigned long long end = nuse_host_now() + timeout_ms * 1000000ULL;

	while (!a->done && nuse_host_now() < end) {
		int err = nuse_host_step(1000000ULL);

		KT_CHECK(err == 0, "kernel stopped: %s", strerror(-err));
	}
	return a->done;
}

int kt_spawn(int parent, unsigned long flags)
{
	return KT_OK(nuse_call1(parent, NUSE_CALL_SPAWN, flags));
}

void kt_lo_up(int pid)
{
	struct ifreq ifr = { 0 };
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));

	strcpy(ifr.ifr_name, "lo");
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFFLAGS, &ifr));
	KT_OK(nuse_call1(pid, NUSE_SYS_close, fd));
}

long kt_read_file(int pid, const char *path, char *buf, size_t size)
{
	long fd, n, total = 0;

	fd = nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	while ((size_t)total < size - 1) {
		n = nuse_call3(pid, NUSE_SYS_read, fd, buf + total,
			       size - 1 - total);
		if (n <= 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	nuse_call1(pid, NUSE_SYS_close, fd);
	return total;
}

long kt_write_file(int pid, const char *path, const char *text)
{
	long fd, n;

	fd = nuse_call4(pid, NUSE_SYS_openat, AT_FDCWD, path, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	n = nuse_call3(pid, NUSE_SYS_write, fd, text, strlen(text));
	nuse_call1(pid, NUSE_SYS_close, fd);
	return n;
}

void kt_if_addr(int pid, const char *dev, const char *ip, const char *mask)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	long fd = KT_OK(nuse_call3(pid, NUSE_SYS_socket, AF_INET, SOCK_DGRAM, 0));

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	sin->sin_family = AF_INET;
	KT_CHECK(inet_pton(AF_INET, ip, &sin->sin_addr) == 1, "address %s", ip);
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFADDR, &ifr));
	KT_CHECK(inet_pton(AF_INET, mask, &sin->sin_addr) == 1, "netmask %s", mask);
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFNETMASK, &ifr));
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	KT_OK(nuse_call3(pid, NUSE_SYS_ioctl, fd, SIOCSIFFLAGS, &ifr));
	KT_OK(nuse_call1(pid, NUSE_SYS_close, fd));
}

unsigned short kt_ip_csum(const unsigned char *p, int len)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

void kt_wire_init(struct kt_wire *w)
{
	int d, b;

	memset(w, 0, sizeof(*w));
	w->vnic[0] = w->vnic[1] = -1;
	for (d = 0; d < 2; d++)
		for (b = 0; b < 2; b++) {
			w->dir[d].buf[b] = calloc(KT_WIRE_FRAMES, KT_WIRE_MTU);
			KT_CHECK(w->dir[d].buf[b], "out of memory");
		}
}

void kt_wire_free(struct kt_wire *w)
{
	int d, b;

	for (d = 0; d < 2; d++)
		for (b = 0; b < 2; b++)
			free(w->dir[d].buf[b]);
}

void kt_wire_tx(void *priv, int vnic, struct nuse_frame *frames,
		unsigned int n)
{
	struct kt_wire *w = priv;
	struct kt_wire_dir *d;
	unsigned int i, s, k;

	if (!w || w->cut)
		return;
	d = &w->dir[vnic == w->vnic[1]];
	s = d->staging;
	for (i = 0; i < n; i++) {
		k = d->n[s];
		if (k == KT_WIRE_FRAMES || frames[i].len > KT_WIRE_MTU) {
			d->dropped++;
			continue;
		}
		memcpy(d->buf[s][k], frames[i].data, frames[i].len);
		d->frames[s][k].data = d->buf[s][k];
		d->frames[s][k].len = frames[i].len;
		d->n[s]++;
	}
}

/* The buffers pushed last time were consumed by the run that just
 * returned: they become the staging buffers again. */
unsigned int kt_wire_pump(struct kt_wire *w)
{
	unsigned int moved = 0, s;
	int i;

	for (i = 0; i < 2; i++) {
		struct kt_wire_dir *d = &w->dir[i];

		s = d->staging;
		d->n[!s] = 0;
		if (d->n[s]) {
			nuse_vnic_rx(w->vnic[!i], d->frames[s], d->n[s]);
			moved += d->n[s];
		}
		d->staging = !s;
	}
	return moved;
}

int kt_run_wires(struct kt_wire **wires, int nwires, struct kt_async *a,
		 int timeout_ms)
{
	unsigned long long end = nuse_host_now() + timeout_ms * 1000000ULL;
	unsigned int moved;
	int i, err;

	while ((!a || !a->done) && nuse_host_now() < end) {
		err = nuse_run();
		KT_CHECK(err == 0, "kernel stopped: %s", strerror(-err));
		moved = 0;
		for (i = 0; i < nwires; i++)
			moved += kt_wire_pump(wires[i]);
		if (!moved && (!a || !a->done)) {
			unsigned long long d = nuse_next_deadline(), now = nuse_host_now();
			unsigned long long lim = now + 1000000ULL;

			if (d > lim)
				d = lim;
			while (nuse_host_now() < d)
				;
		}
	}
	return a ? a->done : 1;
}

int kt_vnic(int pid, const char *name, const unsigned char mac[6],
	    struct kt_wire *w, int *ifindex)
{
	struct nuse_vnic_config c = { .tx = kt_wire_tx, .priv = w };
	int id;

	snprintf(c.name, sizeof(c.name), "%s", name);
	memcpy(c.mac, mac, 6);
	id = KT_OK(nuse_call1(pid, NUSE_CALL_VNIC_CREATE, &c));
	if (w)
		w->vnic[w->vnic[0] < 0 ? 0 : 1] = id;
	if (ifindex)
		*ifindex = c.ifindex;
	return id;
}
