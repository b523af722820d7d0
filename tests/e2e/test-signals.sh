#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SIGTERM during traffic: a clean exit 0 within 2 s.  SIGINT stops it the
# same way, and a second signal during the stop exits at once.
. "$(dirname "$0")/lib.sh"
need_root
TAP=nt$ID
netns c$ID
write_config "$WORK/s.json" $TAP '[{"name": "a",
  "vnics": [{"name": "eth0", "mac": "02:00:00:83:00:10", "addresses": ["10.83.0.10/24"]}]}]'
start_daemon "$WORK/s.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.83.0.1/24 dev $TAP
pings c$ID 10.83.0.10 || die "no ping"
ip netns exec c$ID ping -f -q -w 10 10.83.0.10 > "$WORK/flood" 2>&1 &
flood=$!
undo "kill $flood"
sleep 1
stop_daemon && pass "SIGTERM during a ping flood: exit 0 within 2 s"
kill $flood 2>/dev/null; wait $flood 2>/dev/null
grep "dataplane:" "$WORK/daemon.log"

# SIGINT, likewise.
ip netns del c$ID; UNDO=()
netns c$ID
start_daemon "$WORK/s.json"
kill -INT $DAEMON_PID
wait $DAEMON_PID; rc=$?
[ $rc = 0 ] && pass "SIGINT: exit 0" || fail "SIGINT: exit $rc"
grep -q "stopped" "$WORK/daemon.log" && pass "stopped cleanly" || fail "no clean stop in the log"

# Two signals: the second one does not wait for the clean stop.
start_daemon "$WORK/s.json"
kill -TERM $DAEMON_PID; kill -TERM $DAEMON_PID
t0=$(date +%s%N)
wait $DAEMON_PID; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# 143: the second signal ended it; 0: both came before the stop began
# (one stop).  Anything else (ThreadSanitizer's 66) is a failure.
[ $ms -lt 2000 ] && { [ $rc = 143 ] || [ $rc = 0 ]; } && pass "two signals: gone in $ms ms (exit $rc)" ||
	fail "two signals: $ms ms, exit $rc"
exit $FAILED
