#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An ARP flood from the wire, random senders in tenant a's subnet, does
# not take the kernel's neighbour table from tenant b on the same VLAN:
# during the flood b answers a new client and resolves its gateway, a
# keeps answering the host it already knew, and a holds no more entries
# than its budget (net.core.neigh_max_entries, 1024 by default), which
# the API sets per tenant.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
TAP=nf$ID
SOCK=$WORK/rpc.sock
API=http://127.0.0.1:$API_PORT
FLOOD_COUNT=30000 FLOOD_SECONDS=12
netns c$ID
write_config "$WORK/a.json" $TAP '[
  {"name": "a", "vnics": [{"name": "eth0", "mac": "02:00:00:81:00:10",
			   "addresses": ["10.81.0.10/16"]}]},
  {"name": "b", "vnics": [{"name": "eth0", "mac": "02:00:00:82:00:10",
			   "addresses": ["10.82.0.10/24"]}],
   "routes": [{"dst": "0.0.0.0/0", "via": "10.82.0.1"}]}]'
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
C="ip netns exec c$ID"
ip -n c$ID addr add 10.81.0.1/16 dev $TAP
ip -n c$ID addr add 10.82.0.1/24 dev $TAP
ip -n c$ID addr add 10.82.0.77/32 dev $TAP	# b's new client
ip -n c$ID addr add 10.83.0.5/32 dev $TAP	# behind b's gateway
A="$DAEMON exec --socket $SOCK a --"

# replies FROM DST COUNT: how many of COUNT pings from FROM to DST came back
replies() {
	$C ping -n -c "$3" -i 0.2 -W 1 -I "$1" "$2" 2>/dev/null |
		awk '/received/ {print $4}'
}

[ "$(replies 10.81.0.1 10.81.0.10 3)" -ge 1 ] 2>/dev/null &&
	pass "a answers 10.81.0.1 before the flood" || die "a does not answer at all"

$C python3 "$(dirname "$0")/arpflood.py" $TAP 10.81.0.10 10.81.0.0/16 \
	$FLOOD_COUNT $FLOOD_SECONDS > "$WORK/flood.out" 2>&1 &
FLOOD=$!
undo "kill $FLOOD"
sleep 3		# the flood has sent several times a's budget by now

got=$(replies 10.82.0.77 10.82.0.10 5)
[ "${got:-0}" -ge 3 ] && pass "b answers a new client during the flood ($got/5)" ||
	fail "b answers a new client during the flood: ${got:-0}/5"
got=$(replies 10.83.0.5 10.82.0.10 5)
[ "${got:-0}" -ge 3 ] && pass "b resolves its gateway during the flood ($got/5)" ||
	fail "b resolves its gateway during the flood: ${got:-0}/5"
got=$(replies 10.81.0.1 10.81.0.10 5)
[ "${got:-0}" -ge 3 ] && pass "a still answers the host it knew ($got/5)" ||
	fail "a still answers the host it knew: ${got:-0}/5"
if wait_for test -S "$SOCK"; then
	n=$($A cat /proc/net/arp | tail -n +2 | wc -l)
	[ "$n" -ge 512 ] && [ "$n" -le 1024 ] &&
		pass "a holds $n neighbour entries (budget 1024)" ||
		fail "a holds $n neighbour entries, budget 1024"
else
	fail "no RPC socket at $SOCK"
fi
kill -0 $FLOOD 2>/dev/null || fail "the flood ended early: $(cat "$WORK/flood.out")"
wait $FLOOD
cat "$WORK/flood.out"

# The budget is a tenant's sysctl: set through the API, read back, b's own.
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X PATCH -H 'Content-Type: application/json' \
	-d '{"net.core.neigh_max_entries": "256"}' "$API/tenants/b/sysctls")
[ "$code" = 200 ] && grep -q '"net.core.neigh_max_entries": *"256"' "$WORK/body" &&
	pass "PATCH b's neigh_max_entries" || fail "PATCH b's neigh_max_entries: $code $(cat "$WORK/body")"
curl -s "$API/tenants/a/sysctls?name=net.core.neigh_max_entries" > "$WORK/body"
grep -q '"net.core.neigh_max_entries": *"1024"' "$WORK/body" &&
	pass "a's budget stays 1024" || fail "a's budget: $(cat "$WORK/body")"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X PATCH -H 'Content-Type: application/json' \
	-d '{"net.core.neigh_max_entries": "0"}' "$API/tenants/b/sysctls")
[ "$code" = 422 ] && pass "a budget of 0 is refused" || fail "budget 0: $code $(cat "$WORK/body")"

stop_daemon
exit $FAILED
