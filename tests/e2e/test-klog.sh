#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each tenant's kernel log: an iptables LOG rule and an nft log statement
# in tenant t log the client's pings; the lines are in GET
# /tenants/t/log and in the daemon's log, tagged with t, and not in
# tenant u's, which logs its own; a flood is held back in the daemon's
# log (with a count) but kept, its last lines, in the tenant's; a
# tenant made anew starts with an empty log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
for t in iptables-legacy nft curl ping; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=nl$ID
CLIENT=c$ID
netns $CLIENT
write_config "$WORK/a.json" $TAP '[
  {"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:7f:00:10", "addresses": ["10.78.0.10/24"]}]},
  {"name": "u", "vnics": [{"name": "eth0", "mac": "02:00:00:7f:00:20", "addresses": ["10.78.0.20/24"]}]}]'
start_daemon "$WORK/a.json"
tap_to $CLIENT $TAP
ip -n $CLIENT addr add 10.78.0.1/24 dev $TAP
API=http://127.0.0.1:$API_PORT
X() { local t=$1; shift; $DAEMON exec --socket "$WORK/rpc.sock" "$t" -- "$@"; }
klog() { curl -s -o "$WORK/log.$1" -w '%{http_code}' "$API/tenants/$1/log"; }

[ "$(klog t)" = 200 ] && [ ! -s "$WORK/log.t" ] && pass "a new tenant's log is empty" ||
	fail "new log: $(cat "$WORK/log.t")"
X t iptables-legacy -A INPUT -p icmp --icmp-type echo-request -j LOG --log-prefix "T-IPT: " ||
	fail "iptables -j LOG"
X t nft add table inet f && X t nft add chain inet f in '{ type filter hook input priority 0; }' &&
	X t nft add rule inet f in icmp type echo-request log prefix '"T-NFT: "' || fail "nft log"
X u iptables-legacy -A INPUT -p icmp -j LOG --log-prefix "U-IPT: " || fail "u: iptables -j LOG"
pings $CLIENT 10.78.0.10 3 || fail "no ping replies from t"
pings $CLIENT 10.78.0.20 1 || fail "no ping replies from u"
sleep 0.3
[ "$(klog t)" = 200 ] || fail "GET t/log: $(cat "$WORK/log.t")"
[ "$(grep -c 'T-IPT: IN=eth0 OUT= .*SRC=10.78.0.1 DST=10.78.0.10 .*PROTO=ICMP TYPE=8' "$WORK/log.t")" = 3 ] &&
	pass "t's log: the 3 pings, by its LOG rule" || fail "t's log: $(cat "$WORK/log.t")"
[ "$(grep -c 'T-NFT: IN=eth0 OUT= .*SRC=10.78.0.1 DST=10.78.0.10' "$WORK/log.t")" = 3 ] &&
	pass "t's log: the 3 pings, by its nft log rule" || fail "t's nft lines: $(cat "$WORK/log.t")"
grep -q '^20[0-9-]*T[0-9:.]*Z T-IPT' "$WORK/log.t" && pass "each line has its time" ||
	fail "times: $(head -2 "$WORK/log.t")"
grep -q 'U-IPT\|netns' "$WORK/log.t" && fail "u's lines (or the tag) in t's log" ||
	pass "t's log holds none of u's"
klog u > /dev/null
grep -q 'U-IPT: IN=eth0 .*DST=10.78.0.20' "$WORK/log.u" && ! grep -q 'T-IPT\|T-NFT' "$WORK/log.u" &&
	pass "u's log: its own line only" || fail "u's log: $(cat "$WORK/log.u")"
grep -q 'tenant t: kernel: T-IPT: IN=eth0' "$WORK/daemon.log" &&
	grep -q 'tenant u: kernel: U-IPT: IN=eth0' "$WORK/daemon.log" &&
	pass "the daemon's log has them, tagged with their tenant" ||
	fail "daemon log: $(grep -i 'kernel' "$WORK/daemon.log" | tail -5)"
grep -q 'kernel: \[netns' "$WORK/daemon.log" && fail "an untagged namespace line in the daemon log" ||
	pass "no raw namespace tag in the daemon's log"

# A flood: the daemon's log holds back, the tenant's keeps the last 256.
ip netns exec $CLIENT ping -n -f -c 600 10.78.0.10 > /dev/null 2>&1
sleep 1.2
pings $CLIENT 10.78.0.10 1	# the next second: the count of those held back
sleep 0.3
n=$(grep -c 'tenant t: kernel:' "$WORK/daemon.log")
[ "$n" -lt 300 ] && grep -q 'tenant t: [0-9]* kernel log line(s) held back' "$WORK/daemon.log" &&
	pass "a flood: $n lines in the daemon's log, the rest counted" ||
	fail "flood: $n lines in the daemon's log, $(grep -c 'held back' "$WORK/daemon.log") held-back notes"
klog t > /dev/null
[ "$(wc -l < "$WORK/log.t")" = 256 ] && pass "t's log: its last 256 lines" ||
	fail "t's log has $(wc -l < "$WORK/log.t") lines"

[ "$(klog nobody)" = 404 ] && pass "no such tenant: 404" || fail "nobody: $(cat "$WORK/log.nobody")"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/tenants/t")
[ "$code" = 204 ] || fail "DELETE t: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-d '{"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:7f:00:10"}]}' "$API/tenants")
[ "$code" = 201 ] && [ "$(klog t)" = 200 ] && [ ! -s "$WORK/log.t" ] &&
	pass "t made anew: an empty log" || fail "t anew: $code $(head -3 "$WORK/log.t")"
stop_daemon
exit $FAILED
