#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-dataplane: the appliance on the wire, side by side with the host
# kernel in one run.
#  - idle CPU of the daemon over 10 s
#  - a router tenant between two client hosts (TCP throughput with iperf3,
#    ping RTT) vs a host-kernel namespace router with veths, same clients
# Needs root.  Prints numbers; never fails on them.
[ "$(id -u)" = 0 ] || { echo "bench-dataplane: needs root"; exit 77; }
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/../tests/e2e/lib.sh"
SECS=${BENCH_SECS:-5}

cpu_ticks() { awk '{print $14 + $15}' /proc/$1/stat; }

iperf_gbps() { # CLIENT_NS SERVER_NS SERVER_IP
	ip netns exec "$2" iperf3 -s -1 -D
	sleep 0.3
	ip netns exec "$1" iperf3 -c "$3" -t $SECS -J 2>/dev/null | python3 -c '
import json, sys
try:
    print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("0")'
}

rtt_ms() { # NS IP
	ip netns exec "$1" ping -c 20 -i 0.05 -q "$2" | awk -F/ '/^rtt/ {print $5}'
}

# --- the appliance: a router tenant, clients as macvlans on its port's
# host side: net_tap's interface, or a veth whose other end the port
# (net_af_packet, net_af_xdp) holds ---
# app_router KIND OFFLOADS MTU: sets tcp_app, ping_app; idle once
RTENANT='[{"name": "r", "vnics": [
  {"name": "eth0", "mac": "02:00:00:90:01:01", "addresses": ["10.90.1.1/24"]MTUKEY},
  {"name": "eth1", "mac": "02:00:00:90:02:01", "addresses": ["10.90.2.1/24"]MTUKEY}],
  "sysctls": {"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.send_redirects": "0",
	      "net.ipv4.conf.eth0.send_redirects": "0", "net.ipv4.conf.eth1.send_redirects": "0"}}]'
app_router() {
	local kind=$1 off=$2 mtu=$3 port dev=nb$ID tenants
	tenants=$(sed "s/MTUKEY/, \"mtu\": $mtu/g" <<< "$RTENANT")
	netns sw$ID; netns c1$ID; netns c2$ID
	case $kind in
	tap) port="net_tap$ID,iface=$dev" ;;
	af_packet|af_xdp)
		ip link add $dev type veth peer name up$ID netns sw$ID
		ip link set $dev mtu $mtu up
		ip -n sw$ID link set up$ID mtu $mtu up
		# Frames reach the port's socket as the veth got them: with
		# checksums left to offload and as 64 KB super-frames, unless
		# the sending side finishes them (doc/ports.md).
		ethtool -K $dev gro off >/dev/null 2>&1
		ip netns exec sw$ID ethtool -K up$ID tx off tso off gso off >/dev/null 2>&1
		if [ $kind = af_packet ]; then
			local fsz=2048
			[ $mtu -gt 1500 ] && fsz=9216
			port="net_af_packet$ID,iface=$dev,qpairs=1,blocksz=$((fsz * 4)),framesz=$fsz,framecnt=512"
		else
			port="net_af_xdp$ID,iface=$dev,start_queue=0,queue_count=1"
		fi ;;
	esac
	write_config "$WORK/r.json" $dev "$tenants"
	sed -i "s|\"port\": \"[^\"]*\"|\"port\": \"$port\", \"offloads\": $off, \"mtu\": $mtu|" "$WORK/r.json"
	start_daemon "$WORK/r.json" || { tcp_app=0; ping_app=0; return; }
	sleep 1
	if [ -z "${idle:-}" ]; then
		t0=$(cpu_ticks $DAEMON_PID); sleep 10; t1=$(cpu_ticks $DAEMON_PID)
		idle=$(awk -v t=$((t1 - t0)) -v hz=$(getconf CLK_TCK) 'BEGIN {printf "%.2f", 100 * t / hz / 10}')
		echo "idle CPU of the daemon over 10 s: ${idle}% of one core"
	fi
	if [ $kind = tap ]; then
		tap_to sw$ID $dev
		ip -n sw$ID link set $dev mtu $mtu
		local lower=$dev
	else
		local lower=up$ID
	fi
	for i in 1 2; do
		ip -n sw$ID link add link $lower name m$i type macvlan mode bridge
		ip -n sw$ID link set m$i mtu $mtu netns c$i$ID
		ip -n c$i$ID link set m$i name eth0 up
		ip -n c$i$ID addr add 10.90.$i.2/24 dev eth0
		ip -n c$i$ID route add default via 10.90.$i.1
	done
	ping_app=$(rtt_ms c1$ID 10.90.2.2)
	tcp_app=$(iperf_gbps c1$ID c2$ID 10.90.2.2)
	stop_daemon > /dev/null
	grep "port .* MTU\|port:\|dataplane: rx" "$WORK/daemon.log" | sed "s/^.*info: /  $kind offloads=$off: /"
	ip netns del c1$ID; ip netns del c2$ID
	ip netns pids sw$ID | xargs -r kill 2>/dev/null
	ip netns del sw$ID
	ip link del $dev 2>/dev/null
	sleep 0.5
}

declare -A TCP PING
CASES=${BENCH_CASES:-"tap:false:1500 tap:true:1500 af_packet:false:1500 af_packet:true:1500 af_xdp:true:1500 tap:true:9000"}
for c in $CASES; do
	IFS=: read -r kind off mtu <<< "$c"
	app_router $kind $off $mtu
	TCP[$c]=$tcp_app PING[$c]=$ping_app
done

# --- the host kernel: a namespace router with veths ---
netns hr$ID; netns h1$ID; netns h2$ID
for i in 1 2; do
	ip link add r$i$ID type veth peer name eth0 netns h$i$ID
	ip link set r$i$ID netns hr$ID
	ip -n hr$ID addr add 10.91.$i.1/24 dev r$i$ID
	ip -n hr$ID link set r$i$ID up
	ip -n h$i$ID addr add 10.91.$i.2/24 dev eth0
	ip -n h$i$ID link set eth0 up
	ip -n h$i$ID route add default via 10.91.$i.1
done
ip netns exec hr$ID sysctl -qw net.ipv4.ip_forward=1
ping_host=$(rtt_ms h1$ID 10.91.2.2)
tcp_host=$(iperf_gbps h1$ID h2$ID 10.91.2.2)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
for c in $CASES; do
	IFS=: read -r kind off mtu <<< "$c"
	printf "router, %-9s offloads %-5s MTU %4s: TCP %5s Gbit/s (%s of the host's), ping %s ms (%s of the host's)\n" \
		$kind $off $mtu "${TCP[$c]}" "$(ratio "${TCP[$c]}" "$tcp_host")" "${PING[$c]}" "$(ratio "${PING[$c]}" "$ping_host")"
done
echo "router, host namespace with veths: TCP ${tcp_host} Gbit/s, ping ${ping_host} ms (iperf3 ${SECS} s)"
echo "(net_tap's clients reach the appliance across the host kernel's tap: two crossings per hop that the veth router does not pay; af_packet and af_xdp ride a veth)"
