// SPDX-License-Identifier: GPL-2.0
/*
 * The dataplane; see dp.h.  Each worker is one kernel CPU's host thread:
 * worker 0 is the dataplane thread (CPU 0, which also runs the control
 * requests), worker w the thread of CPU w.  Worker w owns rx and tx
 * queue w of the port (or, on a port with one rx queue, gets its frames
 * from worker 0 over a ring, spread by flow hash), hands what it
 * receives to queue w of each vNIC (served by CPU w), and sends what the
 * vNICs' tx queue w gave it.  One flow stays on one worker, queue and
 * CPU, so its frames stay in order.
 */
#define _GNU_SOURCE		/* pthread_timedjoin_np */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "ctl/ctl.h"
#include "dp.h"
#include "dp_int.h"
#include "demux.h"
#include "log/log.h"
#include "nuse_host.h"
#include "tenant/admit.h"
#include "tenant/tenant.h"

static struct {
	pthread_t thread;
	atomic_int stop;

	/* startup handshake with the main thread */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int ready;			/* 1 running, -errno failed */

	atomic_int gone, panicked;
	atomic_int down;		/* out of its loop: taking the tenants and the kernel down */
	void (*on_panic)(void);
} dp = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* --- the loop --- */

/*
 * Fault injection for tests: with NUSE_TEST_PANIC_FILE set in the
 * environment at start-up, the kernel is made to panic (init is ended,
 * as only the host can) once that file exists.  It is how the tests see
 * what a real panic does to the appliance.
 */
static const char *panic_file;

static void panic_done(struct nuse_syscall *call)
{
}

static void maybe_inject_panic(unsigned long long now)
{
	static struct nuse_syscall kill_init = { .nr = NUSE_CALL_EXIT, .done = panic_done };
	static unsigned long long last;

	if (!panic_file || now - last < 50000000ULL)
		return;
	last = now;
	if (access(panic_file, F_OK) == 0) {
		log_warn("kernel: %s exists: ending init to make the kernel panic", panic_file);
		panic_file = NULL;
		nuse_syscall_submit(1, &kill_init);
	}
}

/* Worker 0, the dataplane thread: CPU 0, and the control requests. */
static void dp_loop(void)
{
	struct worker *w = &dpw.w[0];
	unsigned int n;
	int served;

	while (!dp.stop) {
		unsigned long long t0 = nuse_host_now();

		__atomic_store_n(&w->heartbeat, t0, __ATOMIC_RELAXED);
		maybe_inject_panic(t0);
		ctl_run_pending();
		served = dpw.serve_poll ? dpw.serve_poll(0) : 0;
		n = worker_rx(w);
		if (n || served || w->ninflight || worker_has_work(w) ||
		    t0 >= nuse_next_deadline() || w->idle < SPIN_LOOPS) {
			if (nuse_run())
				break;
		}
		worker_after_run(w);
		if (n || w->ninflight) {
			w->idle = 0;
			w->last_traffic = t0;
			continue;
		}
		if (served) {
			w->idle = 0;	/* a program is making calls: it may make more */
			continue;
		}
		if (++w->idle < SPIN_LOOPS)
			continue;
		/* programs ring from now on; one that wrote before it knew is
		 * seen here */
		if (dpw.serve_idle && dpw.serve_idle(0, 1)) {
			w->idle = 0;
			continue;
		}
		if (worker_sleep(w, nuse_host_now(), nuse_next_deadline(), w->last_traffic))
			w->idle = 0;	/* run the kernel: work was handed to it */
		if (dpw.serve_idle)
			dpw.serve_idle(0, 0);
	}
	for (n = 0; n < w->nrx; n++)
		rte_pktmbuf_free(w->rx[n]);
	w->nrx = 0;
}

/* --- the thread --- */

static void dp_attach(void *priv, int vnic, const unsigned char mac[6], int vlan)
{
	int err;

	demux_write_lock();
	err = workers_share_reserve(vnic);
	if (!err)
		err = demux_add(vnic, mac, vlan);
	demux_write_unlock();
	if (err)
		log_warn("dataplane: cannot route frames to vNIC %d", vnic);
}

/* Once it is out of the demux, no tx callback names @vnic as a frame's
 * peer.  One that did just before hands the frame over in the same RCU
 * section of the kernel's transmit path, which the vNIC's destruction
 * waits for before its id can be given to another tenant's vNIC. */
static void dp_detach(void *priv, int vnic)
{
	demux_write_lock();
	demux_del(vnic);
	demux_write_unlock();
}

static int dp_boot(const struct config *c)
{
	struct tenant_io io = { .tx_queue = dp_tx, .queues = dpw.n,
				.vnic_flags = c->offloads ? NUSE_VNIC_OFFLOADS : 0,
				.attach = dp_attach, .detach = dp_detach };
	unsigned int i;
	int err;

	for (i = 1; i < dpw.n; i++)
		nuse_host_set_cpu_hook(i, worker_hook, &dpw.w[i]);
	err = nuse_host_boot_cpus(c->kernel_memory, "loglevel=4 rcupdate.rcu_expedited=1",
				  log_kernel, c->kernel_cpus);
	if (err) {
		log_err("kernel: boot failed: %s%s%s", strerror(-err),
			nuse_panic_message() ? ": " : "",
			nuse_panic_message() ? nuse_panic_message() : "");
		return err;
	}
	log_info("kernel: Linux %s up with %u CPU%s and %zu MiB, %zu KiB of it kept in reserve",
		 nuse_kernel_release(), nuse_cpu_count(), nuse_cpu_count() > 1 ? "s" : "",
		 c->kernel_memory >> 20, c->kernel_reserve >> 10);
	worker_start(&dpw.w[0]);
	if (c->kernel_cpus > 1 && dpw.w[0].kick_fd < 0) {
		log_err("kernel: cannot watch CPU 0's wake-ups");
		nuse_host_halt();
		return -EBADF;
	}
	if (dpw.n > 1)
		log_info("dataplane: %u workers, on kernel CPUs 0-%u", dpw.n,
			 dpw.n - 1);
	err = tenant_init(&io);
	if (err)
		log_warn("kernel: the shared neighbour limits were not raised: %s", strerror(-err));
	admit_init(c->kernel_reserve);
	return 0;
}

/* Every vNIC's counters, as the kernel counted them. */
static void log_vnic_stats(void)
{
	struct nuse_vnic_stats st;
	struct tenant *t = NULL;
	int i;

	while ((t = tenant_next(t))) {
		for (i = 0; i < tenant_nvnics(t); i++) {
			const struct tenant_vnic_spec *v = tenant_vnic_spec(t, i);

			if (nuse_vnic_stats(tenant_vnic_id(t, v->name), &st))
				continue;
			log_info("vnic %s/%s: rx %llu (%llu bytes, %llu dropped), "
				 "tx %llu (%llu bytes, %llu dropped)", tenant_name(t),
				 v->name, st.rx_packets, st.rx_bytes, st.rx_dropped,
				 st.tx_packets, st.tx_bytes, st.tx_dropped);
		}
	}
}

/*
 * The kernel panicked: nothing in it can be trusted or reached again.  Say
 * what panic() said, answer every control request from now on with
 * -EHOSTDOWN, tell the control thread, and make sure the process is gone
 * within a second even if the control thread never gets to it: a
 * supervisor restarts it from the state file.
 */
static void dp_died(void)
{
	log_err("kernel: panic: %s", nuse_panic_message());
	log_err("kernel: the appliance cannot go on: exiting");
	dp.panicked = 1;
	ctl_fail_all(-EHOSTDOWN);
	if (dp.on_panic)
		dp.on_panic();
	dp.gone = 1;
	/* The control thread exits first, once its answers are out; this is
	 * in case it cannot. */
	usleep(800000);
	log_err("kernel: the control thread has not exited: exiting from the dataplane");
	_exit(DP_EXIT_PANIC);
}

static void dp_ready(int how)
{
	pthread_mutex_lock(&dp.lock);
	dp.ready = how;
	pthread_cond_signal(&dp.cond);
	pthread_mutex_unlock(&dp.lock);
}

static void *dp_main(void *arg)
{
	const struct config *c = arg;
	sigset_t all;
	int err;

	/* No host signal may run on a kernel stack: this thread takes none
	 * (nor do the CPU threads it starts).  (net_tap's SIGIO, which tells
	 * its rx burst to look, goes to the main thread.) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	err = dp_boot(c);
	if (err) {
		dp.gone = 1;
		dp_ready(err);
		return NULL;
	}
	panic_file = getenv("NUSE_TEST_PANIC_FILE");
	dp_ready(1);
	dp_loop();
	if (nuse_panic_message()) {
		dp_died();
		return NULL;
	}
	dp.down = 1;
	log_vnic_stats();
	tenant_fini(1);
	if (nuse_host_halt())
		log_warn("kernel: halt failed");
	else
		log_info("kernel: halted");
	workers_drain();
	dp.gone = 1;
	return NULL;
}

int dp_init(const struct config *c, const char *argv0)
{
	int err;

	dpw.n = c->dp_cores;
	err = port_open(c, argv0, dpw.n);
	if (err)
		return err;
	if (dpw.n > 1 && (unsigned int)CPU_COUNT(&dp_port.cpus) < dpw.n)
		log_warn("dataplane: %u workers on %d CPUs: some share a core, and each one "
			 "that waits for another's turn holds its queue up", dpw.n,
			 CPU_COUNT(&dp_port.cpus));
	err = workers_alloc();
	if (err) {
		port_close();
		rte_eal_cleanup();
	}
	return err;
}

int dp_start(const struct config *c)
{
	int ready;

	ready = pthread_create(&dp.thread, NULL, dp_main, (void *)c);
	if (ready) {
		log_err("dataplane: cannot start its thread: %s", strerror(ready));
		return -ready;
	}
	pthread_mutex_lock(&dp.lock);
	while (!dp.ready)
		pthread_cond_wait(&dp.cond, &dp.lock);
	ready = dp.ready;
	pthread_mutex_unlock(&dp.lock);
	if (ready < 0) {
		pthread_join(dp.thread, NULL);
		return ready;
	}
	return 0;
}

void dp_wake(void)
{
	uint64_t one = 1;

	(void)!write(dpw.wake_fd, &one, sizeof(one));
}

/* A dataplane thread stuck in the kernel never comes back to look at
 * dp.stop: the process must end anyway.  One that did and is taking the
 * tenants down (their namespaces' teardown waits for RCU, which a loaded
 * host makes slow: up to 8 s measured under ASan beside four busy loops
 * on this 2-core VM) is making progress: it gets longer. */
#define STOP_TIMEOUT_S		5
#define TEARDOWN_TIMEOUT_S	60

void dp_stop(void)
{
	struct timespec ts;

	dp.stop = 1;
	dp_wake();
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STOP_TIMEOUT_S;
	if (!pthread_timedjoin_np(dp.thread, NULL, &ts))
		return;
	if (dp.down) {
		log_info("dataplane: still taking the tenants down after %d s", STOP_TIMEOUT_S);
		ts.tv_sec += TEARDOWN_TIMEOUT_S - STOP_TIMEOUT_S;
		if (!pthread_timedjoin_np(dp.thread, NULL, &ts))
			return;
	}
	log_err("dataplane: not stopped after %d s (%s): exiting",
		dp.down ? TEARDOWN_TIMEOUT_S : STOP_TIMEOUT_S,
		dp.down ? "taking the tenants down" : "stuck in the kernel");
	_exit(1);
}

/* The way down of dp_init(), and what the thread left. */
void dp_fini(void)
{
	workers_free();
	port_close();
	demux_fini();
	rte_eal_cleanup();
}

unsigned long long dp_heartbeat_age(unsigned int *worker)
{
	unsigned long long now = nuse_host_now(), oldest = ~0ULL, then;
	unsigned int i;

	if (dp.gone || !dpw.w)
		return ~0ULL;
	for (i = 0; i < dpw.n; i++) {
		then = __atomic_load_n(&dpw.w[i].heartbeat, __ATOMIC_RELAXED);
		if (!then)
			return ~0ULL;	/* not started, or gone */
		if (then < oldest) {
			oldest = then;
			if (worker)
				*worker = i;
		}
	}
	return now > oldest ? now - oldest : 0;
}

int dp_panicked(void)
{
	return dp.panicked;
}

void dp_on_panic(void (*fn)(void))
{
	dp.on_panic = fn;
}

void dp_serve(int (*poll)(unsigned int cpu), int (*idle)(unsigned int cpu, int sleeping))
{
	dpw.serve_poll = poll;
	dpw.serve_idle = idle;
}

void dp_wake_cpu(unsigned int cpu)
{
	uint64_t one = 1;

	if (!cpu || !dpw.w || cpu >= dpw.n)
		dp_wake();
	else
		(void)!write(dpw.w[cpu].wake_fd, &one, sizeof(one));
}

int dp_bell(unsigned int cpu, int fd, int on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = DP_BELL_FD };

	if (!dpw.w || cpu >= dpw.n || dpw.w[cpu].epoll_fd < 0)
		return -ENODEV;
	return epoll_ctl(dpw.w[cpu].epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev) ? -errno : 0;
}

/* --- statistics (dp_stats.c renders them) --- */
