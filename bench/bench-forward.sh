#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-forward: 64-byte UDP forwarded by a router tenant's full Linux
# path, with dpdk-testpmd as the traffic generator over net_memif
# (flowgen: sends, and counts what comes back), next to the ceiling of the
# same generator looped through memif by a second testpmd with nothing
# else in between.  Needs root and dpdk-testpmd.
[ "$(id -u)" = 0 ] || { echo "bench-forward: needs root"; exit 77; }
command -v dpdk-testpmd >/dev/null || { echo "bench-forward: no dpdk-testpmd"; exit 77; }
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/../tests/e2e/lib.sh"
SECS=${BENCH_SECS:-5}
SOCK=nuse-bench-$ID.sock	# an abstract socket name
GEN_MAC=02:00:00:aa:00:01
EAL="--no-huge -m 512 --no-pci --log-level lib.eal:error"

# generator: flowgen forwarding on lcore 1, memif server; prints the
# (flowgen sends to 00:01:02:03:04:01 whatever --eth-peer says)
# receive rate testpmd reported last
generate() {
	# with --stats-period, testpmd runs until SIGINT
	timeout -s INT $((SECS + 2)) dpdk-testpmd -l 0,1 $EAL --file-prefix gen$ID \
		--vdev "net_memif0,role=server,socket=$SOCK,mac=$GEN_MAC" -- \
		--total-num-mbufs=32768 --forward-mode=flowgen --txpkts=64 --eth-peer=0,$1 --auto-start \
		--stats-period 1 --nb-cores=1 > "$WORK/gen.log" 2>&1
	# the last second's receive rate, as testpmd printed it
	awk '/Rx-pps:/ {pps = $2} END {print pps + 0}' "$WORK/gen.log"
}

# --- the appliance as router ---
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
	       "net.ipv4.conf.eth0.rp_filter": "0"}}]}
JSON
(sleep 1; "$DAEMON" --config "$WORK/fwd.json" > "$WORK/daemon.log" 2>&1) &
app=$!
undo "pkill -f 'nuse-appliance --config $WORK/fwd.json'"
pps_app=$(generate 00:01:02:03:04:01)
pkill -INT -f "nuse-appliance --config $WORK/fwd.json"
wait $app 2>/dev/null

# --- the ceiling: a second testpmd reflecting frames (macswap) ---
# without --stats-period, testpmd runs until its standard input closes
(sleep 1; sleep $((SECS + 1)) | dpdk-testpmd --main-lcore 1 -l 0,1 $EAL --file-prefix refl$ID \
	--vdev "net_memif0,role=client,socket=$SOCK" -- --total-num-mbufs=32768 --forward-mode=macswap \
	--auto-start --nb-cores=1 > "$WORK/refl.log" 2>&1) &
refl=$!
pps_loop=$(generate 02:00:00:bb:00:01)
wait $refl 2>/dev/null

if [ "${pps_loop:-0}" = 0 ]; then
	echo "bench-forward: the generator's memif link never came up (0 pps even testpmd to testpmd):"
	echo "  no forwarding figures on this machine; see $WORK/gen.log"
	grep -i "error\|cause" "$WORK/gen.log" | head -3
fi
echo "64-byte UDP through a router tenant (testpmd flowgen over memif): $pps_app pps"
echo "same generator looped through memif by testpmd macswap:         $pps_loop pps"
awk -v a="$pps_app" -v b="$pps_loop" 'BEGIN {
	printf("ratio: %.3f of the ceiling; %.3f Mpps on the appliance'"'"'s one core\n", (b > 0 ? a / b : 0), a / 1e6) }'
