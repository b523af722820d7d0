#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One tenant cannot reach another's network namespace: the kernel's pids
# are global, but "ip link add ... netns PID", "ip link set ... netns PID"
# and link-netnsid, run in tenant a through `nuse-appliance exec`, put
# nothing into tenant b (or anywhere else) for any pid from 1 to 64,
# which covers every tenant's task here.  Veths within a still work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
TAP=ni$ID
SOCK=$WORK/rpc.sock		# write_config puts it there
netns c$ID
write_config "$WORK/a.json" $TAP '[
  {"name": "a", "vnics": [{"name": "eth0", "mac": "02:00:00:79:00:10",
			   "addresses": ["10.79.0.10/24"]}]},
  {"name": "b", "vnics": [{"name": "eth0", "mac": "02:00:00:79:00:20",
			   "addresses": ["10.79.0.20/24"]}]}]'
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
wait_for test -S "$SOCK" || die "no RPC socket at $SOCK"
A="$DAEMON exec --socket $SOCK a --"
B="$DAEMON exec --socket $SOCK b --"
MAXPID=64

# links NAME...: the names among a tenant's links matching "w|z|m|n"+digits
links() { $1 ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' |
	grep -E '^[wzmn][0-9]+$' | sort | tr '\n' ' '; }

# The tools work: a veth pair inside a.
$A ip link add w0 type veth peer name z0 && [ "$(links "$A")" = "w0 z0 " ] &&
	pass "veth within a" || die "veth within a: [$(links "$A")]"
$A ip link add m0 type veth peer name m1 || die "veth m0/m1 within a"

# attempt CMD...: counts the outcomes of one try in tenant a
ok=0 eperm=0 other=0
attempt() {
	if $A "$@" 2> "$WORK/err"; then
		ok=$((ok + 1))
	elif grep -q "Operation not permitted" "$WORK/err"; then
		eperm=$((eperm + 1))
	else
		other=$((other + 1))
	fi
}

for p in $(seq $MAXPID); do
	attempt ip link add w$p type veth peer name z$p netns $p
done
echo "ip link add ... peer ... netns 1..$MAXPID: $ok ok, $eperm refused, $other other errors"
got=$(links "$B")
[ -z "$got" ] && pass "veth peer netns PID: nothing in b" || fail "veth peer netns PID: b has [$got]"
# The only pid that may work is the exec's own task's: both ends stay in a.
bad=
for p in $(seq $MAXPID); do
	$A ip link show w$p >/dev/null 2>&1 || continue
	$A ip link show z$p >/dev/null 2>&1 || bad="$bad $p"
done
[ -z "$bad" ] && [ $ok -le 1 ] && pass "veth peer netns PID: no peer left a" ||
	fail "veth peer netns PID: $ok worked, peers gone for pids [$bad]"
[ $eperm -ge 3 ] && pass "veth peer netns PID: $eperm pids refused with EPERM" ||
	fail "veth peer netns PID: only $eperm refused with EPERM"

ok=0 eperm=0 other=0
for p in $(seq $MAXPID); do
	attempt ip link set dev m1 netns $p
done
echo "ip link set m1 netns 1..$MAXPID: $ok ok, $eperm refused, $other other errors"
got=$(links "$B")
[ -z "$got" ] && $A ip link show m1 >/dev/null 2>&1 && [ $eperm -ge 3 ] &&
	pass "ip link set netns PID: m1 stays in a" ||
	fail "ip link set netns PID: m1 left a, b has [$got], $eperm refused"

# Namespace ids: a holds none (the attempts above gave it none), and
# naming one does not work.
# (Errors go: list-id also asks about the host's named namespaces.)
got=$($A ip netns list-id 2>/dev/null | grep nsid)
[ -z "$got" ] && pass "ip netns list-id in a: none" || fail "ip netns list-id in a: [$got]"
ok=0 eperm=0 other=0
for id in $(seq 0 7); do
	attempt ip link add n$id link-netnsid $id type veth peer name n$((id + 100))
done
got=$(links "$B")
[ $ok = 0 ] && [ -z "$got" ] && pass "link-netnsid 0..7: refused, nothing in b" ||
	fail "link-netnsid 0..7: $ok worked, b has [$got]"

# b is as it was, and a's own veth still works.
[ "$($B ip -o addr show scope global | awk '{print $4}')" = "10.79.0.20/24" ] &&
	pass "b: its own address only" || fail "b: ip addr changed"
$A ip link set w0 up && $A ip link set z0 up && pass "a: its veth comes up" ||
	fail "a: ip link set w0 up"
stop_daemon
exit $FAILED
