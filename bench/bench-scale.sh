#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-scale: 64-byte UDP forwarded by a router tenant, from DPDK
# net_pcap with infinite_rx (frames of 256 flows recorded once, one
# rx_pcap= per queue, so each worker has a queue of its own flows) to
# net_pcap's transmit drop (no tx stream: frames are freed, as net_null
# would), with 1 and with 2 dataplane workers, and with 2 on one rx queue
# that worker 0 spreads in software.  No traffic generator competes for
# the 2 cores: the port replays from memory.  Rounds alternate
# (BENCH_ROUNDS, default 3, of BENCH_SECS each); prints Mpps forwarded
# (frames the router sent), medians, bests and ratios.  With
# BENCH_BASE_DAEMON=path/to/an/older/nuse-appliance, that build's run
# (one core) in each round too.  Needs root.
[ "$(id -u)" = 0 ] || { echo "bench-scale: needs root"; exit 77; }
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/../tests/e2e/lib.sh"
SECS=${BENCH_SECS:-5}
MAC=02:00:00:95:00:01
python3 "$(dirname "$0")/pcapgen.py" $MAC 256 8 "$WORK/all.pcap"
python3 "$(dirname "$0")/pcapgen.py" $MAC 256 8 "$WORK/q0.pcap" "$WORK/q1.pcap"

config() { # NAME WORKERS DISTRIBUTE PCAPS...
	local name=$1 w=$2 how=$3 rx="" p
	shift 3
	for p in "$@"; do rx="$rx,rx_pcap=$p"; done
	cat > "$WORK/s$name.json" <<JSON
{"dpdk": {"args": ["--no-huge", "-m", "512", "--no-pci", "-l", "0", "--log-level", "lib.eal:error"],
	  "port": "net_pcap0$rx,infinite_rx=1", "mbufs": 16383},
 "kernel": {"memory": "256M"},
 "dataplane": {"cores": $w, "distribute": "$how"},
 "api": {"listen": "127.0.0.1:$API_PORT"},
 "rpc": {"socket": "$WORK/rpc.sock"}, "state_dir": "$WORK/state", "log_level": "warn",
 "tenants": [{"name": "r", "vnics": [
	{"name": "eth0", "mac": "$MAC", "addresses": ["10.254.0.1/16"]},
	{"name": "eth1", "mac": "02:00:00:95:00:02", "addresses": ["10.252.0.1/24"]}],
   "routes": [{"dst": "10.253.0.0/16", "via": "10.252.0.2"}],
   "neighbours": [{"dev": "eth1", "ip": "10.252.0.2", "mac": "02:00:00:95:00:03"}],
   "sysctls": {"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "0",
	       "net.ipv4.conf.eth0.rp_filter": "0"}}]}
JSON
}

# run DAEMON WORKERS: Mpps forwarded over SECS, after a second's warm-up
run() {
	local out t0 t1 n0 n1
	rm -rf "$WORK/state"
	"$1" --config "$WORK/s$2.json" > "$WORK/daemon$2.log" 2>&1 &
	local pid=$!
	for i in $(seq 100); do
		curl -s "http://127.0.0.1:$API_PORT/metrics" >/dev/null 2>&1 && break
		sleep 0.1
	done
	sleep 1
	n0=$(metric nuse_dataplane_tx_frames_total); t0=$(date +%s%N)
	sleep "$SECS"
	n1=$(metric nuse_dataplane_tx_frames_total); t1=$(date +%s%N)
	kill -INT $pid; wait $pid 2>/dev/null
	awk -v a="${n0:-0}" -v b="${n1:-0}" -v t0=$t0 -v t1=$t1 \
		'BEGIN { printf("%.3f\n", (b - a) / ((t1 - t0) / 1e9) / 1e6) }'
}

config 1 1 auto "$WORK/all.pcap"
config 2 2 auto "$WORK/q0.pcap" "$WORK/q1.pcap"
config soft 2 software "$WORK/all.pcap"
# an older build has no dataplane section: the same config without it
grep -v '"dataplane"' "$WORK/s1.json" > "$WORK/sbase.json"
# alternating rounds: this machine is shared, and a neighbour's load
# moves a single run by a third
ROUNDS=${BENCH_ROUNDS:-3}
ones=() twos=() bases=() softs=()
for r in $(seq "$ROUNDS"); do
	[ -n "${BENCH_BASE_DAEMON:-}" ] && bases+=("$(run "$BENCH_BASE_DAEMON" base)")
	ones+=("$(run "$DAEMON" 1)")
	twos+=("$(run "$DAEMON" 2)")
	softs+=("$(run "$DAEMON" soft)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
best() { printf '%s\n' "$@" | sort -g | tail -1; }
one=$(median "${ones[@]}"); two=$(median "${twos[@]}")
echo "rounds: 1 worker ${ones[*]}; 2 workers ${twos[*]}; 2 workers spread in software ${softs[*]}${bases:+; $BENCH_BASE_DAEMON ${bases[*]}}"
if [ -n "${BENCH_BASE_DAEMON:-}" ]; then
	base=$(median "${bases[@]}")
	echo "64-byte UDP through a router tenant, $BENCH_BASE_DAEMON (1 core): $base Mpps (median), $(best "${bases[@]}") best"
fi
echo "64-byte UDP through a router tenant, 1 worker:  $one Mpps (median), $(best "${ones[@]}") best"
echo "64-byte UDP through a router tenant, 2 workers: $two Mpps (median), $(best "${twos[@]}") best"
soft=$(median "${softs[@]}")
echo "64-byte UDP through a router tenant, 2 workers, one rx queue spread in software: $soft Mpps (median), $(best "${softs[@]}") best"
awk -v a="$one" -v b="$two" -v d="$soft" -v c="${base:-0}" -v ab="$(best "${ones[@]}")" -v bb="$(best "${twos[@]}")" 'BEGIN {
	printf("scaling: %.2fx at 2 workers (medians), %.2fx (bests); %.2fx spread in software", a > 0 ? b / a : 0, ab > 0 ? bb / ab : 0, a > 0 ? d / a : 0)
	if (c > 0) printf("; 1 worker against that build: %.2fx", a / c)
	printf("\n") }'
