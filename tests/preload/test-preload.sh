#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The preload library against fake_appliance.py, a TEST DOUBLE of the
# appliance that runs every call on the host kernel in a network
# namespace standing in for a tenant.  What this tests is the library:
# its marshalling of nrpc.h and its interposition of the calls Debian's
# ip, ping, ss, iptables-legacy, nc, curl and iperf3 make.  The real
# appliance behind the same tools is tests/e2e/test-exec.sh.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tools.sh"
need_root
for t in python3 ip ping ss nc curl iperf3 iptables-legacy ${CC:-cc}; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
LIB=$TOP_BUILD/src/libnuse-preload.so
[ -f "$LIB" ] || die "no $LIB: build first"

TNS=plt$ID
CLIENT=plc$ID
netns $TNS
netns $CLIENT
ip -n $TNS link add eth0 type veth peer name eth0 netns $CLIENT || die "veth"
ip -n $TNS addr add 10.66.0.2/24 dev eth0
ip -n $TNS addr add fd66::2/64 dev eth0 nodad
ip -n $CLIENT addr add 10.66.0.1/24 dev eth0
ip -n $CLIENT addr add fd66::1/64 dev eth0 nodad
ip -n $TNS link set eth0 up
ip -n $CLIENT link set eth0 up

SOCK=$WORK/fake.sock
ip netns exec $TNS python3 "$(dirname "$0")/fake_appliance.py" "$SOCK" t \
	> "$WORK/fake.log" 2>&1 &
undo "kill $!"
wait_for test -S "$SOCK" || die "the test double did not start"

RUN="env LD_PRELOAD=$LIB NUSE_TENANT=t NUSE_SOCKET=$SOCK"
T_IF=eth0 T_ADDR=10.66.0.2 T_ADDR6=fd66::2 C_ADDR=10.66.0.1 C_ADDR6=fd66::1
T_ADDRS=$(printf '10.66.0.2/24\nfd66::2/64' | sort)
T_ROUTES="10.66.0.0/24 dev eth0 proto kernel scope link src 10.66.0.2"
tools_all

# The library's pool of connections and its own descriptors, against the
# double (tests/e2e/test-toolcalls.sh runs the same on the appliance).
${CC:-cc} -O1 -Wall -o "$WORK/pltools" "$(dirname "$0")/pltools.c" -lpthread ||
	die "cannot build pltools"
for c in threads closerange; do
	$RUN timeout 90 "$WORK/pltools" $c $T_ADDR $T_IF || fail "pltools $c"
done

# Without the appliance: one clear line, and the tools fail with ENETDOWN.
out=$(env LD_PRELOAD=$LIB NUSE_TENANT=t NUSE_SOCKET=$WORK/none.sock ip addr 2>&1)
echo "$out" | grep -q "nuse-preload: cannot reach the appliance at $WORK/none.sock" &&
	echo "$out" | grep -q "Network is down" && pass "no appliance: said once, ENETDOWN" ||
	fail "no appliance: [$out]"
out=$(env LD_PRELOAD=$LIB NUSE_TENANT=nosuch NUSE_SOCKET=$SOCK ip addr 2>&1)
echo "$out" | grep -q "refused tenant 'nosuch': no such tenant" &&
	pass "unknown tenant: said" || fail "unknown tenant: [$out]"
# Without NUSE_TENANT the library stays out of the way.
env LD_PRELOAD=$LIB ip -o addr | grep -q " lo " && pass "no NUSE_TENANT: the host's" ||
	fail "no NUSE_TENANT"
grep -v "^fake_appliance: serving" "$WORK/fake.log" && fail "the test double complained"
exit $FAILED
