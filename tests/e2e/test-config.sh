#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Config errors: each kind of bad config makes --check and start-up exit
# non-zero with a message naming the key.  The shipped config passes
# --check, and its canonical form matches the golden copy and reads back
# the same.
. "$(dirname "$0")/lib.sh"
TOP_SRC=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
GOOD='"dpdk": {"port": "net_tap0"}'
TENANT='"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:00:00:01", "addresses": ["10.0.0.1/24"]}]'

bad() { # WANT JSON
	printf '%s\n' "$2" > "$WORK/bad.json"
	local out rc
	out=$("$DAEMON" --check --config "$WORK/bad.json" 2>&1); rc=$?
	if [ $rc = 0 ] || ! grep -qF -- "$1" <<< "$out"; then
		fail "--check: want '$1', got exit $rc: $out"
		return
	fi
	out=$(timeout 20 "$DAEMON" --config "$WORK/bad.json" 2>&1); rc=$?
	if [ $rc = 0 ] || ! grep -qF -- "$1" <<< "$out"; then
		fail "start-up: want '$1', got exit $rc: $out"
		return
	fi
	pass "$1"
}

bad "bad.json:2:0: unexpected token" '{"dpdk": '
bad "duplicate object key" '{"dpdk": {}, "dpdk": {}}'
bad "(top): must be an object" '[]'
bad "dpdk: missing" '{}'
bad "bogus: unknown key" "{$GOOD, \"bogus\": 1}"
bad "dpdk.port: missing" '{"dpdk": {}}'
bad "dpdk.mbufs: must be an integer" '{"dpdk": {"port": "x", "mbufs": "many"}}'
bad "dpdk.mbufs: 5 is not in" '{"dpdk": {"port": "x", "mbufs": 5}}'
bad "dpdk.args[1]: must be a string" '{"dpdk": {"port": "x", "args": ["-m", 512]}}'
bad "kernel.memory: \"lots\" is not a size" "{$GOOD, \"kernel\": {\"memory\": \"lots\"}}"
bad "kernel.memory: below the minimum" "{$GOOD, \"kernel\": {\"memory\": \"1M\"}}"
bad "kernel.reserve: \"much\" is not a size" "{$GOOD, \"kernel\": {\"reserve\": \"much\"}}"
bad "kernel.reserve: 200M is not below half" "{$GOOD, \"kernel\": {\"memory\": \"256M\", \"reserve\": \"200M\"}}"
bad "kernel.cpus: 0 is not in" "{$GOOD, \"kernel\": {\"cpus\": 0}}"
bad "dataplane: must be an object" "{$GOOD, \"dataplane\": 2}"
bad "dataplane.cores: \"many\" is neither a number nor \"all\"" "{$GOOD, \"dataplane\": {\"cores\": \"many\"}}"
bad "dataplane.cores: 0 is not in" "{$GOOD, \"dataplane\": {\"cores\": 0}}"
bad "dataplane.cores: 65 is not in" "{$GOOD, \"dataplane\": {\"cores\": 65}}"
bad "dataplane.cores: must be an integer" "{$GOOD, \"dataplane\": {\"cores\": 1.5}}"
bad "dataplane.distribute: \"rss\" is neither" "{$GOOD, \"dataplane\": {\"distribute\": \"rss\"}}"
bad "dataplane.pin: unknown key" "{$GOOD, \"dataplane\": {\"pin\": true}}"
bad "kernel.cpus: 2 is fewer than dataplane.cores (4)" "{$GOOD, \"kernel\": {\"cpus\": 2}, \"dataplane\": {\"cores\": 4}}"
bad "api.listen: \"nowhere\" is not ADDRESS:PORT" "{$GOOD, \"api\": {\"listen\": \"nowhere\"}}"
bad "api.listen: \"localhost:8080\" is not ADDRESS:PORT" "{$GOOD, \"api\": {\"listen\": \"localhost:8080\"}}"
bad "api.listen: \"127.0.0.1:+80\" is not ADDRESS:PORT" "{$GOOD, \"api\": {\"listen\": \"127.0.0.1:+80\"}}"
bad "api.listen: \"::1:8080\" is not ADDRESS:PORT" "{$GOOD, \"api\": {\"listen\": \"::1:8080\"}}"
bad "tenants[0].vnics[0].mac: \"02:cc:00:00:00: 1\" is not a MAC" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"02:cc:00:00:00: 1\"}]}]}"
bad "tenants[0].vnics[0].addresses[0]: \"1.2.3.4/+24\" is not" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"1.2.3.4/+24\"]}]}]}"
bad "tenants[0].vnics[0].addresses[0]: \"1.2.3.4/024\" is not" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"1.2.3.4/024\"]}]}]}"
bad "tenants[0].vnics[0].addresses[0]: 0.0.0.0 is the unspecified address" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"0.0.0.0/0\"]}]}]}"
bad "tenants[0].routes[0].table: table 255 is not" \
	"{$GOOD, \"tenants\": [{$TENANT, \"routes\": [{\"dst\": \"10.1.0.0/16\", \"dev\": \"eth0\", \"table\": 255}]}]}"
bad "tenants[0].sysctls[0]: \"kernel.panic\" is not a tenant's sysctl" \
	"{$GOOD, \"tenants\": [{$TENANT, \"sysctls\": {\"kernel.panic\": \"1\"}}]}"
bad "log_level: \"loud\" is not" "{$GOOD, \"log_level\": \"loud\"}"
bad "tenants: must be an array" "{$GOOD, \"tenants\": {}}"
bad "tenants[0].name: missing" "{$GOOD, \"tenants\": [{}]}"
bad "tenants[0].color: unknown key" "{$GOOD, \"tenants\": [{$TENANT, \"color\": \"red\"}]}"
bad "tenants[0].vnics[0].mac: \"02:00\" is not a MAC" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"02:00\"}]}]}"
bad "tenants[0].vnics[0].mac: not a unicast MAC" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"01:00:00:00:00:01\"}]}]}"
bad "tenants[0].vnics[0].addresses[0]: \"10.0.0.1/33\" is not" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"10.0.0.1/33\"]}]}]}"
bad "tenants[0].vnics[0].vlan: 4095 is not in" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"02:00:00:00:00:01\", \"vlan\": 4095}]}]}"
bad "tenants[0].vnics[0].mtu: must be an integer" \
	"{$GOOD, \"tenants\": [{\"name\": \"t\", \"vnics\": [{\"name\": \"e\", \"mac\": \"02:00:00:00:00:01\", \"mtu\": \"big\"}]}]}"
bad "tenants[0].routes[0].via: gateway is on none" \
	"{$GOOD, \"tenants\": [{$TENANT, \"routes\": [{\"dst\": \"0.0.0.0/0\", \"via\": \"192.168.99.1\"}]}]}"
bad "tenants[0].routes[0].type: \"weird\"" \
	"{$GOOD, \"tenants\": [{$TENANT, \"routes\": [{\"dst\": \"0.0.0.0/0\", \"type\": \"weird\"}]}]}"
bad "tenants[0].sysctls.net.ipv4.ip_forward: must be a string" \
	"{$GOOD, \"tenants\": [{$TENANT, \"sysctls\": {\"net.ipv4.ip_forward\": 1}}]}"
bad "tenants[0].neighbours[0].mac: \"nope\" is not a MAC" \
	"{$GOOD, \"tenants\": [{$TENANT, \"neighbours\": [{\"dev\": \"eth0\", \"ip\": \"10.0.0.9\", \"mac\": \"nope\"}]}]}"
bad "tenants[0].neighbours[0].dev: no vNIC \"eth9\"" \
	"{$GOOD, \"tenants\": [{$TENANT, \"neighbours\": [{\"dev\": \"eth9\", \"ip\": \"10.0.0.9\", \"mac\": \"02:00:00:00:00:09\"}]}]}"
bad "tenants[1].name: \"t\" is also tenants[0]" "{$GOOD, \"tenants\": [{$TENANT}, {$TENANT}]}"
bad "tenants[1].vnics[0].mac: also tenants[0]" \
	"{$GOOD, \"tenants\": [{$TENANT}, {\"name\": \"u\", \"vnics\": [{\"name\": \"eth0\", \"mac\": \"02:00:00:00:00:01\"}]}]}"

# The shipped config, canonically, and its round trip.
"$DAEMON" --check --config "$TOP_SRC/etc/appliance.json" > "$WORK/canon.json" \
	&& pass "etc/appliance.json passes --check" || fail "etc/appliance.json fails --check"
diff -u "$TOP_SRC/tests/e2e/golden/appliance.json.canonical" "$WORK/canon.json" \
	&& pass "canonical form matches the golden copy" || fail "canonical form changed"
"$DAEMON" --check --config "$WORK/canon.json" > "$WORK/canon2.json" &&
	cmp -s "$WORK/canon.json" "$WORK/canon2.json" \
	&& pass "canonical form reads back the same" || fail "canonical form does not round-trip"
# "cores": "all" is the CPUs the process may use, and kernel.cpus follows
# the cores when it is not given
printf '%s\n' "{$GOOD, \"dataplane\": {\"cores\": \"all\"}}" > "$WORK/all.json"
ncpu=$(nproc)
"$DAEMON" --check --config "$WORK/all.json" > "$WORK/all.out" &&
	python3 -c 'import json,sys; c = json.load(open(sys.argv[1]))
assert c["dataplane"] == {"cores": "all", "distribute": "auto"}, c["dataplane"]
assert c["kernel"]["cpus"] == int(sys.argv[2]), c["kernel"]' "$WORK/all.out" $ncpu \
	&& pass "\"cores\": \"all\" is $ncpu workers on $ncpu kernel CPUs" || fail "\"cores\": \"all\": $(cat "$WORK/all.out")"
"$DAEMON" --version | grep -q "^nuse-appliance " && pass "--version" || fail "--version"
"$DAEMON" --help | grep -q -- "--config" && pass "--help" || fail "--help"
"$DAEMON" --bogus > /dev/null 2>&1 && fail "unknown option accepted" || pass "unknown option refused"
"$DAEMON" > /dev/null 2>&1 && fail "no --config accepted" || pass "--config required"
exit $FAILED
