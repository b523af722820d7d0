#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 100,000 malformed frames at the port (runts, oversized, bad VLAN tags,
# random bytes, bogus IP headers): all dropped or handled, the counters
# say so, the daemon keeps answering pings, nothing crashes.
. "$(dirname "$0")/lib.sh"
need_root
TAP=nt$ID
netns c$ID
write_config "$WORK/b.json" $TAP '[{"name": "a",
  "vnics": [{"name": "eth0", "mac": "02:00:00:82:00:10", "addresses": ["10.82.0.10/24"]}]},
 {"name": "v", "vnics": [{"name": "eth0", "mac": "02:00:00:82:00:20", "vlan": 7,
   "addresses": ["10.82.1.10/24"]}]}]'
start_daemon "$WORK/b.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.82.0.1/24 dev $TAP
ip -n c$ID link set $TAP mtu 9000	# so that oversized frames leave the host
pings c$ID 10.82.0.10 || die "no ping before the storm"
# The host kernel refuses to send runts (< 14 bytes): they never reach us.
ip netns exec c$ID python3 "$(dirname "$0")/badframes.py" $TAP 100000 02:00:00:82:00:10 \
	> "$WORK/sent" || fail "could not send the frames"
cat "$WORK/sent"
sent=$(awk '{print $2}' "$WORK/sent")
# Frames the host's tap queue dropped before the port could take them (a
# busy machine) are counted there.
qdrop=$(ip -n c$ID -j -s link show $TAP 2>/dev/null | python3 -c \
	'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])' 2>/dev/null)
kill -0 $DAEMON_PID || die "the daemon died"
pings c$ID 10.82.0.10 && pass "still answering pings after 100,000 bad frames" \
	|| fail "no ping after the storm"
stop_daemon
grep "port:\|dataplane:" "$WORK/daemon.log"
rx=$(sed -n 's/.*dataplane: rx \([0-9]*\) .*/\1/p' "$WORK/daemon.log")
bad=$(sed -n 's/.*unknown \([0-9]*\), malformed \([0-9]*\).*/\1 \2/p' "$WORK/daemon.log")
port=$(sed -n 's/.*port: rx \([0-9]*\) .*missed \([0-9]*\) errors \([0-9]*\).*/\1 \2 \3/p' "$WORK/daemon.log")
set -- $port
# Every frame sent is counted: received by the dataplane, or missed or in
# error at the port (oversized ones the PMD cannot take in one mbuf).
[ $(( ${1:-0} + ${2:-0} + ${3:-0} + ${qdrop:-0} )) -ge "${sent:-1}" ] \
	&& pass "all $sent frames accounted for (${qdrop:-0} dropped by the host's tap queue)" \
	|| fail "sent $sent, port counted rx ${1:-0} missed ${2:-0} errors ${3:-0}, tap queue dropped ${qdrop:-0}"
set -- $bad
[ "${2:-0}" -gt 0 ] && pass "malformed counted: $2, unknown: $1" || fail "no malformed frames counted"
# Oversized frames for the tenant's MAC reach its vNIC, which drops them.
vdrop=$(sed -n 's/.*vnic a\/eth0: .*, \([0-9]*\) dropped), tx.*/\1/p' "$WORK/daemon.log")
[ "${vdrop:-0}" -gt 0 ] && pass "vNIC a/eth0 dropped $vdrop" || fail "vNIC a/eth0 counted no drops"
grep "vnic a/eth0" "$WORK/daemon.log"
exit $FAILED
