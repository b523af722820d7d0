#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-forward: UDP forwarded by a router tenant's full Linux path, with
# dpdk-testpmd as the traffic generator over net_memif (flowgen: sends,
# and counts what comes back), next to the ceiling of the same generator
# looped through memif by a second testpmd with nothing else in between:
# 64, 594 and 1518-byte frames and IMIX (7:4:1), plain and with 100
# iptables rules and conntrack; the rate, ns per packet, Gbit/s and the
# ratio to the ceiling.  BENCH_PERF=1 adds the daemon's top symbols
# (perf) at 64 bytes; BENCH_SIZES, BENCH_SECS change the runs.  Needs root
# and dpdk-testpmd (Debian's dpdk package).
[ "$(id -u)" = 0 ] || { echo "bench-forward: needs root"; exit 77; }
command -v dpdk-testpmd >/dev/null || { echo "bench-forward: no dpdk-testpmd"; exit 77; }
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/../tests/e2e/lib.sh"
SECS=${BENCH_SECS:-5}
SOCK=nuse-bench-$ID.sock	# an abstract socket name
GEN_MAC=02:00:00:aa:00:01
EAL="--no-huge -m 512 --no-pci --log-level lib.eal:error"

# generate PEER SIZE: flowgen on lcore 1 sending SIZE-byte frames to PEER
# over the memif (the server end), counting what comes back; prints the
# receive rate testpmd reported last
generate() {
	# with --stats-period, testpmd runs until SIGINT
	timeout -s INT $((SECS + 2)) dpdk-testpmd -l 0,1 $EAL --file-prefix gen$ID \
		--vdev "net_memif0,role=server,socket=$SOCK,mac=$GEN_MAC" -- \
		--total-num-mbufs=32768 --forward-mode=flowgen --txpkts=$2 --eth-peer=0,$1 --auto-start \
		--stats-period 1 --nb-cores=1 > "$WORK/gen.log" 2>&1
	# the last second's receive rate, as testpmd printed it
	awk '/Rx-pps:/ {pps = $2} END {print pps + 0}' "$WORK/gen.log"
}

# --- the appliance as router ---
# RULES: the router's filter table, empty or 100 rules that match nothing
# in FORWARD and a conntrack rule that matches everything (conntrack on)
rules100() {
	python3 - <<'PY'
lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
for i in range(100):
    lines.append("-A FORWARD -s 192.0.2.%d/32 -p tcp --dport %d -j DROP" % (i + 1, 1000 + i))
lines += ["-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT", "COMMIT", ""]
print("\n".join(lines))
PY
}

# config RULES: the router tenant's config, with RULES ("" for none)
config() {
	local ipt=
	[ -n "$1" ] && ipt=", \"iptables\": {\"ipv4\": $(printf '%s' "$1" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')}"
	cat > "$WORK/fwd.json" <<JSON
{"dpdk": {"args": ["--no-huge", "-m", "512", "--no-pci", "-l", "0", "--log-level", "lib.eal:error"],
	  "port": "net_memif0,role=client,socket=$SOCK,mac=02:00:00:90:00:0f", "mbufs": 16383},
 "kernel": {"memory": "256M"},
 "api": {"listen": "127.0.0.1:$API_PORT"}, "rpc": {"socket": "$WORK/rpc.sock"},
 "state_dir": "$WORK/state",
 "tenants": [{"name": "r", "vnics": [
	{"name": "eth0", "mac": "00:01:02:03:04:01", "addresses": ["10.254.0.1/16"]},
	{"name": "eth1", "mac": "02:00:00:90:00:02", "addresses": ["10.252.0.1/24"]}],
   "routes": [{"dst": "10.253.0.0/16", "via": "10.252.0.2"}],
   "neighbours": [{"dev": "eth1", "ip": "10.252.0.2", "mac": "$GEN_MAC"}],
   "sysctls": {"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "0",
	       "net.ipv4.conf.eth0.rp_filter": "0"}$ipt}]}
JSON
}

# router SIZE: the rate through the appliance's router tenant (the daemon
# started for this run, with $WORK/fwd.json); with BENCH_PERF=1 the
# daemon's profile of the run is in $WORK/perf-SIZE.txt
router() {
	rm -rf "$WORK/state"
	(sleep 1; exec "$DAEMON" --config "$WORK/fwd.json" > "$WORK/daemon.log" 2>&1) &
	app=$!
	undo "pkill -f 'nuse-appliance --config $WORK/fwd.json'"
	if [ -n "${BENCH_PERF:-}" ] && command -v perf >/dev/null; then
		(sleep 3; pid=$(pgrep -f "nuse-appliance --config $WORK/fwd.json" | head -1)
		 [ -n "$pid" ] && perf record -q -g -p "$pid" -o "$WORK/perf-$1.data" -- sleep 2 \
			>/dev/null 2>&1
		 perf report -i "$WORK/perf-$1.data" --no-children --percent-limit 2 --stdio \
			2>/dev/null | grep -E '^ +[0-9.]+%' | head -12 > "$WORK/perf-$1.txt") &
	fi
	local pps
	pps=$(generate 00:01:02:03:04:01 $1)
	pkill -INT -f "nuse-appliance --config $WORK/fwd.json"
	wait $app 2>/dev/null
	wait
	[ "${pps:-0}" = 0 ] && { echo "bench-forward: nothing came back through the router; its log:"; \
		grep -E "error|warn" "$WORK/daemon.log" | head -3; } >&2
	echo "$pps"
}

# --- the ceiling: a second testpmd reflecting frames (macswap) ---
# without --stats-period, testpmd runs until its standard input closes
ceiling() {
	(sleep 1; sleep $((SECS + 1)) | dpdk-testpmd --main-lcore 1 -l 0,1 $EAL --file-prefix refl$ID \
		--vdev "net_memif0,role=client,socket=$SOCK" -- --total-num-mbufs=32768 --forward-mode=macswap \
		--auto-start --nb-cores=1 > "$WORK/refl.log" 2>&1) &
	refl=$!
	generate 02:00:00:bb:00:01 $1
	wait $refl 2>/dev/null
}

# IMIX as the simple 7:4:1 mix of 64, 594 and 1518 bytes: the rate at
# which the mix goes through when each size goes at its own measured rate
# (the time per frame averaged over the mix)
imix() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN {
	if (a > 0 && b > 0 && c > 0) printf "%d", 12 / (7 / a + 4 / b + 1 / c); else print 0 }'; }
mpps() { awk -v p="$1" 'BEGIN { printf "%.3f", p / 1e6 }'; }
nspp() { awk -v p="$1" 'BEGIN { if (p > 0) printf "%.0f", 1e9 / p; else print "n/a" }'; }
gbps() { awk -v p="$1" -v s="$2" 'BEGIN { printf "%.2f", p * s * 8 / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }

SIZES=${BENCH_SIZES:-64 594 1518}
declare -A plain rules ceil
config ""
for size in $SIZES; do plain[$size]=$(router $size); done
[ -n "${BENCH_PERF:-}" ] && cp "$WORK/perf-64.txt" "$WORK/perf-plain-64.txt" 2>/dev/null
config "$(rules100)"
for size in $SIZES; do rules[$size]=$(router $size); done
grep -q "iptables" "$WORK/daemon.log" && grep -iE "iptables.*(error|fail)" "$WORK/daemon.log" | head -2
for size in $SIZES; do ceil[$size]=$(ceiling $size); done

if [ "${ceil[64]:-0}" = 0 ]; then
	echo "bench-forward: the generator's memif link never came up (0 pps even testpmd to testpmd):"
	echo "  no forwarding figures on this machine; see $WORK/gen.log"
	grep -i "error\|cause" "$WORK/gen.log" | head -3
fi
echo "UDP through a router tenant on the appliance's one core (testpmd flowgen over memif on the other),"
echo "next to the same generator looped through memif by testpmd macswap (the ceiling):"
printf "%-8s %10s %8s %8s %13s %8s %10s %9s\n" size "router Mpps" "ns/pkt" Gbit/s "100 rules+ct" "ns/pkt" "ceiling" "of ceil."
for size in $SIZES; do
	printf "%-8s %10s %8s %8s %13s %8s %10s %9s\n" "$size B" "$(mpps "${plain[$size]}")" \
		"$(nspp "${plain[$size]}")" "$(gbps "${plain[$size]}" $size)" "$(mpps "${rules[$size]}")" \
		"$(nspp "${rules[$size]}")" "$(mpps "${ceil[$size]}")" "$(ratio "${plain[$size]}" "${ceil[$size]}")"
done
if [ "$SIZES" = "64 594 1518" ]; then
	a=$(imix "${plain[64]}" "${plain[594]}" "${plain[1518]}")
	b=$(imix "${rules[64]}" "${rules[594]}" "${rules[1518]}")
	c=$(imix "${ceil[64]}" "${ceil[594]}" "${ceil[1518]}")
	printf "%-8s %10s %8s %8s %13s %8s %10s %9s\n" "IMIX" "$(mpps "$a")" "$(nspp "$a")" \
		"$(gbps "$a" 353.8)" "$(mpps "$b")" "$(nspp "$b")" "$(mpps "$c")" "$(ratio "$a" "$c")"
fi
echo "100 rules+ct: 100 FORWARD rules that match nothing, then one that sends every packet through conntrack"
echo "64-byte ratio to the ceiling: $(ratio "${plain[64]}" "${ceil[64]}"); with the ruleset: $(ratio "${rules[64]}" "${plain[64]}") of the plain router"
if [ -n "${BENCH_PERF:-}" ]; then
	for f in plain-64 64; do
		[ -s "$WORK/perf-$f.txt" ] || continue
		echo "perf, the daemon at 64 bytes ($([ $f = 64 ] && echo "with the ruleset" || echo "plain")), top symbols:"
		cat "$WORK/perf-$f.txt"
	done
fi
