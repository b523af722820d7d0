#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-api: the HTTP API of the real daemon, at 1000 tenants.
#  - POST /tenants and DELETE /tenants/NAME latency, one at a time over a
#    keep-alive connection (p50, p99, max)
#  - 1000 tenants created over the API end to end (wall time, tenants/s)
#  - with the 1000 in place: GET /tenants/NAME under wrk (64 connections),
#    side by side in this run with GET /healthz of the same daemon (the
#    same HTTP path with no kernel work) and a python3 http.server serving
#    the same body from memory; /metrics scrape time; the state file's size;
#    the time a restart takes to restore the 1000 tenants
# Needs root and wrk.  Prints numbers; never fails on them.
# BENCH_TENANTS, BENCH_CYCLE, BENCH_SECS change the sizes; BENCH_VLANS=1
# puts each tenant on a VLAN of its own (by default all share the untagged
# segment, so each tenant's IPv6 multicast is flooded to all the others).
[ "$(id -u)" = 0 ] || { echo "bench-api: needs root"; exit 77; }
command -v wrk >/dev/null || { echo "bench-api: no wrk (Debian package wrk)"; exit 77; }
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/../tests/e2e/lib.sh"
die() { echo "bench-api: $*"; [ -f "$WORK/daemon.log" ] && tail -5 "$WORK/daemon.log"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
N=${BENCH_TENANTS:-1000}	# tenants for the load, the scrape and the restart
CYCLE=${BENCH_CYCLE:-1000}	# POSTs (then DELETEs) timed one by one
SECS=${BENCH_SECS:-10}		# each wrk run
TAP=na$ID

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
api() { python3 "$HERE/apibench.py" $PORT "$@"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# kernel memory for the tenants: 512 MiB, and 400 KiB for each past 1000
KMEM=$(( N > 1000 ? 512 + (N - 1000) * 400 / 1024 : 512 ))M
cat > "$WORK/api.json" <<JSON
{
  "dpdk": {"args": ["--no-huge", "-m", "256", "--no-pci", "-l", "0", "--log-level", "lib.eal:error"],
	   "port": "net_tap$ID,iface=$TAP", "mbufs": 4095},
  "kernel": {"memory": "$KMEM"},
  "api": {"listen": "127.0.0.1:$PORT"},
  "state_dir": "$WORK/state",
  "log_level": "info",
  "tenants": []
}
JSON

# start LOG: the daemon in the background; DAEMON_T0 is when it started
start() {
	DAEMON_T0=$(date +%s%N)
	"$DAEMON" --config "$WORK/api.json" > "$1" 2>&1 &
	DAEMON_PID=$!
	undo "kill -9 $DAEMON_PID"
	undo "ip link del $TAP"
}

# running LOG N: wait (up to 150 s) for "running with N tenant(s)"
running() {
	local i
	for i in $(seq 7500); do
		grep -q "running with $2 tenant(s)" "$1" && return 0
		kill -0 $DAEMON_PID 2>/dev/null || { tail -5 "$1"; die "daemon exited at start"; }
		sleep 0.02
	done
	tail -5 "$1"
	die "no \"running with $2 tenant(s)\" after 150 s"
}

# load NAME URL [BENCH_COUNT]: wrk -c 64 -t 2; sets RPS P50 P99 MAX REQS NON2XX SOCKERR
load() {
	local out
	out=$(BENCH_PREFIX=t BENCH_COUNT=${3:-0} wrk -c 64 -t 2 -d ${SECS}s --timeout 5s \
		-s "$HERE/api-get.lua" "$2" 2>&1)
	read -r RPS P50 P99 MAX REQS NON2XX SOCKERR <<< "$(awk '$1 == "result" {print $2, $3, $4, $5, $6, $7, $8}' <<< "$out")"
	if [ -z "$RPS" ]; then
		echo "$1: wrk gave no result:"; echo "$out" | tail -5
		RPS=0; P50=0; P99=0; return
	fi
	printf "%-38s %6s req/s   p50 %6s ms   p99 %6s ms   max %7s ms" "$1" "$RPS" "$P50" "$P99" "$MAX"
	[ "$NON2XX$SOCKERR" = 00 ] && echo || echo "   ($NON2XX non-2xx, $SOCKERR socket errors of $REQS)"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); daemon on 127.0.0.1:$PORT, kernel memory $KMEM"
start "$WORK/daemon.log"
running "$WORK/daemon.log" 0
echo "start-up with no tenants: $(ms_since $DAEMON_T0) ms"

# --- latency, one request at a time ---
api cycle 20 w 0x10 > /dev/null || die "warm-up failed"
echo "--- one request at a time, one keep-alive connection: $CYCLE POSTs (one vNIC, one address, a default route),"
echo "    then $CYCLE DELETEs, so the tenant count goes 0 -> $CYCLE -> 0 under them"
api cycle $CYCLE l 0x11 || die "latency run failed"

# --- 1000 tenants, end to end ---
echo "--- $N tenants over the API"
api create $N t 0x20 || die "creating $N tenants failed"
sleep 1		# let the last state write and the allocator settle

# --- under load, side by side ---
echo "--- wrk, 64 connections, 2 threads, ${SECS} s each, $N tenants present (2 cores shared by wrk and the server)"
api get t0000 > "$WORK/body.json" || die "GET /tenants/t0000"
PYPORT=$(free_port)
python3 "$HERE/apibench.py" $PYPORT serve "$WORK/body.json" &
pysrv=$!
undo "kill $pysrv"
load "GET /tenants/NAME ($N names in turn)" "$URL/" $N
t_rps=$RPS t_p50=$P50 t_p99=$P99
load "GET /healthz (same daemon)" "$URL/healthz"
h_rps=$RPS h_p50=$P50
for i in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:$PYPORT/tenants/t0000 && break; sleep 0.1; done
load "python3 http.server, same body" "http://127.0.0.1:$PYPORT/tenants/t0000"
p_rps=$RPS
kill $pysrv; wait $pysrv 2>/dev/null
echo "GET /tenants/NAME vs GET /healthz: $(ratio $t_rps $h_rps) of the requests/s, p50 $(ratio $t_p50 $h_p50)x"
echo "GET /tenants/NAME vs python3 http.server (keep-alive, a thread per connection): $(ratio $t_rps $p_rps) of the requests/s"
echo "(GET /tenants/NAME's body: $(stat -c %s "$WORK/body.json") bytes)"

# --- /metrics, the state file ---
echo "--- $N tenants present"
api scrape 20 || die "scraping /metrics failed"
jsize=$(stat -c %s "$WORK/state/tenants.journal" 2>/dev/null || echo 0)
echo "state file: $(stat -c %s "$WORK/state/tenants.json") bytes ($(( $(stat -c %s "$WORK/state/tenants.json") / N )) per tenant), journal $jsize bytes"
t0=$(awk '{print $14 + $15}' /proc/$DAEMON_PID/stat); sleep 5; t1=$(awk '{print $14 + $15}' /proc/$DAEMON_PID/stat)
echo "daemon CPU while idle, over 5 s: $(awk -v t=$((t1 - t0)) -v hz=$(getconf CLK_TCK) 'BEGIN {printf "%.1f", 100 * t / hz / 5}')% of one core"
ps -o rss= -p $DAEMON_PID | awk '{printf "daemon RSS: %.0f MiB\n", $1 / 1024}'

# --- restart ---
t0=$(date +%s%N)
kill -TERM $DAEMON_PID
wait $DAEMON_PID; rc=$?
echo "stop (SIGTERM to exit, $N tenants): $(ms_since $t0) ms, exit $rc"
start "$WORK/daemon2.log"
running "$WORK/daemon2.log" $N
echo "restart: $N tenants restored from the state file in $(ms_since $DAEMON_T0) ms (process start to \"running with $N tenant(s)\")"
# from the daemon's own time stamps: start-up, then the tenants one by one
awk -v n=$N '
function ms(s) { split(substr(s, 12, 12), t, ":"); return (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 }
/ restoring / { r = ms($1) }
/ tenant .*: up with/ { k++; if (k == int(n / 10)) a = ms($1); if (k == n - int(n / 10)) b = ms($1) }
/ running with / { e = ms($1) }
END { if (r && e) printf "  of which restoring the tenants: %d ms (first tenth %.1f ms/tenant, last tenth %.1f ms/tenant)\n", e - r, (a - r) / int(n / 10), (e - b) / int(n / 10) }' "$WORK/daemon2.log"
n=$(curl -sf $URL/tenants | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
echo "  GET /tenants after the restart: $n tenants"
cat "$WORK/daemon.log" "$WORK/daemon2.log" | grep -E "Z (error|warn): " | head -5 | sed "s/^/  in the log: /"
kill -TERM $DAEMON_PID; wait $DAEMON_PID
exit 0
