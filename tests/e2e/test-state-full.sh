#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A request answered with an error changed nothing, live or on disk: with
# the state directory full (a tiny tmpfs) or read-only, every kind of
# change is refused and undone in the kernel; once there is room again,
# changes are kept, and a restart shows exactly what was answered 2xx.
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
TAP=nt$ID
netns c$ID
mkdir -p "$WORK/state"
mount -t tmpfs -o size=256k tmpfs "$WORK/state" || { echo "skip: no tmpfs"; exit 77; }
undo "umount -l $WORK/state"
write_config "$WORK/a.json" $TAP '[{"name": "keep", "vnics": [{"name": "eth0",
  "mac": "02:00:00:93:00:01", "addresses": ["10.93.0.1/24"]}],
  "sysctls": {"net.ipv4.ip_forward": "0"}}]'
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.93.0.254/24 dev $TAP
API=http://127.0.0.1:$API_PORT
J='Content-Type: application/json'

req() { # METHOD URL [BODY]: prints the status, body in $WORK/body
	curl -s -o "$WORK/body" -w '%{http_code}' -X "$1" -H "$J" ${3:+-d "$3"} "$API$2"
}
expect() { # WHAT CODE METHOD URL [BODY]
	local code
	code=$(req "$3" "$4" "${5:-}")
	[ "$code" = "$2" ] && pass "$1: $code" || fail "$1: $code, want $2: $(cat "$WORK/body")"
}

pings c$ID 10.93.0.1 2 || die "tenant keep does not answer"
expect "POST a route while there is room" 201 POST /tenants/keep/routes '{"dst": "10.94.0.0/24", "via": "10.93.0.254"}'

# Fill the state directory to the last byte.
dd if=/dev/zero of="$WORK/state/fill" bs=4k >/dev/null 2>&1
sum=$(sha256sum < "$WORK/state/tenants.json")

expect "POST /tenants, disk full" 507 POST /tenants '{"name": "new", "vnics": [{"name": "eth0",
  "mac": "02:00:00:93:00:02", "addresses": ["10.93.0.2/24"]}]}'
jq -e '.detail | test("state file cannot be written .*: the change was undone")' "$WORK/body" >/dev/null \
	&& pass "the problem says it was undone" || fail "507 body: $(cat "$WORK/body")"
expect "the refused tenant does not exist" 404 GET /tenants/new
pings c$ID 10.93.0.2 1 && fail "the refused tenant answers ping" || pass "the refused tenant is not live"
expect "POST it again, still full: not a 409" 507 POST /tenants '{"name": "new", "vnics": [{"name": "eth0",
  "mac": "02:00:00:93:00:02", "addresses": ["10.93.0.2/24"]}]}'

expect "POST an address, disk full" 507 POST /tenants/keep/vnics/eth0/addresses '{"address": "10.93.0.3/24"}'
pings c$ID 10.93.0.3 1 && fail "the refused address answers" || pass "the refused address is not live"
expect "DELETE an address, disk full" 507 DELETE /tenants/keep/vnics/eth0/addresses/10.93.0.1/24
pings c$ID 10.93.0.1 2 && pass "the address is still live" || fail "the address was deleted anyway"
expect "POST a vNIC, disk full" 507 POST /tenants/keep/vnics '{"name": "eth1", "mac": "02:00:00:93:00:03"}'
expect "the refused vNIC does not exist" 404 GET /tenants/keep/vnics/eth1
expect "DELETE the route, disk full" 507 DELETE /tenants/keep/routes/10.94.0.0/24
curl -s "$API/tenants/keep/routes" | jq -e 'map(select(.dst == "10.94.0.0/24" and .via == "10.93.0.254")) | length == 1' >/dev/null \
	&& pass "the route is still in the kernel" || fail "the route was deleted anyway"
expect "PATCH a sysctl, disk full" 507 PATCH /tenants/keep/sysctls '{"net.ipv4.ip_forward": "1"}'
curl -s "$API/tenants/keep/sysctls?name=net.ipv4.ip_forward" | jq -e '."net.ipv4.ip_forward" == "0"' >/dev/null \
	&& pass "the sysctl kept its value" || fail "the sysctl changed: $(curl -s "$API/tenants/keep/sysctls?name=net.ipv4.ip_forward")"
expect "DELETE the tenant, disk full" 507 DELETE /tenants/keep
pings c$ID 10.93.0.1 2 && pass "the tenant is still live" || fail "the tenant was deleted anyway"
expect "and readable" 200 GET /tenants/keep
[ "$(sha256sum < "$WORK/state/tenants.json")" = "$sum" ] && pass "the state file is untouched" \
	|| fail "the state file changed while full"

# Read-only: refused too (500: not a matter of space), undone all the same.
rm -f "$WORK/state/fill"
mount -o remount,ro "$WORK/state"
expect "POST an address, read-only" 500 POST /tenants/keep/vnics/eth0/addresses '{"address": "10.93.0.4/24"}'
pings c$ID 10.93.0.4 1 && fail "the refused address answers" || pass "the refused address is not live"
mount -o remount,rw "$WORK/state"

# Room again: a change is kept, and a restart shows exactly what was answered.
expect "POST an address with room" 201 POST /tenants/keep/vnics/eth0/addresses '{"address": "10.93.0.5/24"}'
stop_daemon
start_daemon "$WORK/a.json"
tap_to c$ID $TAP 2>/dev/null
curl -s "$API/tenants/keep" > "$WORK/keep.json"
jq -e '[.vnics[0].addresses[]] | sort == ["10.93.0.1/24", "10.93.0.5/24"]' "$WORK/keep.json" >/dev/null \
	&& pass "after a restart: exactly the answered addresses" || fail "after a restart: $(jq -c .vnics "$WORK/keep.json")"
jq -e '[.routes[] | select(.dst == "10.94.0.0/24")] | length == 1' "$WORK/keep.json" >/dev/null \
	&& pass "after a restart: the route kept" || fail "after a restart: routes $(jq -c .routes "$WORK/keep.json")"
expect "after a restart: no tenant new" 404 GET /tenants/new
expect "after a restart: no vNIC eth1" 404 GET /tenants/keep/vnics/eth1
stop_daemon
exit $FAILED
