#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Offloads and jumbo frames through the port: a router tenant between two
# client hosts; a file crosses it byte for byte (TCP, IPv4 and IPv6,
# sha256 compared), with MTU 1500 and 9000, over
#  - net_tap, which takes checksums and TSO (the port cuts super-frames,
#    given as chains of mbufs; its frames stop at 1,522 bytes, so no
#    jumbo: the daemon says so at start, as tested),
#  - net_af_packet on a veth, which takes no offloads (the kernel cuts
#    and checksums what the router forwards), and
#  - net_tap with "offloads": false.
# Counters show which path each took.
. "$(dirname "$0")/lib.sh"
need_root
command -v nc >/dev/null && command -v sha256sum >/dev/null || { echo "skip: no nc"; exit 77; }
head -c $((3 << 20)) /dev/urandom > "$WORK/blob"
want=$(sha256sum < "$WORK/blob" | cut -d' ' -f1)

RT='[{"name": "r", "vnics": [
  {"name": "eth0", "mac": "02:00:00:8a:01:01", "mtu": MTU, "addresses": ["10.138.1.1/24", "fd8a:1::1/64"]},
  {"name": "eth1", "mac": "02:00:00:8a:02:01", "mtu": MTU, "addresses": ["10.138.2.1/24", "fd8a:2::1/64"]}],
  "sysctls": {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}}]'

# one KIND OFFLOADS MTU
one() {
	local kind=$1 off=$2 mtu=$3 dev=no$ID port lower i
	netns sw$ID; netns c1$ID; netns c2$ID
	if [ $kind = tap ]; then
		port="net_tap$ID,iface=$dev"
	else
		ip link add $dev type veth peer name up$ID netns sw$ID
		ip link set $dev mtu $mtu up
		ip -n sw$ID link set up$ID mtu $mtu up
		# the socket sees frames as the veth got them: finished ones only
		ethtool -K $dev gro off >/dev/null 2>&1
		ip netns exec sw$ID ethtool -K up$ID tx off tso off gso off >/dev/null 2>&1
		local fsz=2048
		[ $mtu -gt 1500 ] && fsz=9216
		port="net_af_packet$ID,iface=$dev,blocksz=$((fsz * 4)),framesz=$fsz,framecnt=512"
	fi
	write_config "$WORK/o.json" $dev "${RT//MTU/$mtu}"
	sed -i "s|\"port\": \"[^\"]*\"|\"port\": \"$port\", \"offloads\": $off, \"mtu\": $mtu|" "$WORK/o.json"
	start_daemon "$WORK/o.json"
	if [ $kind = tap ]; then
		tap_to sw$ID $dev
		ip -n sw$ID link set $dev mtu $mtu up
		lower=$dev
	else
		lower=up$ID
	fi
	for i in 1 2; do
		ip -n sw$ID link add link $lower name m$i type macvlan mode bridge
		ip -n sw$ID link set m$i mtu $mtu netns c$i$ID
		ip -n c$i$ID link set m$i name eth0 up
		ip -n c$i$ID addr add 10.138.$i.2/24 dev eth0
		ip -n c$i$ID addr add fd8a:$i::2/64 dev eth0 nodad
		ip -n c$i$ID route add default via 10.138.$i.1
		ip -n c$i$ID -6 route add default via fd8a:$i::1
	done
	local what="$kind, offloads $off, MTU $mtu"
	# a frame of the full MTU, unfragmented, both ways
	ip netns exec c1$ID ping -c 2 -i 0.2 -W 2 -M do -s $((mtu - 28)) 10.138.2.2 >/dev/null 2>&1 \
		&& pass "$what: ping of $mtu bytes, DF" || fail "$what: no ping of $mtu bytes"
	for dst in 10.138.2.2 fd8a:2::2; do
		rm -f "$WORK/got"
		local fam=-4
		[[ $dst == *:* ]] && fam=-6
		ip netns exec c2$ID timeout 30 nc $fam -l -N 5001 > "$WORK/got" 2>/dev/null &
		local srv=$!
		sleep 0.3
		ip netns exec c1$ID timeout 30 nc -N $dst 5001 < "$WORK/blob" 2>/dev/null
		wait $srv 2>/dev/null
		sleep 0.2
		local got=$(sha256sum < "$WORK/got" | cut -d' ' -f1)
		[ "$got" = "$want" ] && pass "$what: 3 MiB to $dst byte for byte" \
			|| fail "$what: the file to $dst arrived as $(stat -c %s "$WORK/got") bytes, sha256 ${got:0:12}"
	done
	tso=$(metric nuse_dataplane_tx_tso_total)
	sw=$(metric nuse_dataplane_tx_software_total)
	multi=$(metric nuse_dataplane_rx_multiseg_total)
	echo "  $what: tso $tso, back to the kernel $sw, rx in chains $multi"
	case $kind:$off in
	tap:true) [ "$tso" -gt 0 ] && pass "$what: the port cut super-frames" \
		|| fail "$what: no TSO on the port" ;;
	af_packet:true) [ "$sw" -gt 0 ] && [ "$tso" = 0 ] && pass "$what: the kernel cut them" \
		|| fail "$what: tso $tso, software $sw" ;;
	*:false) [ "$sw" = 0 ] && [ "$tso" = 0 ] && pass "$what: no offloads used" \
		|| fail "$what: offloads used (tso $tso, software $sw)" ;;
	esac
	stop_daemon
	ip netns pids sw$ID | xargs -r kill 2>/dev/null
	ip netns del c1$ID; ip netns del c2$ID; ip netns del sw$ID
	ip link del $dev 2>/dev/null
	rm -rf "$WORK/state"
	UNDO=()
}

one tap true 1500
# net_tap refuses jumbo frames: a clear error at start
write_config "$WORK/j.json" no$ID "[]"
sed -i 's|"mbufs": 4095|"mbufs": 4095, "mtu": 9000|' "$WORK/j.json"
"$DAEMON" --config "$WORK/j.json" > "$WORK/j.log" 2>&1 &
jp=$!
for i in $(seq 100); do kill -0 $jp 2>/dev/null || break; sleep 0.1; done
kill -0 $jp 2>/dev/null && { kill -9 $jp; fail "net_tap with MTU 9000 started"; }
grep -q "(net_tap) takes an MTU of [0-9]* to 1[0-9]*, not dpdk.mtu 9000" "$WORK/j.log" \
	&& pass "net_tap with dpdk.mtu 9000: refused, saying why" \
	|| { fail "no clear error for MTU 9000 on net_tap"; tail -3 "$WORK/j.log"; }
one af_packet true 1500
one tap false 1500

# Jumbo frames between two tenants of the appliance (their vNICs' MTU
# 9000; hairpinned, so the port's MTU does not bound them): a full-size
# frame with DF, and a TCP transfer, both ways of the vNIC's path.
write_config "$WORK/h.json" no$ID '[
  {"name": "a", "vnics": [{"name": "eth0", "mac": "02:00:00:8a:03:01", "mtu": 9000,
     "addresses": ["10.138.3.1/24"]}]},
  {"name": "b", "vnics": [{"name": "eth0", "mac": "02:00:00:8a:03:02", "mtu": 9000,
     "addresses": ["10.138.3.2/24"]}]}]'
start_daemon "$WORK/h.json"
X="$DAEMON exec --socket $WORK/rpc.sock"
$X a -- ping -c 2 -i 0.2 -W 2 -M do -s 8972 10.138.3.2 >/dev/null 2>&1 \
	&& pass "tenant to tenant: ping of 9000 bytes, DF" || fail "no jumbo ping between tenants"
peer=$(metric nuse_vnic_rx_peer_packets_total)
[ "$peer" -gt 0 ] && pass "tenant to tenant: $peer frames handed across as peers" \
	|| fail "no frame went across as a peer"
stop_daemon
exit $FAILED
