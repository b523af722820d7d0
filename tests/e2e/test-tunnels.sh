#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tunnels between two tenants across the shared port, made with Debian's
# own tools through exec: WireGuard (wg), IPsec ESP in tunnel mode with
# AES-GCM (ip xfrm), VXLAN, GRE, GRETAP, IPIP and SIT (ip link).  The
# tenants are on two subnets routed by the client host, so every
# encapsulated packet leaves the port and comes back in: the host's
# capture on the tap shows each tunnel's protocol, and the inner pings
# are answered.  (This host kernel has no WireGuard, ESP, GRE or IPIP of
# its own, so the far end of each tunnel is the other tenant.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
for t in wg ip tcpdump; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=nw$ID
CLIENT=c$ID
netns $CLIENT
write_config "$WORK/a.json" $TAP '[
  {"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:7a:00:10",
			   "addresses": ["10.78.0.10/24"]}],
   "routes": [{"dst": "0.0.0.0/0", "via": "10.78.0.1"}]},
  {"name": "u", "vnics": [{"name": "eth0", "mac": "02:00:00:7a:00:20",
			   "addresses": ["10.79.0.20/24"]}],
   "routes": [{"dst": "0.0.0.0/0", "via": "10.79.0.1"}]}]'
start_daemon "$WORK/a.json"
tap_to $CLIENT $TAP
ip -n $CLIENT addr add 10.78.0.1/24 dev $TAP
ip -n $CLIENT addr add 10.79.0.1/24 dev $TAP
ip netns exec $CLIENT sysctl -qw net.ipv4.ip_forward=1 \
	net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.$TAP.send_redirects=0
wait_for test -S "$WORK/rpc.sock" || die "no RPC socket"
# --immediate-mode: each packet written as it comes, not when the
# kernel's ring block times out (a second), which the kill below would cut.
ip netns exec $CLIENT tcpdump -n -i $TAP -w "$WORK/wire.pcap" -U --immediate-mode 2>/dev/null &
DUMP=$!
undo "kill $DUMP"
sleep 0.5

T() { $DAEMON exec --socket "$WORK/rpc.sock" t -- "$@"; }
U() { $DAEMON exec --socket "$WORK/rpc.sock" u -- "$@"; }
A=10.78.0.10 B=10.79.0.20

T ping -n -c 2 -i 0.2 -W 2 $B > /dev/null && pass "t reaches u through the client's router" ||
	die "no route between the tenants"

# tunnel NAME CHECK-ADDR: ping the far end's inner address from t
inner_ping() {
	local what=$1 addr=$2 opt=${3:-}
	if T ping -n $opt -c 3 -i 0.2 -W 2 "$addr" > "$WORK/p.out" 2>&1 &&
		grep -q " 3 received" "$WORK/p.out"; then
		pass "$what: ping over the tunnel answered"
	else
		fail "$what: ping $addr"; cat "$WORK/p.out"
	fi
}

# WireGuard: keys from wg, the interface from ip, the peer from wg set.
umask 077
wg genkey > "$WORK/t.key"; wg pubkey < "$WORK/t.key" > "$WORK/t.pub"
wg genkey > "$WORK/u.key"; wg pubkey < "$WORK/u.key" > "$WORK/u.pub"
umask 022
for side in "T t $A 10.90.0.1 u $B" "U u $B 10.90.0.2 t $A"; do
	set -- $side
	$1 ip link add wg0 type wireguard || fail "$2: ip link add wg0 type wireguard"
	$1 wg set wg0 private-key "$WORK/$2.key" listen-port 51820 \
		peer "$(cat "$WORK/$5.pub")" endpoint "$6:51820" allowed-ips 10.90.0.0/24 ||
		fail "$2: wg set"
	$1 ip addr add "$4/24" dev wg0
	$1 ip link set wg0 up
done
T wg show wg0 | grep -q "peer: $(cat "$WORK/u.pub")" && pass "wg show: u is t's peer" ||
	fail "wg show: $(T wg show wg0)"
inner_ping WireGuard 10.90.0.2
T wg show wg0 transfer | awk '{exit !($2 > 0 && $3 > 0)}' &&
	pass "wg: bytes both ways" || fail "wg transfer: $(T wg show wg0 transfer)"

# IPsec: ESP tunnel mode, AES-GCM, static keys; the inner networks are
# on a dummy device on each side.
K1=0x$(printf '%040x' 0x1234567890abcdef)
K2=0x$(printf '%040x' 0xfedcba0987654321)
xfrm_side() { # RUN LOCAL REMOTE LNET RNET LADDR OUTSPI INSPI OUTKEY INKEY
	local R=$1
	$R ip link add d1 type dummy && $R ip addr add "$6/24" dev d1 && $R ip link set d1 up ||
		fail "dummy for IPsec"
	$R ip xfrm state add src $2 dst $3 proto esp spi $7 reqid 1 mode tunnel \
		aead 'rfc4106(gcm(aes))' $9 128 || fail "ip xfrm state add (out)"
	$R ip xfrm state add src $3 dst $2 proto esp spi $8 reqid 1 mode tunnel \
		aead 'rfc4106(gcm(aes))' ${10} 128 || fail "ip xfrm state add (in)"
	$R ip xfrm policy add src $4 dst $5 dir out tmpl src $2 dst $3 proto esp \
		reqid 1 mode tunnel || fail "ip xfrm policy (out)"
	$R ip xfrm policy add src $5 dst $4 dir in tmpl src $3 dst $2 proto esp \
		reqid 1 mode tunnel || fail "ip xfrm policy (in)"
}
xfrm_side T $A $B 10.91.1.0/24 10.91.2.0/24 10.91.1.1 0x1001 0x1002 $K1 $K2
xfrm_side U $B $A 10.91.2.0/24 10.91.1.0/24 10.91.2.1 0x1002 0x1001 $K2 $K1
inner_ping "IPsec ESP" 10.91.2.1 "-I 10.91.1.1"
# Both SAs counted the pings: "lifetime current:" then "N(bytes), M(packets)".
c=$(T ip -s xfrm state | awk '/lifetime current:/ {getline; if ($2 ~ /^[1-9][0-9]*\(packets\)/) n++} END {print n + 0}')
[ "$c" = 2 ] && pass "ip -s xfrm state: both SAs carried packets" ||
	fail "ip -s xfrm state: $c SAs counted packets"

# VXLAN, GRE, GRETAP, IPIP: point to point between the tenants' eth0.
n=92
for kind in "vxlan id 42 dstport 4789" gre gretap ipip; do
	dev=${kind%% *}1
	T ip link add $dev type $kind local $A remote $B || fail "t: ip link add type $kind"
	U ip link add $dev type $kind local $B remote $A || fail "u: ip link add type $kind"
	T ip addr add 10.$n.0.1/24 dev $dev; T ip link set $dev up
	U ip addr add 10.$n.0.2/24 dev $dev; U ip link set $dev up
	inner_ping "${kind%% *}" 10.$n.0.2
	n=$((n + 1))
done
# SIT: IPv6 over IPv4.
T ip link add sit1 type sit local $A remote $B || fail "t: ip link add type sit"
U ip link add sit1 type sit local $B remote $A || fail "u: ip link add type sit"
T ip addr add fd96::1/64 dev sit1; T ip link set sit1 up
U ip addr add fd96::2/64 dev sit1; U ip link set sit1 up
inner_ping "sit" fd96::2 -6

# Each tunnel's packets were on the wire.
sleep 1
kill -INT $DUMP; wait $DUMP 2>/dev/null
on_wire() { tcpdump -n -r "$WORK/wire.pcap" "$2" 2>/dev/null | wc -l; }
for w in "WireGuard:udp port 51820" "ESP:ip proto 50" "VXLAN:udp port 4789" \
	"GRE and GRETAP:ip proto 47" "IPIP:ip proto 4" "SIT:ip proto 41"; do
	c=$(on_wire "${w%%:*}" "${w#*:}")
	[ "$c" -ge 6 ] && pass "${w%%:*}: $c packets crossed the port" ||
		fail "${w%%:*}: $c packets on the wire (${w#*:})"
done
# No inner address ever appeared in the clear.
c=$(on_wire clear "host 10.90.0.2 or host 10.91.2.1")
[ "$c" = 0 ] && pass "no inner WireGuard or IPsec packet in the clear" ||
	fail "$c inner packets in the clear"

stop_daemon
grep -E 'BUG|WARNING|Oops' "$WORK/daemon.log" && fail "kernel complained" ||
	pass "the kernel said nothing wrong"
exit $FAILED
