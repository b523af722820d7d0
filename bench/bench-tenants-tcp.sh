#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench-tenants-tcp: TCP through a router tenant between two other
# tenants of one library kernel (bench-tenants-tcp.c: offloads, and the
# copying path of before), 1 and 8 streams, side by side in one run with
# the host kernel's namespace router with veths and iperf3.  Needs root
# for the host's side.  Prints numbers; never fails on them.
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
B=$top_builddir/bench/bench-tenants-tcp
SECS=${BENCH_SECS:-3}
[ -x "$B" ] || { echo "bench-tenants-tcp: build it first (make)"; exit 77; }

parse() { sed -n "s/.*1 stream \([0-9.]*\) Gbit\/s, 8 streams \([0-9.]*\).*/\1 \2/p"; }
read -r off1 off8 <<< "$("$B" offloads "$SECS" | tee /dev/stderr | parse)"
read -r cp1 cp8 <<< "$("$B" copy "$SECS" | tee /dev/stderr | parse)"

host1=n/a host8=n/a
if [ "$(id -u)" = 0 ] && command -v iperf3 >/dev/null; then
	ID=$$
	cleanup() { for n in hr h1 h2; do ip netns del $n$ID 2>/dev/null; done; }
	trap cleanup EXIT
	for n in hr h1 h2; do ip netns add $n$ID; ip -n $n$ID link set lo up; done
	for i in 1 2; do
		ip link add r$i$ID type veth peer name eth0 netns h$i$ID
		ip link set r$i$ID netns hr$ID
		ip -n hr$ID addr add 10.71.$i.1/24 dev r$i$ID
		ip -n hr$ID link set r$i$ID up
		ip -n h$i$ID addr add 10.71.$i.2/24 dev eth0
		ip -n h$i$ID link set eth0 up
		ip -n h$i$ID route add default via 10.71.$i.1
	done
	ip netns exec hr$ID sysctl -qw net.ipv4.ip_forward=1
	gbps() { # STREAMS
		ip netns exec h2$ID iperf3 -s -1 -D
		sleep 0.3
		ip netns exec h1$ID iperf3 -c 10.71.2.2 -t "$SECS" -P "$1" -J 2>/dev/null | python3 -c '
import json, sys
try:
    print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("0")'
	}
	host1=$(gbps 1)
	host8=$(gbps 8)
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "tenants through a router tenant, 1 stream: offloads $off1 Gbit/s, copying $cp1 (x$(ratio "$off1" "$cp1")), host veth router $host1 (ratio $(ratio "$off1" "$host1"))"
echo "tenants through a router tenant, 8 streams: offloads $off8 Gbit/s, copying $cp8 (x$(ratio "$off8" "$cp8")), host veth router $host8 (ratio $(ratio "$off8" "$host8"))"
echo "(the tenants' senders and receivers are kernel-side, through the host API, one kernel CPU; the host's are iperf3 processes, whose copies to and from user space the kernel-side ones do not pay)"
