#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Virtual devices and traffic control inside tenants, made with Debian's
# ip, bridge and tc through exec, each with real packets from a client
# host across the shared port: a bridge with VLAN filtering (and a
# filtered VLAN that stops the pings), an active-backup bond, a VRF
# whose table alone reaches the client, a dummy device routed to, and
# tc's qdiscs, classes, classifiers and actions with their counters.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
for t in ip tc bridge ping; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=nv$ID
CLIENT=c$ID
netns $CLIENT
write_config "$WORK/a.json" $TAP '[
  {"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:7b:00:10",
			   "addresses": ["10.78.0.10/24"]}]},
  {"name": "br", "vnics": [{"name": "eth0", "mac": "02:00:00:7b:00:20"}]},
  {"name": "bd", "vnics": [{"name": "eth0", "mac": "02:00:00:7b:00:30"}]},
  {"name": "v", "vnics": [{"name": "eth0", "mac": "02:00:00:7b:00:40",
			   "addresses": ["10.78.0.40/24"]}]}]'
start_daemon "$WORK/a.json"
tap_to $CLIENT $TAP
ip -n $CLIENT addr add 10.78.0.1/24 dev $TAP
wait_for test -S "$WORK/rpc.sock" || die "no RPC socket"
X() { local t=$1; shift; $DAEMON exec --socket "$WORK/rpc.sock" "$t" -- "$@"; }
cping() { ip netns exec $CLIENT ping -n -c "${3:-3}" -i 0.2 -W 1 "$2" 2>&1 | grep -q " ${3:-3} received"; }
cnoping() { ! ip netns exec $CLIENT ping -n -c 2 -i 0.2 -W 1 "$1" 2>&1 | grep -q " [12] received"; }

# A bridge with VLAN filtering over eth0; the address is the bridge's.
X br ip link add br0 type bridge vlan_filtering 1 || fail "ip link add type bridge"
X br ip link set eth0 master br0 || fail "eth0 into the bridge"
X br ip addr add 10.78.0.20/24 dev br0
X br ip link set br0 up
cping br 10.78.0.20 && pass "bridge: the client reaches the bridge's address" ||
	fail "bridge: no reply"
X br bridge vlan show dev eth0 | grep -q "1 PVID" && pass "bridge vlan: eth0 has PVID 1" ||
	fail "bridge vlan show: $(X br bridge vlan show)"
X br bridge vlan del dev eth0 vid 1
cnoping 10.78.0.20 && pass "bridge: VLAN 1 filtered off eth0, no reply" ||
	fail "bridge: replies with VLAN 1 filtered"
X br bridge vlan add dev eth0 vid 1 pvid untagged
cping br 10.78.0.20 && pass "bridge: VLAN 1 back, replies again" || fail "bridge: VLAN 1 back"
X br bridge fdb show br br0 | grep -qi "$(ip -n $CLIENT -br link show $TAP | awk '{print $3}')" &&
	pass "bridge fdb: learned the client's MAC" || fail "bridge fdb: $(X br bridge fdb show br br0)"

# An active-backup bond with eth0 as its slave.
X bd ip link add bond0 type bond mode active-backup miimon 100 || fail "ip link add type bond"
X bd ip link set eth0 down
X bd ip link set eth0 master bond0 || fail "eth0 into the bond"
X bd ip addr add 10.78.0.30/24 dev bond0
X bd ip link set bond0 up
sleep 0.3
cping bd 10.78.0.30 && pass "bond: the client reaches the bond's address" || fail "bond: no reply"
X bd ip -d link show bond0 | grep -q "bond mode active-backup active_slave eth0" &&
	pass "bond: eth0 is the active slave" || fail "bond: $(X bd ip -d link show bond0)"

# A VRF: with eth0 in it, only the VRF's table reaches the client.
X v ip link add vrf1 type vrf table 10 || fail "ip link add type vrf"
X v ip link set vrf1 up
X v ip link set eth0 master vrf1 || fail "eth0 into the VRF"
X v ip route show vrf vrf1 | grep -q "10.78.0.0/24 dev eth0" &&
	pass "vrf: the connected route is in table 10" || fail "vrf: $(X v ip route show vrf vrf1)"
X v ping -n -c 1 -W 1 10.78.0.1 >/dev/null 2>&1 && fail "vrf: main table reaches the client" ||
	pass "vrf: the main table does not reach the client"
X v ping -n -c 2 -i 0.2 -W 1 -I vrf1 10.78.0.1 2>&1 | grep -q " 2 received" &&
	pass "vrf: ping -I vrf1 is answered" || fail "vrf: ping -I vrf1"

# A dummy device, routed to by the client.
X t ip link add d0 type dummy || fail "ip link add type dummy"
X t ip addr add 10.97.0.1/32 dev d0
X t ip link set d0 up
ip -n $CLIENT route add 10.97.0.1/32 via 10.78.0.10
cping t 10.97.0.1 && pass "dummy: the client reaches its address through t" || fail "dummy"
# macvlan and 802.1Q sub-interfaces are made (their own MACs and tags are
# not vNICs of the port, so no frame reaches them from outside).
X t ip link add mv0 link eth0 type macvlan mode bridge &&
	X t ip -d link show mv0 | grep -q "macvlan mode bridge" && pass "macvlan made" ||
	fail "macvlan"
X t ip link add link eth0 name eth0.5 type vlan id 5 &&
	X t ip -d link show eth0.5 | grep -q "vlan protocol 802.1Q id 5" && pass "802.1Q eth0.5 made" ||
	fail "vlan sub-interface"

# tc: htb with an fq_codel leaf and a u32 filter to a class of its own.
X t tc qdisc add dev eth0 root handle 1: htb default 10 || fail "tc qdisc htb"
X t tc class add dev eth0 parent 1: classid 1:10 htb rate 50mbit
X t tc class add dev eth0 parent 1: classid 1:20 htb rate 5mbit
X t tc qdisc add dev eth0 parent 1:10 fq_codel || fail "tc fq_codel"
X t tc qdisc add dev eth0 parent 1:20 tbf rate 5mbit burst 16k latency 50ms || fail "tc tbf"
X t tc filter add dev eth0 parent 1: protocol ip u32 match ip dst 10.78.0.1/32 \
	match ip protocol 1 0xff flowid 1:20 || fail "tc filter u32"
cping t 10.78.0.10 5 || fail "ping t through htb"
sent() { X t tc -s class show dev eth0 classid "$1" | awk '/Sent/ {print $4; exit}'; }
[ "$(sent 1:20)" -ge 5 ] && pass "u32: the replies went through class 1:20 ($(sent 1:20))" ||
	fail "class 1:20 sent $(sent 1:20)"
X t tc -s qdisc show dev eth0 | grep -q "qdisc fq_codel" && pass "tc: fq_codel under 1:10" ||
	fail "no fq_codel"
X t tc qdisc add dev d0 root fq && pass "tc: fq on d0" || fail "tc qdisc fq"
# Ingress: flower + gact drops ICMP, then matchall + police drops above
# its rate and mirred copies what passes to d0.
X t tc qdisc add dev eth0 ingress || fail "tc ingress"
X t tc filter add dev eth0 ingress pref 10 protocol ip flower ip_proto icmp action drop ||
	fail "tc flower"
cnoping 10.78.0.10 && pass "flower: ICMP dropped at ingress" || fail "flower: replies"
X t tc -s filter show dev eth0 ingress | grep -q "action order 1: gact action drop" ||
	fail "flower: no gact"
X t tc filter del dev eth0 ingress pref 10
cping t 10.78.0.10 && pass "flower filter deleted, replies again" || fail "after flower"
X t tc filter add dev eth0 ingress pref 20 matchall action police rate 64kbit burst 4k drop \
	|| fail "tc matchall police"
X t tc filter add dev eth0 ingress pref 30 protocol ip flower ip_proto icmp \
	action mirred egress mirror dev d0 || fail "tc mirred"
ip netns exec $CLIENT ping -n -f -c 300 -s 1200 -W 1 10.78.0.10 > /dev/null 2>&1
dropped=$(X t tc -s filter show dev eth0 ingress | awk '/police/ {p = 1} p && /dropped/ {sub(",", "", $7); print $7; exit}')
[ "${dropped:-0}" -gt 0 ] && pass "police: dropped $dropped over 64 kbit/s" ||
	fail "police dropped ${dropped:-nothing}: $(X t tc -s filter show dev eth0 ingress)"
mirrored=$(X t ip -s link show d0 | awk '/TX:/ {getline; print $2}')
[ "${mirrored:-0}" -gt 0 ] && pass "mirred: $mirrored packets copied to d0" ||
	fail "mirred: d0 sent ${mirrored:-nothing}"

stop_daemon
grep -E 'BUG|WARNING|Oops' "$WORK/daemon.log" && fail "kernel complained" ||
	pass "the kernel said nothing wrong"
exit $FAILED
