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

/* Bind the socket (as root, before the privilege drop).  Calls submitted
 * to the kernel are announced with @wake_kernel (any thread: it wakes the
 * kernel's CPU).  0, or -errno with a message logged; nothing is left
 * behind then. */
int rpc_init(struct ev_loop *loop, const struct config *c, void (*wake_kernel)(void));
/*
 * The kernel's CPU 0 serves the programs' shared channels between its
 * runs (dataplane thread only): rpc_kernel_poll() takes what they wrote
 * and returns how many calls went to the kernel (run it); before it
 * sleeps, rpc_kernel_idle(1) tells the programs to ring, and returns
 * nonzero if a call came meanwhile (do not sleep); rpc_kernel_idle(0)
 * once it is awake again.
 */
int rpc_kernel_poll(void);
int rpc_kernel_idle(int sleeping);
/* How the kernel's CPU sleeps on a channel's doorbell (an eventfd the
 * program writes): @bell(fd, 1) watches it (edge-triggered: never read),
 * @bell(fd, 0) no longer; 0 or -errno.  Unset, channels have none. */
void rpc_kernel_bell(int (*bell)(int fd, int on));
/* Close every program's session (its tenant sockets close) and the socket. */
void rpc_fini(void);

/* `nuse-appliance exec [--socket PATH] TENANT -- CMD [ARGS...]`: run CMD
 * with the preload library against TENANT; returns only on failure. */
int rpc_exec_main(int argc, char **argv);

/* The preload library: beside our own binary (the build tree), then
 * where it is installed.  0, or -ENOENT with a message on stderr. */
int rpc_find_library(char *out, size_t size);

/* The xtables lock file every iptables run against the appliance shares
 * (XTABLES_LOCKFILE), beside its socket @sock: the API's and exec's runs
 * exclude each other.  0, or -ENAMETOOLONG. */
int rpc_lock_path(const char *sock, char *out, size_t size);

/* The appliance's own door: a session on @fd, one end of a socket pair
 * whose other end a child of ours holds (NUSE_SOCKET_FD), trusted without
 * the peer check, but only for tenant @tenant and only for what an
 * iptables job does (jobpolicy.c).  0, or -errno (@fd is then closed). */
int rpc_adopt(int fd, const char *tenant);

#endif
