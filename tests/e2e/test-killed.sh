#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A program using a tenant, killed with SIGKILL in the middle of a
# transfer, leaves nothing behind in the kernel: no socket in the tenant
# (ss), and the kernel's task count back where it was (/metrics); one
# killed inside a write the kernel was reading from its shared channel
# leaves no mapping of that channel behind.
. "$(dirname "$0")/lib.sh"
need_root
command -v nc >/dev/null || { echo "skip: no nc"; exit 77; }
TAP=nt$ID
netns c$ID
write_config "$WORK/k.json" $TAP '[{"name": "t", "vnics": [{"name": "eth0",
  "mac": "02:00:00:95:00:10", "addresses": ["10.95.0.10/24"]}]}]'
start_daemon "$WORK/k.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.95.0.1/24 dev $TAP
X() { "$DAEMON" exec --socket "$WORK/rpc.sock" "$@"; }
tasks() { curl -s "http://127.0.0.1:$API_PORT/metrics" | awk '$1 == "nuse_kernel_host_tasks" { print $2 }'; }
sockets() { X t -- ss -Htan | grep -c ":$1\b"; }
# sockets still owned by a program: anything but a closing orphan
owned() { X t -- ss -Htan | grep ":$1\b" | grep -vcE "^(FIN-WAIT|CLOSING|LAST-ACK|TIME-WAIT)"; }
# SIGKILL to a process and all its descendants (exec runs CMD under the
# test's subshell; sh runs nc and head under it)
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill -9 "$1" 2>/dev/null
}

before=$(tasks)
[ -n "$before" ] && pass "the kernel has $before tasks" || die "no nuse_kernel_tasks in /metrics"
for round in receiver sender; do
	if [ $round = receiver ]; then	# the tenant's program receives
		X t -- nc -l 9000 > /dev/null 2>&1 &
		prog=$!
		sleep 0.5
		ip netns exec c$ID sh -c 'head -c 2000000000 /dev/zero | nc -q 0 10.95.0.10 9000' \
			> /dev/null 2>&1 &
		peer=$!
	else				# the tenant's program sends
		ip netns exec c$ID sh -c 'nc -l 9001 > /dev/null' > /dev/null 2>&1 &
		peer=$!
		sleep 0.5
		X t -- sh -c 'head -c 2000000000 /dev/zero | nc 10.95.0.1 9001' > /dev/null 2>&1 &
		prog=$!
	fi
	undo "kill -9 $prog $peer"
	port=$([ $round = receiver ] && echo 9000 || echo 9001)
	sleep 1.5
	n=$(sockets $port)
	[ "$n" -ge 1 ] && pass "$round: transfer under way ($n socket(s) on :$port)" \
		|| fail "$round: no transfer to kill"
	[ "$(tasks)" -gt "$before" ] && pass "$round: the program's tasks exist: $(tasks)" \
		|| fail "$round: no new task while the program runs"
	kill_tree $prog
	gone=0
	for i in $(seq 50); do
		[ "$(owned $port)" = 0 ] && [ "$(tasks)" = "$before" ] && { gone=1; break; }
		sleep 0.1
	done
	[ $gone = 1 ] && pass "$round: after SIGKILL no open socket on :$port, $before tasks again" \
		|| fail "$round: left behind: $(owned $port) socket(s), $(tasks) tasks (were $before)"
	# A sender's socket may still be flushing what it had queued, as on
	# any Linux; with the peer gone too, nothing may remain but TIME-WAIT.
	kill_tree $peer
	wait $peer 2>/dev/null
	live() { X t -- ss -Htan | grep ":$port\b" | grep -vc "^TIME-WAIT"; }
	for i in $(seq 100); do [ "$(live)" = 0 ] && break; sleep 0.1; done
	[ "$(live)" = 0 ] && pass "$round: with the peer gone, no socket but TIME-WAIT" \
		|| fail "$round: $(X t -- ss -Htan | grep ":$port")"
done
# Blocked in a write whose bytes the kernel reads in place from the
# shared channel (the peer never reads): killed there, the channel's
# mapping goes once the write is back from the kernel.
maps() { grep -c "nuse-rpc" /proc/$DAEMON_PID/maps; }
ip netns exec c$ID python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.95.0.1", 9002)); s.listen(1); c, _ = s.accept(); time.sleep(60)' > /dev/null 2>&1 &
peer=$!
undo "kill -9 $peer"
sleep 0.5
X t -- sh -c 'head -c 2000000000 /dev/zero | nc 10.95.0.1 9002' > /dev/null 2>&1 &
prog=$!
undo "kill -9 $prog"
sleep 1.5
[ "$(maps)" -ge 1 ] && pass "stuck writer: its channel is mapped ($(maps))" ||
	fail "stuck writer: no channel mapped"
kill_tree $prog
for i in $(seq 50); do [ "$(maps)" = 0 ] && [ "$(tasks)" = "$before" ] && break; sleep 0.1; done
[ "$(maps)" = 0 ] && [ "$(tasks)" = "$before" ] &&
	pass "stuck writer killed: no channel left mapped, $before tasks again" ||
	fail "stuck writer killed: $(maps) channel(s) mapped, $(tasks) tasks (were $before)"
kill -9 $peer 2>/dev/null
pings c$ID 10.95.0.10 && pass "the tenant still answers" || fail "the tenant is silent"
stop_daemon
exit $FAILED
