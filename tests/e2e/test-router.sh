#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A router tenant with two vNICs (VLANs 10 and 20) between two client
# hosts on different subnets: ping and an iperf3 TCP transfer pass through
# it; with ip_forward=0 they do not.
. "$(dirname "$0")/lib.sh"
need_root
command -v iperf3 >/dev/null || { echo "skip: no iperf3"; exit 77; }
TAP=nt$ID
router() { # FORWARD
	write_config "$WORK/r.json" $TAP '[{"name": "r", "vnics": [
	  {"name": "eth0", "mac": "02:00:00:81:01:01", "vlan": 10, "addresses": ["10.81.1.1/24"]},
	  {"name": "eth1", "mac": "02:00:00:81:02:01", "vlan": 20, "addresses": ["10.81.2.1/24"]}],
	  "sysctls": {"net.ipv4.ip_forward": "'$1'"}}]'
	start_daemon "$WORK/r.json"
	netns sw$ID; netns c1$ID; netns c2$ID
	tap_to sw$ID $TAP
	vlan_to sw$ID $TAP 10 c1$ID 10.81.1.2/24
	vlan_to sw$ID $TAP 20 c2$ID 10.81.2.2/24
	vlan_switch sw$ID $TAP
	ip -n c1$ID route add default via 10.81.1.1
	ip -n c2$ID route add default via 10.81.2.1
}
teardown() {
	stop_daemon
	ip netns pids sw$ID | xargs -r kill
	ip netns del sw$ID; ip netns del c1$ID; ip netns del c2$ID
	rm -rf "$WORK/state"	# the next run starts from its config alone
}

router 1
pings c1$ID 10.81.2.2 && pass "ping through the router" || fail "no ping through the router"
ip netns exec c2$ID iperf3 -s -1 -D --logfile "$WORK/iperf-s.log"
sleep 0.5
if ip netns exec c1$ID timeout 20 iperf3 -c 10.81.2.2 -t 2 -J > "$WORK/iperf.json"; then
	bps=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$WORK/iperf.json")
	[ "${bps:-0}" -gt 0 ] && pass "iperf3 through the router: $((bps / 1000000)) Mbit/s" || fail "iperf3 moved nothing"
else
	fail "iperf3 through the router failed"
	tail -5 "$WORK/iperf.json"
fi
teardown

router 0
pings c1$ID 10.81.2.2 1 && fail "ping passes with ip_forward=0" || pass "no ping with ip_forward=0"
ip netns exec c2$ID iperf3 -s -1 -D
sleep 0.3
ip netns exec c1$ID timeout 5 iperf3 -c 10.81.2.2 -t 1 --connect-timeout 1500 >/dev/null 2>&1 \
	&& fail "iperf3 passes with ip_forward=0" || pass "no iperf3 with ip_forward=0"
ip netns exec c2$ID pkill -f "iperf3 -s" 2>/dev/null
teardown
exit $FAILED
