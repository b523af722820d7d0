#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# net_tap tells its queues' readers with a real-time signal (F_SETSIG);
# when the process's queue of pending signals is full the kernel sends
# SIGIO instead, whose default action ends the process.  A flood into the
# tap while the daemon may have 16 signals pending at most (prlimit
# --sigpending=16; with fewer the privilege drop itself cannot signal
# every thread, which the daemon sees and refuses) must leave it up and
# answering, and the tenant reachable.
. "$(dirname "$0")/lib.sh"
need_root
command -v prlimit >/dev/null || { echo "skip: no prlimit"; exit 77; }
TAP=ns$ID
FLOOD=$TOP_BUILD/tests/dataplane/udpflood
[ -x "$FLOOD" ] || { echo "skip: no $FLOOD"; exit 77; }
write_config "$WORK/a.json" $TAP '[{"name": "t", "vnics": [
  {"name": "eth0", "mac": "02:00:00:97:00:01", "addresses": ["10.97.0.1/24"]}]}]'
# the limit from the start (the daemon may not be changed from outside)
printf '#!/bin/sh\nexec prlimit --sigpending=16:16 -- %s "$@"\n' "$DAEMON" > "$WORK/daemon.sh"
chmod +x "$WORK/daemon.sh"
DAEMON=$WORK/daemon.sh start_daemon "$WORK/a.json"
netns c$ID
tap_to c$ID $TAP
ip -n c$ID addr add 10.97.0.2/24 dev $TAP
pings c$ID 10.97.0.1 || die "no ping before the flood"
grep -q "^Max pending signals *16 " /proc/$DAEMON_PID/limits || die "no limit: $(grep pending /proc/$DAEMON_PID/limits)"
ip netns exec c$ID "$FLOOD" $TAP 02:00:00:97:00:01 10.97.0.2 10.97.0.1 3 > /dev/null
sleep 0.5
if kill -0 "$DAEMON_PID" 2>/dev/null; then
	pass "up after a flood with 16 pending signals allowed"
else
	wait "$DAEMON_PID"; rc=$?
	die "the daemon ended under the flood (status $rc: $(kill -l $((rc - 128)) 2>/dev/null))"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/healthz")
[ "$code" = 200 ] && pass "healthz 200" || fail "healthz $code"
pings c$ID 10.97.0.1 && pass "the tenant answers pings after it" || fail "no ping after the flood"
stop_daemon
