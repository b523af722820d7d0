#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-tools: unmodified tools against a tenant, side by side with the
# host in one run.
#  - the tool RPC's null round trip, on the socket and through the shared
#    channel, vs an echo process (rpcnull)
#  - a program's getsockname and UDP send+recv through the preload
#    library, on the socket and through the channel (plcalls)
#  - iperf3 TCP with the server inside a tenant through the preload
#    library vs the same server on the host kernel, same client host
#  - PUT /tenants/NAME/iptables with 1,000 rules
# Needs root.  Prints numbers; never fails on them.
[ "$(id -u)" = 0 ] || { echo "bench-tools: needs root"; exit 77; }
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/../tests/e2e/lib.sh"
SECS=${BENCH_SECS:-5}
TAP=nk$ID
write_config "$WORK/t.json" $TAP '[{"name": "t", "vnics": [
  {"name": "eth0", "mac": "02:00:00:93:01:01", "addresses": ["10.93.1.1/24"]}]}]'
start_daemon "$WORK/t.json"
SOCK=$WORK/rpc.sock
X() { "$DAEMON" exec --socket "$SOCK" "$@"; }

echo "--- the RPC round trip"
"$top_builddir/bench/rpcnull" "$SOCK" t 20000

echo "--- a program's calls through the preload library: the socket, then the shared channel"
NUSE_RPC_SHM=0 X t -- "$top_builddir/bench/plcalls" 10000 | sed 's/^/socket:  /'
X t -- "$top_builddir/bench/plcalls" 10000 | sed 's/^/channel: /'

echo "--- iperf3 TCP, $SECS s: the server in the tenant (through the RPC) vs on the host"
netns c$ID
tap_to c$ID $TAP
ip -n c$ID addr add 10.93.1.2/24 dev $TAP
gbps() { python3 -c '
import json, sys
try:
    print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("0")' "$1"; }
X t -- iperf3 -s -1 > "$WORK/s.log" 2>&1 &
spid=$!
sleep 1
ip netns exec c$ID iperf3 -c 10.93.1.1 -t $SECS -J > "$WORK/in.json" 2>/dev/null
wait $spid 2>/dev/null
in=$(gbps "$WORK/in.json")
# The same client against a server on the host kernel: a veth to the host.
ip link add hv$ID type veth peer name hc$ID netns c$ID
undo "ip link del hv$ID"
ip addr add 10.94.1.1/24 dev hv$ID; ip link set hv$ID up
ip -n c$ID addr add 10.94.1.2/24 dev hc$ID; ip -n c$ID link set hc$ID up
iperf3 -s -1 -B 10.94.1.1 > /dev/null 2>&1 &
spid=$!
sleep 0.5
ip netns exec c$ID iperf3 -c 10.94.1.1 -t $SECS -J > "$WORK/host.json" 2>/dev/null
wait $spid 2>/dev/null
host=$(gbps "$WORK/host.json")
echo "iperf3 server in the tenant (client over the tap): $in Gbit/s"
echo "iperf3 server on the host (client over a veth):    $host Gbit/s"
python3 -c "import sys; a, b = float('$in'), float('$host'); print('ratio: %.3f' % (a / b if b else 0))"

echo "--- PUT /tenants/t/iptables with 1,000 rules"
{
	echo '*filter'
	echo ':INPUT ACCEPT [0:0]'
	echo ':FORWARD ACCEPT [0:0]'
	echo ':OUTPUT ACCEPT [0:0]'
	for i in $(seq 0 999); do
		echo "-A INPUT -s 10.$((100 + i / 250)).$((i % 250)).1/32 -p tcp -m tcp --dport $((1000 + i)) -j DROP"
	done
	echo 'COMMIT'
} > "$WORK/rules"
for n in 1 2 3; do
	t0=$(date +%s%N)
	code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
		--data-binary @"$WORK/rules" "http://127.0.0.1:$API_PORT/tenants/t/iptables")
	echo "PUT $n: $code in $(( ($(date +%s%N) - t0) / 1000000 )) ms ($(wc -c < "$WORK/rules") bytes)"
done
t0=$(date +%s%N)
X t -- iptables-legacy-restore < "$WORK/rules"
echo "the same with exec t -- iptables-legacy-restore: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
t0=$(date +%s%N)
X t -- iptables-legacy -S | wc -l | sed 's/^/rules listed by exec t -- iptables -S: /'
echo "  in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
stop_daemon > /dev/null
