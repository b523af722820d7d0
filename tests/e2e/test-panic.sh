#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A kernel panic is fatal to the process, loudly: the log says what
# panic() said, /healthz stops answering 200 at once, and the process
# exits with status 70 within a second so that a supervisor restarts it.
# The panic is real: the test makes the appliance end the kernel's init
# (NUSE_TEST_PANIC_FILE, see src/dataplane/dp.c).
. "$(dirname "$0")/lib.sh"
need_root
TAP=nt$ID
write_config "$WORK/a.json" $TAP '[{"name": "t", "vnics": [{"name": "eth0",
  "mac": "02:00:00:92:00:01", "addresses": ["10.92.0.1/24"]}]}]'
export NUSE_TEST_PANIC_FILE=$WORK/panic
start_daemon "$WORK/a.json"
API=http://127.0.0.1:$API_PORT

code=$(curl -s -o /dev/null -w '%{http_code}' "$API/healthz")
[ "$code" = 200 ] && pass "healthy before: 200" || fail "/healthz before the panic: $code"

# Ask /healthz over and over while the kernel dies.
( while kill -0 $DAEMON_PID 2>/dev/null; do
	curl -s -m 1 -o /dev/null -w '%{http_code}\n' "$API/healthz"
	sleep 0.01
  done ) > "$WORK/health" 2>/dev/null &
poller=$!
undo "kill $poller"
sleep 0.2
touch "$WORK/panic"
# Ending init takes the kernel a moment; the clock starts at the panic.
for i in $(seq 1000); do grep -q "kernel: panic:" "$WORK/daemon.log" && break; sleep 0.01; done
t0=$(date +%s%N)
for i in $(seq 300); do kill -0 $DAEMON_PID 2>/dev/null || break; sleep 0.01; done
t1=$(date +%s%N)
kill -0 $DAEMON_PID 2>/dev/null && { kill -9 $DAEMON_PID; die "still running 3 s after the panic"; }
wait $DAEMON_PID; rc=$?
ms=$(( (t1 - t0) / 1000000 ))
[ $rc = 70 ] && pass "exit status 70" || { fail "exit status $rc, want 70"; tail -8 "$WORK/daemon.log"; }
[ $ms -lt 1200 ] && pass "gone ${ms} ms after the panic" || fail "gone only ${ms} ms after the panic"
grep -q "kernel: panic: Attempted to kill init" "$WORK/daemon.log" \
	&& pass "the log says what panic() said" || fail "no panic message in the log: $(tail -5 "$WORK/daemon.log")"
wait $poller 2>/dev/null
# After the first answer that is not 200, never 200 again.
if awk 'seen && $1 == 200 { bad = 1 } $1 != 200 { seen = 1 } END { exit bad ? 0 : 1 }' "$WORK/health"; then
	fail "/healthz said 200 after it had said otherwise: $(sort "$WORK/health" | uniq -c | tr '\n' ' ')"
else
	pass "/healthz never 200 once the panic showed: $(sort "$WORK/health" | uniq -c | tr '\n' ' ')"
fi
grep -q '^503$' "$WORK/health" && pass "/healthz answered 503 while exiting" \
	|| fail "no 503 seen from /healthz between the panic and the exit"
exit $FAILED
