#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The real daemon with a test config: a client host behind the net_tap
# port pings the tenant's IPv4 and IPv6 addresses; SIGTERM stops it with 0.
. "$(dirname "$0")/lib.sh"
need_root
TAP=nt$ID
netns c$ID
write_config "$WORK/a.json" $TAP '[{"name": "a",
  "vnics": [{"name": "eth0", "mac": "02:00:00:77:00:10", "addresses": ["10.77.0.10/24", "fd77::10/64"]}]}]'
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.77.0.1/24 dev $TAP
ip -n c$ID addr add fd77::1/64 dev $TAP nodad
pings c$ID 10.77.0.10 && pass "ping 10.77.0.10" || fail "no ping reply from the tenant"
pings c$ID fd77::10 && pass "ping6 fd77::10" || fail "no ping6 reply from the tenant"
pings c$ID 10.77.0.99 1 && fail "an address nobody has answered" || pass "no answer for 10.77.0.99"
stop_daemon
grep "dataplane:" "$WORK/daemon.log"
exit $FAILED
