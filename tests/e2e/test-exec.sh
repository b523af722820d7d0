#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `nuse-appliance exec TENANT -- CMD`: the real daemon, two tenants, a
# client host behind the net_tap port, and Debian's unmodified ip, ping,
# ss, iptables-legacy, nc, curl and iperf3 run in one tenant through the
# preload library (tests/preload/tools.sh has the checks).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
for t in python3 ping ss nc curl iperf3 iptables-legacy ${CC:-cc}; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=nx$ID
CLIENT=c$ID
SOCK=$WORK/rpc.sock		# write_config puts it there
netns $CLIENT
write_config "$WORK/a.json" $TAP '[
  {"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:78:00:10",
			   "addresses": ["10.78.0.10/24", "fd78::10/64"]}]},
  {"name": "u", "vnics": [{"name": "eth0", "mac": "02:00:00:78:00:20",
			   "addresses": ["10.78.0.20/24"]}]}]'
start_daemon "$WORK/a.json"
tap_to $CLIENT $TAP
ip -n $CLIENT addr add 10.78.0.1/24 dev $TAP
ip -n $CLIENT addr add fd78::1/64 dev $TAP nodad
wait_for test -S "$SOCK" || die "no RPC socket at $SOCK"

RUN="$DAEMON exec --socket $SOCK t --"
T_IF=eth0 T_ADDR=10.78.0.10 T_ADDR6=fd78::10 C_ADDR=10.78.0.1 C_ADDR6=fd78::1
T_ADDRS=$(printf '10.78.0.10/24\nfd78::10/64' | sort)
T_ROUTES="10.78.0.0/24 dev eth0 proto kernel scope link src 10.78.0.10"
tools_all

# The other tenant sees none of it.
U="$DAEMON exec --socket $SOCK u --"
got=$($U ip -o addr show scope global | awk '{print $4}')
[ "$got" = "10.78.0.20/24" ] && pass "tenant u: its own address only" ||
	fail "tenant u: ip addr [$got]"
$U iptables-legacy-save | grep -q "dport 22" && fail "tenant u sees t's rules" ||
	pass "tenant u: not t's rules"

# exec's own failures: its status, and one line saying why.
$DAEMON exec --socket "$SOCK" nosuch -- true 2> "$WORK/err"
[ $? = 125 ] && grep -q "no such tenant" "$WORK/err" && pass "exec nosuch: 125, said" ||
	fail "exec nosuch: [$(cat "$WORK/err")]"
$DAEMON exec --socket "$WORK/none.sock" t -- true 2> "$WORK/err"
[ $? = 125 ] && grep -q "cannot reach" "$WORK/err" && pass "exec, no appliance: 125" ||
	fail "exec, no appliance: [$(cat "$WORK/err")]"
stop_daemon
exit $FAILED
