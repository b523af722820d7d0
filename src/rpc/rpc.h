/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tool RPC server (protocol in nrpc.h): a unix socket on the control
 * loop; each connected program is one kernel task in its tenant's
 * namespace with its own file table, whose calls run asynchronously in
 * the library kernel.  Only root, or members of the configured group,
 * may connect.
 */
#ifndef RPC_H
#define RPC_H

#include <ev.h>
#include "conf/conf.h"
#include "rpc/jobpolicy.h"	/* RPC_JOB_* */

/* Bind the socket (as root, before the privilege drop).  Calls submitted
 * to the kernel are announced with @wake_kernel (any thread: it wakes the
 * kernel's CPU).  0, or -errno with a message logged; nothing is left
 * behind then. */
int rpc_init(struct ev_loop *loop, const struct config *c, void (*wake_kernel)(void));
/*
 * The kernel's serving CPUs (0 .. n-1, one dataplane worker each) serve
 * the programs' shared channels between their runs, each the channels
 * homed on it (a new channel goes to the CPU with the fewest): on CPU
 * @cpu's own thread, rpc_kernel_poll(cpu) takes what they wrote and
 * returns how many calls went to the kernel (run it); before it sleeps,
 * rpc_kernel_idle(cpu, 1) tells the programs to ring, and returns nonzero
 * if a call came meanwhile (do not sleep); rpc_kernel_idle(cpu, 0) once
 * it is awake again.
 */
int rpc_kernel_poll(unsigned int cpu);
int rpc_kernel_idle(unsigned int cpu, int sleeping);
/* Once, before rpc_init(): @n serving CPUs; how a CPU sleeps on a
 * channel's doorbell (an eventfd the program writes): @bell(cpu, fd, 1)
 * watches it (edge-triggered: never read), @bell(cpu, fd, 0) no longer,
 * 0 or -errno (unset, channels have none); @wake(cpu) wakes a CPU that
 * sleeps (unset: rpc_init()'s @wake_kernel).  0, or -ENOMEM (then one
 * CPU serves them all). */
int rpc_kernel_serve(unsigned int n, int (*bell)(unsigned int cpu, int fd, int on),
		     void (*wake)(unsigned int cpu));
/* /metrics: how many channels CPU @cpu is home to and the calls it took. */
unsigned int rpc_kernel_cpus(void);
void rpc_kernel_cpu_stats(unsigned int cpu, unsigned int *channels, unsigned long long *taken);
/* Close every program's session (its tenant sockets close) and the socket. */
void rpc_fini(void);

/* `nuse-appliance exec [--socket PATH] TENANT -- CMD [ARGS...]`: run CMD
 * with the preload library against TENANT; returns only on failure. */
int rpc_exec_main(int argc, char **argv);
/* nuse-appliance capture: tcpdump in a tenant through exec, pcap to stdout. */
int rpc_capture_main(int argc, char **argv);

/* The preload library: beside our own binary (the build tree), then
 * where it is installed.  0, or -ENOENT with a message on stderr. */
int rpc_find_library(char *out, size_t size);

/* The xtables lock file every iptables run against the appliance shares
 * (XTABLES_LOCKFILE), beside its socket @sock: the API's and exec's runs
 * exclude each other.  0, or -ENAMETOOLONG. */
int rpc_lock_path(const char *sock, char *out, size_t size);

/* The appliance's own door: a session on @fd, one end of a socket pair
 * whose other end a child of ours holds (NUSE_SOCKET_FD), trusted without
 * the peer check, but only for tenant @tenant and only for what a job of
 * @kind (RPC_JOB_XTABLES, RPC_JOB_NFT) does (jobpolicy.c).  0, or -errno
 * (@fd is then closed). */
int rpc_adopt(int fd, const char *tenant, int kind);

#endif
