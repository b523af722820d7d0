#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tenants made over the API carry traffic: a tenant POSTed to a running
# appliance answers a client host's pings and is gone after DELETE; a
# route POSTed to it is in the kernel and carries the replies to a network
# behind the client, and stops doing so when it is deleted; the vNIC and
# address sub-resources do the same for a second network.
. "$(dirname "$0")/lib.sh"
need_root
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
TAP=nt$ID
netns c$ID
write_config "$WORK/a.json" $TAP '[]'
start_daemon "$WORK/a.json"
tap_to c$ID $TAP
ip -n c$ID addr add 10.86.0.1/24 dev $TAP
ip -n c$ID addr add fd86::1/64 dev $TAP nodad
ip -n c$ID addr add 10.87.0.1/32 dev lo		# a network behind the client
API=http://127.0.0.1:$API_PORT
J='Content-Type: application/json'

check() { # WHAT EXPECTED_CODE METHOD URL [BODY]
	local code
	code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X "$3" -H "$J" ${5:+-d "$5"} "$API$4")
	[ "$code" = "$2" ] && pass "$1: $code" || fail "$1: $code, want $2: $(cat "$WORK/body")"
}
ping_from() { # SRC DST [count]
	ip netns exec c$ID ping -c "${3:-3}" -i 0.2 -W 1 -I "$1" "$2" >/dev/null 2>&1
}

pings c$ID 10.86.0.10 1 && fail "10.86.0.10 answers before it exists" || pass "no tenant, no answer"
check "POST /tenants" 201 POST /tenants '{"name": "web", "vnics": [{"name": "eth0",
  "mac": "02:00:00:86:00:10", "addresses": ["10.86.0.10/24", "fd86::10/64"]}]}'
pings c$ID 10.86.0.10 && pass "the new tenant answers ping" || fail "no ping reply from the new tenant"
pings c$ID fd86::10 && pass "and ping6" || fail "no ping6 reply from the new tenant"

ping_from 10.87.0.1 10.86.0.10 1 && fail "replies to 10.87/24 without a route" \
	|| pass "no route to 10.87.0.0/24: no replies"
check "POST a route" 201 POST /tenants/web/routes '{"dst": "10.87.0.0/24", "via": "10.86.0.1"}'
curl -s "$API/tenants/web/routes" | jq -e 'map(select(.dst == "10.87.0.0/24" and .via == "10.86.0.1")) | length == 1' >/dev/null \
	&& pass "the route is in the tenant's table" || fail "route not read back"
ping_from 10.87.0.1 10.86.0.10 && pass "the route carries the replies" || fail "no replies through the new route"
check "DELETE the route" 204 DELETE /tenants/web/routes/10.87.0.0/24
ping_from 10.87.0.1 10.86.0.10 1 && fail "replies after the route was deleted" \
	|| pass "no replies once the route is gone"

# A second vNIC and a second address on it, over the API.
check "POST a vNIC" 201 POST /tenants/web/vnics '{"name": "eth1", "mac": "02:00:00:86:00:11", "addresses": ["10.88.0.10/24"]}'
ip -n c$ID addr add 10.88.0.1/24 dev $TAP
pings c$ID 10.88.0.10 && pass "the new vNIC answers" || fail "no reply from the new vNIC"
check "POST an address" 201 POST /tenants/web/vnics/eth1/addresses '{"address": "10.88.0.11/24"}'
pings c$ID 10.88.0.11 && pass "the new address answers" || fail "no reply from the new address"
check "DELETE the address" 204 DELETE /tenants/web/vnics/eth1/addresses/10.88.0.11/24
pings c$ID 10.88.0.11 1 && fail "the deleted address answers" || pass "the deleted address is gone"
check "DELETE the vNIC" 204 DELETE /tenants/web/vnics/eth1
ip -n c$ID neigh flush dev $TAP
pings c$ID 10.88.0.10 1 && fail "the deleted vNIC answers" || pass "the deleted vNIC is gone"

check "DELETE /tenants/web" 204 DELETE /tenants/web
ip -n c$ID neigh flush dev $TAP
pings c$ID 10.86.0.10 1 && fail "the deleted tenant answers" || pass "the deleted tenant is gone"
check "GET it" 404 GET /tenants/web
curl -s "$API/metrics" | grep -q '^nuse_tenants 0$' && pass "no tenant left" || fail "tenants left"
stop_daemon
exit $FAILED
