#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# GET /openapi.json on the real daemon: the document is served byte for
# byte as src/api/openapi.json has it, and the validator passes on what
# was served.  Then every route is driven with curl, successes and
# errors, and each answer (status, media type, JSON body) must be one the
# served document describes for that operation.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
command -v node >/dev/null || { echo "FAIL: no node (run scripts/install-deps)"; exit 1; }
SRC=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CHECK=$SRC/tests/openapi/check.mjs
TAP=no$ID
write_config "$WORK/a.json" $TAP '[{"name": "alpha",
  "vnics": [{"name": "eth0", "mac": "02:00:00:85:00:10", "addresses": ["10.85.0.10/24"]}],
  "routes": [{"dst": "10.86.0.0/16", "via": "10.85.0.1"}],
  "sysctls": {"net.ipv4.ip_forward": "1"}}]'
start_daemon "$WORK/a.json"
API=http://127.0.0.1:$API_PORT
DOC=$WORK/served.json

code=$(curl -s -o "$DOC" -w '%{http_code} %{content_type}' "$API/openapi.json")
[ "$code" = "200 application/json" ] && pass "GET /openapi.json: $code" || fail "GET /openapi.json: $code"
cmp -s "$DOC" "$SRC/src/api/openapi.json" && pass "served byte for byte as src/api/openapi.json" \
	|| fail "the served document differs from src/api/openapi.json"
node "$CHECK" doc "$DOC" && pass "the served document is valid OpenAPI 3.1" \
	|| fail "the served document is not valid"

# answer WANT METHOD PATTERN URL [curl args]: the status, and that the
# document describes this answer of the operation PATTERN, its headers too
answer() {
	local want=$1 method=$2 pattern=$3 url=$4 out code type
	shift 4
	out=$(curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code} %{content_type}' \
		-X "$method" "$@" "$API$url")
	code=${out%% *} type=${out#* }
	if [ "$code" != "$want" ]; then
		fail "$method $url: $code, want $want: $(head -c 300 "$WORK/body")"
	elif node "$CHECK" answer "$DOC" "$method" "$pattern" "$code" "$type" "$WORK/body" \
		"$WORK/headers"; then
		pass "$method $url: $code $type, as documented"
	else
		fail "$method $url: $code is not as documented"
	fi
}
J='Content-Type: application/json'
T=/tenants/{name}
V=$T/vnics/{vnic}

answer 200 GET /healthz /healthz
answer 200 GET /version /version
answer 200 GET /metrics /metrics
answer 200 GET /tenants /tenants
answer 201 POST /tenants /tenants -H "$J" -d '{"name": "beta",
  "vnics": [{"name": "eth0", "mac": "02:00:00:85:00:20", "mtu": 1400, "vlan": 7, "addresses": ["10.85.1.10/24", "2001:db8:85::10/64"]}],
  "routes": [{"dst": "10.87.0.0/16", "via": "10.85.1.1", "table": 100}],
  "neighbours": [{"dev": "eth0", "ip": "10.85.1.2", "mac": "02:00:00:85:00:99"}],
  "sysctls": {"net.ipv4.conf.all.forwarding": "1"}}'
answer 409 POST /tenants /tenants -H "$J" -d '{"name": "beta"}'
answer 422 POST /tenants /tenants -H "$J" -d '{"name": "gamma", "vnics": [{"name": "eth0", "mac": "02:00"}]}'
answer 400 POST /tenants /tenants -H "$J" -d '{"name": '
answer 415 POST /tenants /tenants -H 'Content-Type: text/plain' -d '{"name": "gamma"}'
answer 413 POST /tenants /tenants -H "$J" --data-binary @<(head -c 70000 /dev/zero | tr '\0' ' ')
answer 400 POST /tenants /tenants -H "$J" -H 'Idempotency-Key: a b' -d '{"name": "gamma"}'
answer 201 POST /tenants /tenants -H "$J" -H 'Idempotency-Key: k1' -d '{"name": "gamma"}'
answer 201 POST /tenants /tenants -H "$J" -H 'Idempotency-Key: k1' -d '{"name": "gamma"}'
answer 422 POST /tenants /tenants -H "$J" -H 'Idempotency-Key: k1' -d '{"name": "delta"}'
answer 200 GET "$T" /tenants/beta
answer 404 GET "$T" /tenants/nope
answer 200 GET "$T/vnics" /tenants/beta/vnics
answer 201 POST "$T/vnics" /tenants/beta/vnics -H "$J" -d '{"name": "eth1", "mac": "02:00:00:85:00:21"}'
answer 409 POST "$T/vnics" /tenants/beta/vnics -H "$J" -d '{"name": "eth1", "mac": "02:00:00:85:00:22"}'
answer 422 POST "$T/vnics" /tenants/beta/vnics -H "$J" -d '{"name": "eth2", "mac": "02:00:00:85:00:23", "mtu": 9001}'
answer 200 GET "$V" /tenants/beta/vnics/eth1
answer 404 GET "$V" /tenants/beta/vnics/eth9
answer 200 GET "$V/addresses" /tenants/beta/vnics/eth0/addresses
answer 201 POST "$V/addresses" /tenants/beta/vnics/eth1/addresses -H "$J" -d '{"address": "10.85.2.1/24"}'
answer 422 POST "$V/addresses" /tenants/beta/vnics/eth1/addresses -H "$J" -d '{"address": "10.85.2.1"}'
answer 409 POST "$V/addresses" /tenants/beta/vnics/eth1/addresses -H "$J" -d '{"address": "10.85.2.1/24"}'
answer 204 DELETE "$V/addresses/{address}" /tenants/beta/vnics/eth1/addresses/10.85.2.1/24
answer 404 DELETE "$V/addresses/{address}" /tenants/beta/vnics/eth1/addresses/10.85.2.1/24
answer 200 GET "$T/routes" /tenants/beta/routes
answer 200 GET "$T/routes" '/tenants/beta/routes?table=local'
answer 422 GET "$T/routes" '/tenants/beta/routes?table=x'
answer 201 POST "$T/routes" /tenants/beta/routes -H "$J" -d '{"dst": "10.88.0.0/16", "dev": "eth0", "type": "unicast"}'
answer 201 POST "$T/routes" /tenants/beta/routes -H "$J" -d '{"dst": "10.89.0.0/16", "type": "blackhole"}'
answer 422 POST "$T/routes" /tenants/beta/routes -H "$J" -d '{"dst": "10.88.0.1/16", "dev": "eth0"}'
answer 204 DELETE "$T/routes/{dst}" /tenants/beta/routes/10.88.0.0/16
answer 204 DELETE "$T/routes/{dst}" '/tenants/beta/routes/10.87.0.0/16?table=100'
answer 404 DELETE "$T/routes/{dst}" /tenants/beta/routes/nothing
answer 422 DELETE "$T/routes/{dst}" '/tenants/beta/routes/10.89.0.0/16?table=0'
answer 200 GET "$T/sysctls" '/tenants/beta/sysctls?name=net.ipv4.ip_forward'
answer 404 GET "$T/sysctls" '/tenants/beta/sysctls?name=net.ipv4.nope'
answer 422 GET "$T/sysctls" '/tenants/beta/sysctls?name=kernel.hostname'
answer 200 PATCH "$T/sysctls" /tenants/beta/sysctls -H "$J" -d '{"net.ipv4.ip_forward": "1"}'
answer 422 PATCH "$T/sysctls" /tenants/beta/sysctls -H "$J" -d '{}'
answer 200 GET "$T/iptables" /tenants/beta/iptables
answer 422 GET "$T/iptables" '/tenants/beta/iptables?family=ipx'
answer 200 PUT "$T/iptables" '/tenants/beta/iptables?family=ipv6' -H 'Content-Type: text/plain' \
	--data-binary $'*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p ipv6-icmp -j ACCEPT\nCOMMIT\n'
answer 422 PUT "$T/iptables" /tenants/beta/iptables -H 'Content-Type: text/plain' --data-binary $'*filter\n-A NOCHAIN -j DROP\nCOMMIT\n'
answer 415 PUT "$T/iptables" /tenants/beta/iptables -H "$J" -d '{}'
answer 201 POST "$T/iptables" /tenants/beta/iptables -H "$J" -d '{"rule": ["-A", "INPUT", "-p", "icmp", "-j", "DROP"]}'
answer 422 POST "$T/iptables" /tenants/beta/iptables -H "$J" -d '{"rule": ["-A", "INPUT", "-M", "/bin/sh"]}'
answer 404 GET "$T/iptables" /tenants/nope/iptables
answer 200 GET "$T/stats" /tenants/beta/stats
answer 200 GET "$T/links" /tenants/beta/links
answer 404 GET "$T/links" /tenants/nope/links
answer 200 POST "$T/save" /tenants/beta/save
answer 404 POST "$T/save" /tenants/nope/save
answer 204 DELETE "$V" /tenants/beta/vnics/eth1
answer 404 DELETE "$V" /tenants/beta/vnics/eth1
answer 204 DELETE "$T" /tenants/beta
answer 404 DELETE "$T" /tenants/beta

# With a token: 401 as documented (the bearer scheme), and /healthz, whose
# security is none, still answered without one.
stop_daemon
printf 'openapi-test-token\n' > "$WORK/token"
chmod 600 "$WORK/token"
python3 - "$WORK/a.json" "$WORK/token" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["api"]["token_file"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PY
start_daemon "$WORK/a.json"
answer 401 GET /tenants /tenants
answer 401 GET /openapi.json /openapi.json -H 'Authorization: Bearer wrong'
answer 200 GET /healthz /healthz
answer 200 GET /openapi.json /openapi.json -H 'Authorization: Bearer openapi-test-token'
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
	process.exit(JSON.stringify(d.paths["/healthz"].get.security) === "[]" &&
		d.security.some(s => "bearer" in s) && d.components.securitySchemes.bearer.scheme === "bearer" ? 0 : 1)' "$DOC" \
	&& pass "the document says: bearer for all but /healthz" || fail "the document's security is not bearer but for /healthz"
exit $FAILED
