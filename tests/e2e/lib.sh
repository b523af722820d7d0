# SPDX-License-Identifier: GPL-2.0
# Helpers for end-to-end tests: the real daemon, client hosts in network
# namespaces this test makes, and an undo for every step.
set -u

TOP_BUILD=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
DAEMON=$TOP_BUILD/src/nuse-appliance
ID=$$
# Below the ephemeral ports (32768-60999), which a client may hold already.
API_PORT=$((20000 + ID % 12000))
WORK=$(mktemp -d /tmp/nuse-e2e.XXXXXX)
chmod 755 "$WORK"	# the appliance's own tool runs reach its socket here
UNDO=()
FAILED=0

undo() { UNDO+=("$*"); }

cleanup() {
	local i
	for ((i = ${#UNDO[@]} - 1; i >= 0; i--)); do
		eval "${UNDO[$i]}" >/dev/null 2>&1
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; FAILED=1; }
die() { echo "FAIL: $*"; [ -f "$WORK/daemon.log" ] && tail -20 "$WORK/daemon.log"; exit 1; }
pass() { echo "ok: $*"; }

need_root() {
	[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
	ip netns add "nuse-probe-$ID" 2>/dev/null || { echo "skip: no ip netns"; exit 77; }
	ip netns del "nuse-probe-$ID"
}

# netns NAME: a client host
netns() {
	ip netns add "$1" || die "ip netns add $1"
	undo "ip netns del $1"
	ip -n "$1" link set lo up
}

# write_config FILE TAP TENANTS_JSON
write_config() {
	local serve=${NUSE_TEST_SERVE_CPUS:-'"auto"'}
	cat > "$1" <<JSON
{
  "dpdk": {"args": ["--no-huge", "-m", "256", "--no-pci", "-l", "0", "--log-level", "lib.eal:error"],
	   "port": "net_tap$ID,iface=$2", "mbufs": 4095},
  "kernel": {"memory": "128M", "cpus": ${NUSE_TEST_CPUS:-1}},
  "dataplane": {"cores": ${NUSE_TEST_CORES:-${NUSE_TEST_CPUS:-1}}, "distribute": "${NUSE_TEST_DISTRIBUTE:-auto}"},
  "api": {"listen": "127.0.0.1:$API_PORT"},
  "rpc": {"socket": "$WORK/rpc.sock", "serve_cpus": $serve},
  "state_dir": "$WORK/state",
  "log_level": "info",
  "tenants": $3
}
JSON
}

# start_daemon CONFIG: runs it, waits until it serves
start_daemon() {
	: > "$WORK/daemon.log"	# not the last run's "running with"
	"$DAEMON" --config "$1" > "$WORK/daemon.log" 2>&1 &
	DAEMON_PID=$!
	undo "kill -9 $DAEMON_PID"
	local i
	for i in $(seq 100); do
		grep -q "running with" "$WORK/daemon.log" && return 0
		kill -0 $DAEMON_PID 2>/dev/null || die "daemon exited at start"
		sleep 0.1
	done
	die "daemon did not come up"
}

# stop_daemon: SIGTERM, expect exit 0 (within 10 s: a stop that hangs is
# the failure; how fast it is belongs to bench/)
stop_daemon() {
	local t0=$(date +%s%N) rc
	kill -TERM $DAEMON_PID
	for i in $(seq 200); do
		kill -0 $DAEMON_PID 2>/dev/null || break
		sleep 0.05
	done
	kill -0 $DAEMON_PID 2>/dev/null && die "daemon still running 10 s after SIGTERM"
	wait $DAEMON_PID; rc=$?
	echo "daemon stopped in $(( ($(date +%s%N) - t0) / 1000000 )) ms, exit $rc"
	[ $rc = 0 ] || die "daemon exit status $rc"
}

# tap_to NS TAP: move the daemon's tap into a namespace
tap_to() {
	local i
	for i in $(seq 50); do ip link show "$2" >/dev/null 2>&1 && break; sleep 0.1; done
	ip link set "$2" netns "$1" || die "cannot move $2 into $1"
	ip -n "$1" link set "$2" up
}

# vlan_to SW TAP VID NS ADDR: client host NS on VLAN VID of the tap, as
# its eth0.  The VLANs are switched by vlanswitch.py in SW (the host
# kernel may have no 802.1Q); start it with vlan_switch SW TAP when all
# clients are in place.
VLAN_PORTS=()
vlan_to() {
	ip -n "$1" link add "p$3" type veth peer name eth0 netns "$4" || die "veth for VLAN $3"
	ip -n "$1" link set "p$3" up
	ip -n "$4" addr add "$5" dev eth0
	ip -n "$4" link set eth0 up
	# The switch copies frames as they are: no offloads may leave a
	# segment unsplit or a checksum unfilled.
	ip netns exec "$4" ethtool -K eth0 tx off tso off gso off gro off >/dev/null 2>&1
	ip netns exec "$1" ethtool -K "p$3" tx off tso off gso off gro off >/dev/null 2>&1
	VLAN_PORTS+=("$3:p$3")
}

vlan_switch() {
	ip netns exec "$1" python3 "$(dirname "$0")/vlanswitch.py" "$2" "${VLAN_PORTS[@]}" &
	local pid=$!
	undo "kill $pid"
	VLAN_PORTS=()
	sleep 0.3
}

# metric NAME: its value in the daemon's /metrics, summed over its labels
metric() {
	curl -s "http://127.0.0.1:$API_PORT/metrics" |
		awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2 } END { print s + 0 }'
}

pings() { # NS ADDR [count]
	ip netns exec "$1" ping -c "${3:-3}" -i 0.2 -W 1 "$2" >/dev/null 2>&1
}
