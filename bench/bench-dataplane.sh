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

# --- the appliance: a router tenant, clients as macvlans on its tap ---
TAP=nb$ID
write_config "$WORK/r.json" $TAP '[{"name": "r", "vnics": [
  {"name": "eth0", "mac": "02:00:00:90:01:01", "addresses": ["10.90.1.1/24"]},
  {"name": "eth1", "mac": "02:00:00:90:02:01", "addresses": ["10.90.2.1/24"]}],
  "sysctls": {"net.ipv4.ip_forward": "1", "net.ipv4.conf.all.send_redirects": "0",
	      "net.ipv4.conf.eth0.send_redirects": "0", "net.ipv4.conf.eth1.send_redirects": "0"}}]'
start_daemon "$WORK/r.json"
sleep 2
t0=$(cpu_ticks $DAEMON_PID); sleep 10; t1=$(cpu_ticks $DAEMON_PID)
idle=$(awk -v t=$((t1 - t0)) -v hz=$(getconf CLK_TCK) 'BEGIN {printf "%.2f", 100 * t / hz / 10}')
echo "idle CPU of the daemon over 10 s: ${idle}% of one core"

netns sw$ID; netns c1$ID; netns c2$ID
tap_to sw$ID $TAP
for i in 1 2; do
	ip -n sw$ID link add link $TAP name m$i type macvlan mode bridge
	ip -n sw$ID link set m$i netns c$i$ID
	ip -n c$i$ID link set m$i name eth0 up
	ip -n c$i$ID addr add 10.90.$i.2/24 dev eth0
	ip -n c$i$ID route add default via 10.90.$i.1
done
ping_app=$(rtt_ms c1$ID 10.90.2.2)
tcp_app=$(iperf_gbps c1$ID c2$ID 10.90.2.2)
stop_daemon > /dev/null
grep "port:\|dataplane:" "$WORK/daemon.log" | sed "s/^/  appliance /"

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
echo "router, TCP (iperf3 ${SECS} s): appliance tenant ${tcp_app} Gbit/s, host namespace ${tcp_host} Gbit/s (ratio $(ratio "$tcp_app" "$tcp_host"))"
echo "router, ping RTT: appliance tenant ${ping_app} ms, host namespace ${ping_host} ms (ratio $(ratio "$ping_app" "$ping_host"))"
echo "(the appliance's clients reach it over net_tap: two host-kernel crossings per hop that the veth router does not pay)"
