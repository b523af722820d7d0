/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for tests that boot the library kernel in their own process.
 * A failed check prints where and why, and exits non-zero.
 */
#ifndef KTEST_H
#define KTEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nuse_host.h"

#define KT_FAIL(...) do {						\
	fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);		\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	exit(1);							\
} while (0)

#define KT_CHECK(cond, ...) do {					\
	if (!(cond))							\
		KT_FAIL(__VA_ARGS__);					\
} while (0)

/* A call that must succeed; returns its (non-negative) result. */
#define KT_OK(expr) ({							\
	long __r = (expr);						\
	if (__r < 0)							\
		KT_FAIL("%s = %ld (%s)", #expr, __r, strerror(-__r));	\
	__r;								\
})

/* A call that must fail with @err. */
#define KT_ERR(expr, err) do {						\
	long __r = (expr);						\
	if (__r != -(err))						\
		KT_FAIL("%s = %ld, want -%s", #expr, __r, #err);	\
} while (0)

unsigned int kt_cpus(void);
void kt_boot(size_t memory);
void kt_halt(void);

/* A request submitted now and waited for later. */
struct kt_async {
	struct nuse_syscall call;
	int done;
};

void kt_submit(struct kt_async *a, int pid, long nr, long a0, long a1,
	       long a2, long a3);
/* Drive the kernel until @a is done or @timeout_ms passed; 1 if done. */
int kt_wait(struct kt_async *a, int timeout_ms);

/* Spawn a task under @parent (NUSE_SPAWN_* flags); returns its pid. */
int kt_spawn(int parent, unsigned long flags);
/* Bring the loopback device of @pid's network namespace up. */
void kt_lo_up(int pid);
/* Read a kernel file into @buf (NUL-terminated); returns its length. */
long kt_read_file(int pid, const char *path, char *buf, size_t size);
/* Write @text to a kernel file. */
long kt_write_file(int pid, const char *path, const char *text);
/* IPv4 address @ip with netmask @mask on @dev of @pid's namespace, and
 * the device up. */
void kt_if_addr(int pid, const char *dev, const char *ip, const char *mask);
/* The Internet checksum of @len bytes (an IPv4 header's). */
unsigned short kt_ip_csum(const unsigned char *p, int len);

#endif

/*
 * A wire between two vNICs, carried by the test: what one end transmits
 * is received by the other.  Frames are copied into the wire's buffers
 * during a run and handed to the peer between runs.
 */
#define KT_WIRE_FRAMES	512
#define KT_WIRE_MTU	9216

struct kt_wire_dir {
	unsigned char (*buf[2])[KT_WIRE_MTU];	/* staging, in flight */
	struct nuse_frame frames[2][KT_WIRE_FRAMES];
	unsigned int n[2];
	unsigned int staging;
	unsigned long dropped;
};

struct kt_wire {
	int vnic[2];
	struct kt_wire_dir dir[2];	/* dir[i]: frames sent by end i */
	int cut;			/* frames are lost while set */
};

/* The transmit callback to give both ends' nuse_vnic_config (priv: the
 * wire).  A NULL wire in priv means frames fall on the floor. */
void kt_wire_tx(void *priv, int vnic, struct nuse_frame *frames,
		unsigned int n);
void kt_wire_init(struct kt_wire *w);
void kt_wire_free(struct kt_wire *w);
/* Hand staged frames to the peers; returns how many moved. */
unsigned int kt_wire_pump(struct kt_wire *w);

/* Run the kernel and pump @wires until @a is done (a may be NULL: run for
 * @timeout_ms); returns 1 if done. */
int kt_run_wires(struct kt_wire **wires, int nwires, struct kt_async *a,
		 int timeout_ms);

/* A vNIC in the namespace of task @pid; returns its id, *ifindex set. */
int kt_vnic(int pid, const char *name, const unsigned char mac[6],
	    struct kt_wire *w, int *ifindex);
