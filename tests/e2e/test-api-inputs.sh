#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the API accepts it keeps: a route, address, vNIC or sysctl answered
# 201/200 reads back, is in the state file, survives a restart and can be
# deleted; anything the kernel would drop, hide or change (table 255,
# 0.0.0.0/0, host bits in a route, multicast, loopback) is 422 naming the
# field, and changes nothing.  Strict spellings (MAC, prefix length), the
# bearer token's white space and NUL, and an IPv6 listen address.
. "$(dirname "$0")/lib.sh"
need_root
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
TAP=ni$ID
write_config "$WORK/a.json" $TAP '[{"name": "alpha",
  "vnics": [{"name": "eth0", "mac": "02:00:00:86:00:10", "addresses": ["10.86.0.10/24", "2001:db8:86::10/64"]}]}]'
start_daemon "$WORK/a.json"
API=http://127.0.0.1:$API_PORT
J='Content-Type: application/json'
T=/tenants/alpha
STATE=$WORK/state/tenants.json

check() { # WHAT EXPECTED_CODE URL [curl args]
	local what=$1 want=$2 url=$3
	shift 3
	code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$@" "$API$url")
	[ "$code" = "$want" ] && pass "$what: $code" || fail "$what: $code, want $want: $(cat "$WORK/body")"
}
field_is() { # WHAT FIELD: the last answer's problem names FIELD
	jq -e --arg f "$2" '.field == $f' "$WORK/body" >/dev/null \
		&& pass "$1 names $2" || fail "$1: field is not $2: $(cat "$WORK/body")"
}
refused() { # WHAT FIELD URL JSON [curl args]: 422 naming FIELD
	local what=$1 f=$2 url=$3 body=$4
	shift 4
	check "$what" 422 "$url" -H "$J" -d "$body" "$@"
	field_is "$what" "$f"
}

curl -s "$API$T" | jq -S . > "$WORK/before.json"

# Routes: the local table and reserved ids, host bits, loopback, gateways.
R=$T/routes
refused "a route in table 255 (local)" route.table $R '{"dst": "10.97.0.0/16", "dev": "eth0", "table": 255}'
refused "a route in table 0" table $R '{"dst": "10.97.0.0/16", "dev": "eth0", "table": 0}'
refused "a route in table 2^31" table $R '{"dst": "10.97.0.0/16", "dev": "eth0", "table": 2147483648}'
refused "a route in table 2^32+5" table $R '{"dst": "10.97.0.0/16", "dev": "eth0", "table": 4294967301}'
refused "IPv4 host bits in dst" route.dst $R '{"dst": "10.97.0.1/16", "dev": "eth0"}'
refused "IPv6 host bits in dst" route.dst $R '{"dst": "2001:db8:97::1/48", "dev": "eth0"}'
refused "a loopback dst" route.dst $R '{"dst": "127.0.0.0/8", "dev": "eth0"}'
refused "dst /+16" dst $R '{"dst": "10.97.0.0/+16", "dev": "eth0"}'
refused "dst /016" dst $R '{"dst": "10.97.0.0/016", "dev": "eth0"}'
refused "via 0.0.0.0" route.via $R '{"dst": "10.97.0.0/16", "via": "0.0.0.0", "dev": "eth0"}'
refused "via a multicast address" route.via $R '{"dst": "10.97.0.0/16", "via": "224.0.0.1", "dev": "eth0"}'
refused "via ::" route.via $R '{"dst": "2001:db8:97::/48", "via": "::", "dev": "eth0"}'
cmp -s <(curl -s "$API$T" | jq -S .) "$WORK/before.json" && pass "refused routes changed nothing" \
	|| fail "refused routes changed the tenant: $(curl -s "$API$T")"
# Reserved ids that do work: 253 (default) reads back as 253, 254 is main.
check "a route in table 253" 201 $R -H "$J" -d '{"dst": "10.97.0.0/16", "dev": "eth0", "table": 253}'
jq -e 'map(select(.dst == "10.97.0.0/16" and .table == 253)) | length == 1' "$WORK/body" >/dev/null \
	&& pass "the 201 shows table 253" || fail "201 body: $(cat "$WORK/body")"
check "a route in table 254" 201 $R -H "$J" -d '{"dst": "10.98.0.0/16", "dev": "eth0", "table": 254}'
jq -e 'map(select(.dst == "10.98.0.0/16" and (has("table") | not))) | length == 1' "$WORK/body" >/dev/null \
	&& pass "table 254 is main" || fail "201 body: $(cat "$WORK/body")"
check "a route in table 1000" 201 $R -H "$J" -d '{"dst": "2001:db8:99::/48", "via": "2001:db8:86::1", "table": 1000}'
check "GET ?table=253" 200 "$R?table=253"
jq -e 'map(select(.dst == "10.97.0.0/16")) | length == 1' "$WORK/body" >/dev/null \
	&& pass "table 253 read back" || fail "table 253: $(cat "$WORK/body")"

# Addresses the kernel would drop, hide or refuse.
A=$T/vnics/eth0/addresses
for a in 0.0.0.0/0 0.0.0.0/24 ::/0 10.86.9.9/0 2001:db8:86::9/0 224.0.0.5/24 127.0.0.2/8 \
	 255.255.255.255/32 ff02::5/64 ::1/128 ::ffff:10.86.0.9/96 fe80::ff:fe86:10/64; do
	refused "address $a" address $A "{\"address\": \"$a\"}"
done
for a in 10.86.1.1/+24 10.86.1.1/024 "10.86.1.1/ 24"; do
	refused "address \"$a\"" address $A "{\"address\": \"$a\"}"
done
check "DELETE 0.0.0.0/0" 404 $A/0.0.0.0/0 -X DELETE
refused "a vNIC address 0.0.0.0/0" vnic.addresses[0] $T/vnics \
	'{"name": "eth1", "mac": "02:00:00:86:00:11", "addresses": ["0.0.0.0/0"]}'
refused "IPv6 on a 1000-byte link" vnic.addresses[0] $T/vnics \
	'{"name": "eth1", "mac": "02:00:00:86:00:11", "mtu": 1000, "addresses": ["2001:db8:87::1/64"]}'
refused "MAC 02:cc:00:00:00: 1" mac $T/vnics '{"name": "eth1", "mac": "02:cc:00:00:00: 1"}'
refused "MAC 02:cc:00:00:00:+1" mac $T/vnics '{"name": "eth1", "mac": "02:cc:00:00:00:+1"}'
refused "a new tenant's address 0.0.0.0/0" vnics[0].addresses[0] /tenants \
	'{"name": "zeta", "vnics": [{"name": "eth0", "mac": "02:00:00:86:00:20", "addresses": ["0.0.0.0/0"]}]}'
check "an address" 201 $A -H "$J" -d '{"address": "10.86.5.1/24"}'

# Sysctls: a tenant's are the net tree's; values are one line.
refused "a kernel-wide sysctl" vm.min_free_kbytes $T/sysctls '{"vm.min_free_kbytes": "100000"}' -X PATCH
check "a sysctl value with a newline" 422 $T/sysctls -X PATCH -H "$J" -d '{"net.ipv4.ip_forward": "1\n0"}'
check "an empty sysctl value" 422 $T/sysctls -X PATCH -H "$J" -d '{"net.ipv4.ip_forward": ""}'
refused "a vNIC named all" vnic.name $T/vnics '{"name": "all", "mac": "02:00:00:86:00:11"}'
check "a net sysctl" 200 $T/sysctls -X PATCH -H "$J" -d '{"net.ipv4.ip_forward": "1"}'
check "GET /tenants/zeta" 404 /tenants/zeta

# What was accepted is in the state file and survives a restart.
curl -s "$API$T" | jq -S . > "$WORK/live.json"
jq -S '.tenants[] | select(.name == "alpha")' "$STATE" > "$WORK/saved.json"
jq -e '[.routes[] | select(.table == 253 or .table == 1000 or .dst == "10.98.0.0/16")] | length == 3' \
	"$WORK/saved.json" >/dev/null && pass "the routes are in the state file" \
	|| fail "state file: $(cat "$WORK/saved.json")"
stop_daemon
start_daemon "$WORK/a.json"
curl -s "$API$T" | jq -S . > "$WORK/after.json"
diff -u "$WORK/live.json" "$WORK/after.json" && pass "the tenant is the same after a restart" \
	|| fail "the tenant changed across a restart"
check "DELETE the table 253 route" 204 "$R/10.97.0.0/16?table=253" -X DELETE
check "DELETE the table 254 route" 204 "$R/10.98.0.0/16?table=254" -X DELETE
check "DELETE the table 1000 route" 204 "$R/2001:db8:99::/48?table=1000" -X DELETE
check "DELETE the address" 204 $A/10.86.5.1/24 -X DELETE
curl -s "$API$T" | jq -S 'del(.sysctls)' > "$WORK/end.json"
jq -S 'del(.sysctls)' "$WORK/before.json" | diff -u - "$WORK/end.json" \
	&& pass "all deleted: the tenant is as it began" || fail "not all deleted"
stop_daemon

# The bearer token: white space around it is optional, on both sides; a
# NUL is never part of it (nor of any request).
TOKEN=t0k3n-$RANDOM$RANDOM
echo "$TOKEN" > "$WORK/token"; chmod 600 "$WORK/token"
sed -i "s|\"listen\": \"127.0.0.1:$API_PORT\"|&, \"token_file\": \"$WORK/token\"|" "$WORK/a.json"
start_daemon "$WORK/a.json"
raw() { # HEADER_VALUE (python escapes): the status line's code
	python3 - "$API_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
v = sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
s.sendall(b"GET /tenants HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: " + v + b"\r\n\r\n")
r = b""
while not r.endswith(b"\r\n") and len(r) < 100:
	c = s.recv(1)
	if not c:
		break
	r += c
print(r.split(b" ")[1].decode() if b" " in r else "none")
PY
}
for v in "Bearer $TOKEN" "Bearer  $TOKEN" "Bearer\\t$TOKEN" "bearer $TOKEN" "Bearer $TOKEN " \
	 "Bearer $TOKEN\\t" "Bearer $TOKEN \\t "; do
	code=$(raw "$v")
	[ "$code" = 200 ] && pass "token as \"$v\": 200" || fail "token as \"$v\": $code, want 200"
done
for v in "Bearer $TOKEN\\x00junk" "Bearer $TOKEN\\x00" "Bearer $TOKEN\\r\\nX-Other: a\\x00b" "Bearer ${TOKEN}x" "Bearer${TOKEN}" \
	 "Bearer $TOKEN junk" "Basic $TOKEN" "Bearer" "Bearer ${TOKEN:0:5}"; do
	code=$(raw "$v")
	[ "$code" = 401 ] || [ "$code" = 400 ] && pass "token as \"$v\": $code" \
		|| fail "token as \"$v\": $code, want 401"
done
stop_daemon

# An IPv6 listen address: what --check accepts, start-up serves.
if ip -6 addr show dev lo 2>/dev/null | grep -q "::1/128"; then
	sed -i "s|\"listen\": \"127.0.0.1:$API_PORT\"|\"listen\": \"[::1]:$API_PORT\"|; s|, \"token_file\": \"[^\"]*\"||" "$WORK/a.json"
	"$DAEMON" --check --config "$WORK/a.json" >/dev/null && pass "--check takes [::1]:PORT" \
		|| fail "--check refuses [::1]:PORT"
	start_daemon "$WORK/a.json"
	code=$(curl -s -g -o /dev/null -w '%{http_code}' "http://[::1]:$API_PORT/healthz")
	[ "$code" = 200 ] && pass "served on [::1]:$API_PORT" || fail "[::1]: healthz $code"
	stop_daemon
else
	echo "note: no ::1 on lo, IPv6 listen not tried"
fi
exit $FAILED
