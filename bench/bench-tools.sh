#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-tools: unmodified tools against a tenant, side by side with the
# host in one run.
#  - the tool RPC's null round trip, on the socket and through the shared
#    channel, vs an echo process (rpcnull)
#  - a program's getsockname and UDP send+recv through the preload
#    library, on the socket and through the channel (plcalls)
#  - sendfile() of a host file into a tenant TCP socket vs on the host
#  - iperf3 TCP with the server inside a tenant through the preload
#    library vs the same server on the host kernel, same client host
#  - nginx with the same config in the tenant and on the host, wrk from
#    the same client namespace
#  - a UDP server in the tenant and on the host under the same flood
#  - PUT /tenants/NAME/iptables with 1,000 rules
#  - two programs making calls at once, the kernel on 1 CPU and on 2
#    (each channel served by its home CPU)
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

echo "--- sendfile() of a 512 MiB host file over TCP to itself: in the tenant vs on the host"
${CC:-cc} -O2 -o "$WORK/plsplice" "$(dirname "$0")/../tests/preload/plsplice.c" -lpthread &&
for i in 1 2 3; do	# alternating; the first tenant run also warms the kernel's memory
	X t -- "$WORK/plsplice" bench 512 | sed 's/^/tenant: /'
	"$WORK/plsplice" bench 512 | sed 's/^/host:   /'
done

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
# tenant_iperf OUT [ENV=VALUE...]: the server in the tenant, the client
# in c$ID; its Gbit/s
tenant_iperf() {
	local out=$1 spid
	shift
	env "$@" "$DAEMON" exec --socket "$SOCK" t -- iperf3 -s -1 > "$WORK/s.log" 2>&1 &
	spid=$!
	sleep 1
	ip netns exec c$ID iperf3 -c 10.93.1.1 -t $SECS -J > "$out" 2>/dev/null
	wait $spid 2>/dev/null
	gbps "$out"
}
in=$(tenant_iperf "$WORK/in.json")
in0=$(tenant_iperf "$WORK/in0.json" NUSE_RPC_SHM=0)
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
ihost=$host
echo "iperf3 server in the tenant, calls on the socket:  $in0 Gbit/s"
echo "iperf3 server in the tenant (client over the tap): $in Gbit/s"
echo "iperf3 server on the host (client over a veth):    $host Gbit/s"
python3 -c "import sys; a, b = float('$in'), float('$host'); print('ratio: %.3f' % (a / b if b else 0))"

echo "--- nginx, wrk -t2 -c32 -d${SECS}s: in the tenant (through the preload library) vs on the host"
if command -v nginx >/dev/null && command -v wrk >/dev/null; then
	mkdir -p "$WORK/www" "$WORK/ngx-t" "$WORK/ngx-h"
	head -c 612 /dev/zero | tr '\0' x > "$WORK/www/index.html"
	# nginx_conf DIR ADDR: one worker, no master, every path in DIR
	nginx_conf() {
		cat > "$1/nginx.conf" <<-EOF
		user root; worker_processes 1; daemon off; master_process off;
		pid $1/nginx.pid; error_log $1/error.log;
		events { worker_connections 1024; }
		http {
		  access_log off; sendfile on; keepalive_requests 100000;
		  client_body_temp_path $1; proxy_temp_path $1; fastcgi_temp_path $1;
		  uwsgi_temp_path $1; scgi_temp_path $1;
		  server { listen $2:8080; root $WORK/www; }
		}
		EOF
	}
	# `exec`'s own process is not nginx's: stop nginx by its pid file,
	# and whatever is left at the end (a program whose appliance has
	# gone gets ENETDOWN from epoll_wait and logs it in a loop)
	undo "pkill -KILL -f $WORK/ngx-"
	nginx_stop() {
		kill "$(cat "$1/nginx.pid" 2>/dev/null)" 2>/dev/null
		for i in $(seq 50); do pgrep -f "$1/nginx.conf" > /dev/null || break; sleep 0.1; done
		pkill -KILL -f "$1/nginx.conf"
	}
	# nginx_wrk DIR ADDR OUT CMD...: nginx started by CMD, wrk at it into OUT
	nginx_wrk() {
		local dir=$1 addr=$2 out=$3 npid
		shift 3
		"$@" -c "$dir/nginx.conf" > "$dir/out" 2>&1 &
		npid=$!
		for i in $(seq 50); do
			ip netns exec c$ID curl -s -o /dev/null --max-time 1 http://$addr:8080/ && break
			sleep 0.1
		done
		ip netns exec c$ID wrk -t2 -c32 -d${SECS}s http://$addr:8080/ > "$out" 2>&1
		nginx_stop "$dir"
		kill $npid 2>/dev/null; wait $npid 2>/dev/null
	}
	rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1" | tail -1; }
	nginx_conf "$WORK/ngx-t" 10.93.1.1
	nginx_wrk "$WORK/ngx-t" 10.93.1.1 "$WORK/wrk-t0" env NUSE_RPC_SHM=0 "$DAEMON" exec \
		--socket "$SOCK" t -- nginx
	nginx_wrk "$WORK/ngx-t" 10.93.1.1 "$WORK/wrk-t1" X t -- nginx
	nginx_conf "$WORK/ngx-h" 10.94.1.1
	nginx_wrk "$WORK/ngx-h" 10.94.1.1 "$WORK/wrk-h" nginx
	in=$(rps "$WORK/wrk-t1"); in0=$(rps "$WORK/wrk-t0"); host=$(rps "$WORK/wrk-h")
	echo "nginx in the tenant, calls on the socket: ${in0:-0} req/s"
	echo "nginx in the tenant (wrk over the tap): ${in:-0} req/s"
	echo "nginx on the host (wrk over a veth):    ${host:-0} req/s"
	python3 -c "a, b = float('${in:-0}'), float('${host:-0}'); print('ratio: %.3f' % (a / b if b else 0))"
	[ -n "$in" ] || { echo "nginx in the tenant:"; tail -5 "$WORK/ngx-t/out" "$WORK/ngx-t/error.log" "$WORK/wrk-t1"; }
else
	echo "skipped: needs nginx and wrk"
fi

echo "--- a UDP server reading datagrams one recv() at a time, under a flood of 64-byte frames from one core"
FLOOD=$top_builddir/tests/dataplane/udpflood
[ -x "$FLOOD" ] || make -s -C "$top_builddir/tests" dataplane/udpflood > /dev/null 2>&1
if [ -x "$FLOOD" ]; then
	# udprecv_under WHERE CMD...: the server, then the flood at it; "read sent"
	udprecv_under() {
		local mac=$1 src=$2 dst=$3 dev=$4 out=$WORK/udp.out
		shift 4
		"$@" 9 $SECS > "$out" 2>&1 &
		local rpid=$!
		for i in $(seq 50); do grep -q listening "$out" && break; sleep 0.1; done
		sent=$(ip netns exec c$ID "$FLOOD" $dev $mac $src $dst $SECS)
		wait $rpid
		echo "$(sed -n 's/^\([0-9]*\) datagrams.*/\1/p' "$out") ${sent:-0}"
	}
	tmac=02:00:00:93:01:01
	hmac=$(cat /sys/class/net/hv$ID/address)
	read -r got0 sent0 <<< "$(NUSE_RPC_SHM=0 udprecv_under $tmac 10.93.1.2 10.93.1.1 $TAP X t -- "$top_builddir/bench/udprecv")"
	read -r got1 sent1 <<< "$(udprecv_under $tmac 10.93.1.2 10.93.1.1 $TAP X t -- "$top_builddir/bench/udprecv")"
	read -r goth senth <<< "$(udprecv_under $hmac 10.94.1.2 10.94.1.1 hc$ID "$top_builddir/bench/udprecv")"
	for r in "socket $got0 $sent0" "channel $got1 $sent1" "host $goth $senth"; do
		set -- $r
		python3 -c "import sys; n, s, t = int('${2:-0}' or 0), int('${3:-0}' or 0), float('$SECS')
print('%-8s read %8.0f datagrams/s of %8.0f/s sent (%.1f%% lost)' % (sys.argv[1], n / t, s / t, 100 * (1 - n / s) if s else 0))" "$1"
	done
else
	echo "skipped: no tests/dataplane/udpflood"
fi

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

# The host-side port that reads cheapest: net_af_packet on a veth (its
# frames come through a memory-mapped ring, where net_tap makes a readv
# of each), the client on the veth's peer.
echo "--- iperf3 TCP, $SECS s, and nginx, the appliance on net_af_packet (a veth) instead of net_tap"
AP=na$ID
ip link add $AP type veth peer name $AP netns c$ID
undo "ip link del $AP"
ip link set $AP up
ethtool -K $AP gro off >/dev/null 2>&1
ip netns exec c$ID ethtool -K $AP tx off tso off gso off >/dev/null 2>&1
sed "s|\"port\": \"[^\"]*\"|\"port\": \"net_af_packet$ID,iface=$AP,blocksz=8192,framesz=2048,framecnt=4096\"|" \
	"$WORK/t.json" > "$WORK/ap.json"
start_daemon "$WORK/ap.json"
ip -n c$ID addr add 10.93.1.2/24 dev $AP
ip -n c$ID link set $AP up
ap=$(tenant_iperf "$WORK/ap.json.out")
echo "iperf3 server in the tenant (client over af_packet): $ap Gbit/s"
python3 -c "import sys; a, b = float('$ap'), float('$ihost'); print('ratio to the host over a veth: %.3f' % (a / b if b else 0))"
if command -v nginx >/dev/null && command -v wrk >/dev/null; then
	nginx_wrk "$WORK/ngx-t" 10.93.1.1 "$WORK/wrk-ap" X t -- nginx
	inap=$(rps "$WORK/wrk-ap")
	echo "nginx in the tenant (wrk over af_packet): ${inap:-0} req/s"
	python3 -c "a, b = float('${inap:-0}'), float('${host:-0}'); print('ratio to the host over a veth: %.3f' % (a / b if b else 0))"
fi
if [ -x "$FLOOD" ]; then
	read -r gota senta <<< "$(udprecv_under $tmac 10.93.1.2 10.93.1.1 $AP X t -- "$top_builddir/bench/udprecv")"
	python3 -c "import sys; n, s, t = int('${gota:-0}' or 0), int('${senta:-0}' or 0), float('$SECS')
print('UDP server in the tenant over af_packet: read %8.0f datagrams/s of %8.0f/s sent (%.1f%% lost)' % (n / t, s / t, 100 * (1 - n / s) if s else 0))"
	# Paced: the highest rate the server reads whole (under 0.1% lost).
	best=0
	for rate in 50000 100000 150000 200000 300000 400000; do
		X t -- "$top_builddir/bench/udprecv" 9 $((SECS + 3)) > "$WORK/udp.out" 2>&1 &
		rpid=$!
		for i in $(seq 50); do grep -q listening "$WORK/udp.out" && break; sleep 0.1; done
		sent=$(ip netns exec c$ID "$FLOOD" $AP $tmac 10.93.1.2 10.93.1.1 $SECS $rate)
		wait $rpid
		got=$(sed -n 's/^\([0-9]*\) datagrams.*/\1/p' "$WORK/udp.out")
		# the first datagram is read before udprecv counts
		lost=$(python3 -c "n, s = int('${got:-0}' or 0) + 1, int('${sent:-0}' or 0); print('%.2f' % (100 * (1 - n / s) if s else 100))")
		echo "paced at $rate/s: $sent sent, $((${got:-0} + 1)) read, $lost% lost"
		awk -v l="$lost" 'BEGIN { exit !(l < 0.1) }' && best=$rate
	done
	echo "UDP server in the tenant over af_packet, read without loss at up to: $best datagrams/s"
fi
stop_daemon > /dev/null

# Two programs at once, each a session with a channel of its own: on a
# kernel with 2 CPUs, served by CPU 0 alone (rpc.serve_cpus 1, what
# "auto" picks on 2 host cores) or each by its home CPU (serve_cpus 2).
# No traffic generator: the 2 cores hold the 2 programs and the kernel.
echo "--- two programs making calls at once (plcalls 20000 each: getsockname, sendto, recv): 1 kernel CPU; 2 serving on CPU 0; 2 serving each its own"
for v in 1/1 2/1 2/2 1/1 2/1 2/2; do
	cpus=${v%/*} serve=${v#*/}
	NUSE_TEST_CPUS=$cpus NUSE_TEST_SERVE_CPUS=$serve write_config "$WORK/c.json" ns$ID '[{"name": "t", "vnics": [
	  {"name": "eth0", "mac": "02:00:00:93:01:01", "addresses": ["10.93.1.1/24"]}]}]'
	start_daemon "$WORK/c.json"
	t0=$(date +%s%N)
	X t -- "$top_builddir/bench/plcalls" 20000 > "$WORK/pc1" &
	p1=$!
	X t -- "$top_builddir/bench/plcalls" 20000 > "$WORK/pc2" &
	wait $p1 $!
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	med=$(awk '/sendto/ { printf "%s ", $(NF - 5) }' "$WORK/pc1" "$WORK/pc2")
	echo "kernel CPUs $cpus, serving $serve: 120000 calls in $ms ms: $(( 120000000 / (ms ? ms : 1) )) calls/s (send+recv medians ${med}us)"
	stop_daemon > /dev/null
done
if command -v nginx >/dev/null && command -v wrk >/dev/null; then
	echo "--- nginx with 2 worker processes, wrk -t2 -c32 -d${SECS}s over the tap, kernel CPUs 2: served on CPU 0 vs each worker on its own"
	ip link del $AP 2>/dev/null	# its address in c$ID is the tap's
	sed -e 's/worker_processes 1;/worker_processes 2;/' -e 's/master_process off;/master_process on;/' \
		"$WORK/ngx-t/nginx.conf" > "$WORK/ngx-t/nginx2.conf"
	for serve in 1 2 1 2; do
		NUSE_TEST_CPUS=2 NUSE_TEST_SERVE_CPUS=$serve write_config "$WORK/n.json" $TAP '[{"name": "t", "vnics": [
		  {"name": "eth0", "mac": "02:00:00:93:01:01", "addresses": ["10.93.1.1/24"]}]}]'
		start_daemon "$WORK/n.json"
		tap_to c$ID $TAP
		ip -n c$ID addr add 10.93.1.2/24 dev $TAP
		X t -- nginx -c "$WORK/ngx-t/nginx2.conf" > "$WORK/ngx-t/out" 2>&1 &
		npid=$!
		for i in $(seq 50); do
			ip netns exec c$ID curl -s -o /dev/null --max-time 1 http://10.93.1.1:8080/ && break
			sleep 0.1
		done
		ip netns exec c$ID wrk -t2 -c32 -d${SECS}s http://10.93.1.1:8080/ > "$WORK/wrk-2w" 2>&1
		kill "$(cat "$WORK/ngx-t/nginx.pid" 2>/dev/null)" 2>/dev/null
		for i in $(seq 50); do pgrep -f "$WORK/ngx-t/nginx2.conf" > /dev/null || break; sleep 0.1; done
		pkill -KILL -f "$WORK/ngx-t/nginx2.conf"
		kill $npid 2>/dev/null; wait $npid 2>/dev/null
		echo "serving CPUs $serve: $(rps "$WORK/wrk-2w") req/s"
		stop_daemon > /dev/null
	done
fi
