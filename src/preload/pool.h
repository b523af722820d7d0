/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pool of connections (conn.c), and what fork() and the descriptor
 * calls that could close them (fork.c) need of it.
 */
#ifndef PL_POOL_H
#define PL_POOL_H

#include <pthread.h>
#include <stdint.h>

#include "conn.h"

/* Connections, so sessions, per process: threads blocked at once. */
#define PL_CONNS_MAX	32

struct pl_pool {
	pthread_mutex_t lock;	/* a leaf: held only to pick or set */
	pthread_cond_t idle;	/* a connection went idle, or a session was made */
	struct pl_conn *c[PL_CONNS_MAX];	/* c[0] is made at load */
	int n;
	int nogrow;		/* one more could not be made: share these */
	int making;		/* a connection is making the program's session */
	unsigned int gen;	/* bumped when that session is lost */
	uint64_t files;		/* its id: threads and forks name it; 0: none */
	int forkpipe[2];	/* the child says "HELLO answered" on it */
	int no_shm;		/* NUSE_RPC_SHM=0: calls on the socket */
	char tenant[NRPC_TENANT_MAX + 1];	/* NUSE_TENANT; "" if too long */
	char path[108];		/* NUSE_SOCKET (sun_path); "" if too long */
};
extern struct pl_pool pl_pool;

int pl_conn_connect(int quiet);
int pl_conn_hello(uint64_t fork_of, uint32_t flags);
/* Was a connection lost in this thread's call since the last ask? */
int pl_lost_take(void);

#endif
