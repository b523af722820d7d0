// SPDX-License-Identifier: GPL-2.0
/*
 * nuse-appliance: Linux network stacks for many tenants, inside one
 * process, on one DPDK port.
 */
#define _GNU_SOURCE		/* sched_getaffinity, CPU_COUNT */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <ev.h>
#include <systemd/sd-daemon.h>

#include "api/api.h"
#include "iptables/iptables.h"
#include "conf/conf.h"
#include "ctl/ctl.h"
#include "dataplane/dp.h"
#include "launcher/launcher.h"
#include "log/log.h"
#include "main/restore.h"
#include "privs/privs.h"
#include "rpc/rpc.h"
#include "conf/state.h"
#include "tenant/klog.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nuse-appliance --config FILE [--check]\n"
		"       nuse-appliance exec [--socket PATH] TENANT -- CMD [ARGS...]\n"
		"       nuse-appliance capture [--socket PATH] [-c COUNT] TENANT IF [FILTER...]\n"
		"       nuse-appliance --version | --help\n"
		"\n"
		"  -c, --config FILE   the appliance's configuration (JSON)\n"
		"  -n, --check         check the configuration, print it in canonical\n"
		"                      form and exit: 0 if it is valid\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this and exit\n");
}

/* A second signal: out at once, nothing cleaned up.  exit_group itself,
 * not _exit: ThreadSanitizer's _exit runs its checks, and a dataplane
 * thread that ended a moment before, not joined yet, is no leak here. */
static void exit_now(int sig)
{
	syscall(SYS_exit_group, 128 + sig);
}

/* How long requests already with the kernel may take to be answered once
 * a stop was asked for. */
#define STOP_GRACE_S	5.0

/*
 * How many of the dataplane's workers (the kernel's CPUs 0..n-1) serve the
 * programs' shared channels.  "auto": all of them when the host has two
 * cores for each, else CPU 0 alone: a program served by a CPU needs a core
 * beside that CPU's worker, and without one spreading loses (measured on 2
 * cores with 2 workers, bench-tools: nginx with 2 workers 29-35k req/s on
 * CPU 0 alone, 15-18k spread; two programs' calls 420-570k/s against
 * 150-590k/s).
 */
static unsigned int serve_cpus(const struct config *c)
{
	unsigned int workers = dp_workers();
	cpu_set_t set;
	int host = 1;

	if (c->rpc_serve_cpus)
		return c->rpc_serve_cpus < workers ? c->rpc_serve_cpus : workers;
	if (!sched_getaffinity(0, sizeof(set), &set))
		host = CPU_COUNT(&set);
	return (unsigned int)host >= 2 * workers ? workers : 1;
}

/*
 * net_tap has the kernel signal its queues' readiness with a real-time
 * signal (F_SETSIG).  When the process's queue of pending signals is full
 * (RLIMIT_SIGPENDING: a flood while the thread that takes them is busy)
 * the kernel sends SIGIO instead, and SIGIO's default ends the process
 * (test-tapsignal).  Nothing here wants that: a SIGIO no one handles is
 * ignored.  (A readiness lost so is the next frame's to tell.)
 */
static void ignore_sigio(void)
{
	struct sigaction sa;

	if (!sigaction(SIGIO, NULL, &sa) && !(sa.sa_flags & SA_SIGINFO) &&
	    sa.sa_handler == SIG_DFL)
		signal(SIGIO, SIG_IGN);
}

static int stopping, exit_code;
static struct ev_loop *loop;
static ev_async panicked;
static ev_timer grace;

static void stop_now(void)
{
	ev_break(loop, EVBREAK_ALL);
}

static void on_grace(struct ev_loop *l, ev_timer *w, int revents)
{
	log_err("stopping: %d request(s) still unanswered after %.0f s: exiting", api_inflight(),
		STOP_GRACE_S);
	_exit(1);
}

/* Answer what is in flight, refuse what is new (503), then stop. */
static void on_signal(struct ev_loop *l, ev_signal *w, int revents)
{
	if (stopping)
		_exit(128 + w->signum);
	stopping = 1;
	log_info("signal %d: stopping (a second one exits at once)", w->signum);
	sd_notify(0, "STOPPING=1");
	if (dp_panicked())
		_exit(DP_EXIT_PANIC);
	api_set_phase(API_STOPPING);
	ev_timer_init(&grace, on_grace, STOP_GRACE_S, 0);
	ev_timer_start(loop, &grace);
	if (api_inflight())
		api_on_idle(stop_now);
	else
		stop_now();
}

/* The kernel panicked (logged by the dataplane): refuse everything, let
 * the answers already made go out, and exit. */
static void on_panic_stop(struct ev_loop *l, ev_timer *w, int revents)
{
	_exit(DP_EXIT_PANIC);
}

static void on_panicked(struct ev_loop *l, ev_async *w, int revents)
{
	static ev_timer t;

	api_set_phase(API_FAILED);
	log_err("control: refusing every request; exiting with status %d", DP_EXIT_PANIC);
	ev_now_update(loop);
	ev_timer_init(&t, on_panic_stop, 0.1, 0);
	ev_timer_start(loop, &t);
}

static void dp_panic_news(void)
{
	ev_async_send(loop, &panicked);
}

static void on_restored(int status)
{
	if (status < 0) {
		log_err("start-up failed: the state file is left as it was");
		exit_code = 1;
		stop_now();
		return;
	}
	if (status > 0)
		return;		/* stopping */
	api_set_phase(API_RUNNING);
	log_info("nuse-appliance %s running with %d tenant(s)", PACKAGE_VERSION,
		 state_count());
	/* Under systemd (Type=notify): ready now, with every tenant up. */
	sd_notifyf(0, "READY=1\nSTATUS=running with %d tenant(s)", state_count());
}

/* The tenants to bring up: the state's, then the config's it lacks. */
static struct tenant_spec *startup_tenants(const struct config *c, struct tenant_spec *saved,
					   int nsaved, int *n)
{
	struct tenant_spec *all = calloc(nsaved + c->ntenants + 1, sizeof(*all));
	int i, j;

	if (!all)
		return NULL;
	if (nsaved)
		memcpy(all, saved, nsaved * sizeof(*all));
	*n = nsaved;
	for (i = 0; i < c->ntenants; i++) {
		for (j = 0; j < nsaved; j++)
			if (!strcmp(saved[j].name, c->tenants[i].name))
				break;
		if (j == nsaved)
			all[(*n)++] = c->tenants[i];
	}
	return all;
}

static void log_stats(void)
{
	struct dp_stats s;

	dp_get_stats(&s);
	log_info("port: rx %llu tx %llu missed %llu errors %llu/%llu nombuf %llu",
		 s.port_ipackets, s.port_opackets, s.port_imissed, s.port_ierrors,
		 s.port_oerrors, s.port_rx_nombuf);
	log_info("dataplane: rx %llu (unknown %llu, malformed %llu), tx %llu "
		 "(dropped %llu, finished by the kernel %llu), hairpin %llu, floods dropped "
		 "%llu, multicast filtered %llu", s.rx_frames, s.rx_unknown, s.rx_malformed,
		 s.tx_frames, s.tx_dropped, s.tx_software, s.hairpin, s.flood_dropped,
		 s.flood_filtered);
	if (s.rx_unknown)
		log_info("dataplane: last unknown destination %02x:%02x:%02x:%02x:%02x:%02x "
			 "on VLAN %d", s.unknown_mac[0], s.unknown_mac[1], s.unknown_mac[2],
			 s.unknown_mac[3], s.unknown_mac[4], s.unknown_mac[5], s.unknown_vlan);
}

/*
 * The boot order, and the way down in reverse: a step that fails goes to
 * the label that undoes the one before it, and a stop goes down the same
 * labels from the top.  Every step logs its own failure.
 */
static int run(const struct config *c, const char *argv0)
{
	struct tenant_spec *saved = NULL, *all = NULL;
	int nsaved = 0, nall = 0, ran = 0, err, i;
	unsigned int n;
	ev_signal term, intr;
	char msg[1024];
	uid_t uid;
	gid_t gid;

	loop = ev_default_loop(0);
	/* A job's pipe that closes early is an error to handle, not our end. */
	signal(SIGPIPE, SIG_IGN);
	/* The launcher forks while we are one thread and still root. */
	err = privs_lookup(c->user, &uid, &gid);
	if (err)
		return 1;
	err = launcher_start(c);
	if (err)
		return 1;
	err = state_open(c->state_dir, uid, gid);
	if (err)
		goto out_launcher;
	err = state_load(&saved, &nsaved, msg, sizeof(msg));
	if (err) {
		log_err("state: %s; not starting: the file is left as it is: repair it or "
			"move it away to start from the config alone", msg);
		goto out_state;
	}
	all = startup_tenants(c, saved, nsaved, &nall);
	if (!all) {
		err = -ENOMEM;
		log_err("start-up: out of memory");
		goto out_saved;
	}
	err = dp_init(c, argv0);
	if (err)
		goto out_saved;
	ignore_sigio();
	ev_async_init(&panicked, on_panicked);
	ev_async_start(loop, &panicked);
	dp_on_panic(dp_panic_news);
	dp_serve(rpc_kernel_poll, rpc_kernel_idle);
	n = serve_cpus(c);
	if (rpc_kernel_serve(n, dp_bell, dp_wake_cpu))
		log_warn("rpc: out of memory: kernel CPU 0 serves every program's channel");
	else if (n > 1)
		log_info("rpc: the programs' shared channels are served on kernel CPUs 0-%u", n - 1);
	else if (dp_workers() > 1)
		log_info("rpc: the programs' shared channels are served on kernel CPU 0 alone%s",
			 c->rpc_serve_cpus ? "" : " (rpc.serve_cpus auto: fewer than 2 host cores per worker)");
	err = ctl_init(loop, dp_wake);
	if (err) {
		log_err("control: cannot start: %s", strerror(-err));
		goto out_dp_fini;
	}
	err = dp_start(c);
	if (err)
		goto out_ctl;
	err = api_init(loop, c);
	if (err)
		goto out_dp_stop;
	err = rpc_init(loop, c, dp_wake);
	if (err)
		goto out_api;
	err = ipt_start(loop, c);
	if (err)
		goto out_rpc;
	err = privs_drop(uid, gid);
	if (err)
		goto out_ipt;
	ev_signal_init(&term, on_signal, SIGTERM);
	ev_signal_init(&intr, on_signal, SIGINT);
	ev_signal_start(loop, &term);
	ev_signal_start(loop, &intr);
	log_info("restoring %d tenant(s) from the state, %d from the config", nsaved,
		 nall - nsaved);
	restore_start(all, nall, nsaved, on_restored);
	ev_run(loop, 0);
	/* A stop: the same way down as a failed start. */
	signal(SIGTERM, exit_now);
	signal(SIGINT, exit_now);
	ran = 1;

out_ipt:
	ipt_fini();
out_rpc:
	rpc_fini();
out_api:
	api_fini();
out_dp_stop:
	dp_stop();
	if (ran)
		log_stats();
out_ctl:
	ctl_fini();
out_dp_fini:
	ev_async_stop(loop, &panicked);
	dp_fini();
out_saved:
	for (i = 0; i < nsaved; i++)
		tenant_spec_free(&saved[i]);
	free(saved);
	free(all);
out_state:
	state_close();
out_launcher:
	launcher_stop();
	if (!ran)
		return 1;
	log_info("stopped");
	return exit_code;
}

/* A tenant's kernel line, in the daemon's log. */
static void klog_say(const char *tenant, const char *text, unsigned long len, unsigned int held)
{
	if (held)
		log_warn("tenant %s: %u kernel log line(s) held back (GET /tenants/%s/log has them)",
			 tenant, held, tenant);
	log_warn("tenant %s: kernel: %.*s", tenant, (int)len, text);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct config c;
	char err[1024];
	int opt, check = 0, ret;

	if (argc > 1 && !strcmp(argv[1], "exec"))
		return rpc_exec_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "capture"))
		return rpc_capture_main(argc - 1, argv + 1);
	while ((opt = getopt_long(argc, argv, "c:nVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'V': printf("nuse-appliance %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (config_load(path, &c, err, sizeof(err))) {
		fprintf(stderr, "nuse-appliance: %s\n", err);
		return 1;
	}
	if (check) {
		char *dump = config_dump(&c);

		config_free(&c);
		if (!dump) {
			fprintf(stderr, "nuse-appliance: %s: out of memory\n", path);
			return 1;
		}
		printf("%s\n", dump);
		free(dump);
		return 0;
	}
	log_set_level(c.log_level);
	log_kernel_route(klog_line);	/* a tenant's lines to its own log */
	klog_say_to(klog_say);
	ret = run(&c, argv[0]);
	config_free(&c);
	return ret;
}
