#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A tenant's nftables through the API, done by the real nft and checked
# with traffic: the ruleset given in the config is in force at start;
# GET is nft list ruleset; PUT replaces the whole ruleset in one
# transaction; a broken one, one with include, the wrong type or no
# tenant is refused and changes nothing; POST /tenants applies one (and
# a broken one leaves no tenant); POST .../save keeps what nft did
# through exec; all of it survives a restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
for t in nft curl jq ping; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=nf$ID
CLIENT=c$ID
netns $CLIENT
write_config "$WORK/a.json" $TAP '[
  {"name": "t", "vnics": [{"name": "eth0", "mac": "02:00:00:7d:00:10",
			   "addresses": ["10.78.0.10/24"]}],
   "nftables": "table inet boot {\n\tchain in {\n\t\ttype filter hook input priority 0; policy accept;\n\t\ticmp type echo-request drop\n\t}\n}\n"},
  {"name": "u", "vnics": [{"name": "eth0", "mac": "02:00:00:7d:00:20",
			   "addresses": ["10.78.0.20/24"]}]}]'
start_daemon "$WORK/a.json"
tap_to $CLIENT $TAP
ip -n $CLIENT addr add 10.78.0.1/24 dev $TAP
API=http://127.0.0.1:$API_PORT
X() { "$DAEMON" exec --socket "$WORK/rpc.sock" "$@"; }
put() { # TENANT TEXT [CONTENT-TYPE]: the status; the body in $WORK/body
	curl -s -o "$WORK/body" -w '%{http_code}' -X PUT -H "Content-Type: ${3:-text/plain}" \
		--data-binary "$2" "$API/tenants/$1/nftables"
}
get() { curl -s -o "$WORK/body" -w '%{http_code}' "$API/tenants/$1/nftables"; }

pings $CLIENT 10.78.0.10 1 && fail "t answers with the config's ruleset" ||
	pass "the config's ruleset is in force at start"
pings $CLIENT 10.78.0.20 && pass "u answers: rulesets are per tenant" || fail "u silent"
[ "$(get t)" = 200 ] && grep -q "table inet boot" "$WORK/body" &&
	pass "GET: nft list ruleset" || fail "GET: $(cat "$WORK/body")"
X t -- nft list ruleset | diff - "$WORK/body" > /dev/null && pass "GET is what nft in t lists" ||
	fail "GET differs from nft list ruleset"

RULES='table ip filter {
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr 10.78.0.99 drop
		tcp dport 7777 counter packets 0 bytes 0 reject
	}
}'
[ "$(put t "$RULES")" = 200 ] && pass "PUT a ruleset" || fail "PUT: $(cat "$WORK/body")"
diff <(printf '%s\n' "$RULES") "$WORK/body" > "$WORK/diff" && pass "PUT answers the ruleset now" ||
	{ fail "PUT's answer differs"; cat "$WORK/diff"; }
grep -q "table inet boot" "$WORK/body" && fail "the old table is still there" ||
	pass "PUT replaced the whole ruleset"
pings $CLIENT 10.78.0.10 && pass "pings answered again" || fail "t silent after PUT"

# Refused, each changing nothing.
[ "$(put t 'table ip filter { chain input { type filter hook input priority 0; nosuchthing } }')" = 422 ] &&
	jq -e '.field == "nftables" and (.detail | test("syntax|Error"))' "$WORK/body" > /dev/null &&
	pass "a broken ruleset: 422 with nft's error" || fail "broken: $(cat "$WORK/body")"
[ "$(put t $'flush ruleset\ninclude "/etc/passwd"\n')" = 422 ] &&
	jq -e '.detail | test("include")' "$WORK/body" > /dev/null &&
	pass "include: 422" || fail "include: $(cat "$WORK/body")"
[ "$(put t $'table ip x {}\n' application/json)" = 415 ] && pass "not text/plain: 415" ||
	fail "content type: $(cat "$WORK/body")"
[ "$(put nobody $'table ip x {}\n')" = 404 ] && pass "no such tenant: 404" || fail "nobody: $(cat "$WORK/body")"
[ "$(put t "$(printf 'table ip x {}\001\n')")" = 422 ] && pass "control characters: 422" ||
	fail "control: $(cat "$WORK/body")"
get t > /dev/null
diff <(printf '%s\n' "$RULES") "$WORK/body" > /dev/null && pass "after the refusals: unchanged" ||
	fail "the ruleset changed: $(cat "$WORK/body")"

# POST /tenants with a ruleset; a broken one leaves no tenant.
code=$(curl -s -o "$WORK/c" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"name": "v",
  "vnics": [{"name": "eth0", "mac": "02:00:00:7d:00:30", "addresses": ["10.78.0.30/24"]}],
  "nftables": "table ip v { chain in { type filter hook input priority 0; icmp type echo-request drop; }; }"}' "$API/tenants")
[ "$code" = 201 ] && jq -e '.nftables | test("table ip v")' "$WORK/c" > /dev/null &&
	pass "POST /tenants with nftables: 201" || fail "POST: $code $(cat "$WORK/c")"
pings $CLIENT 10.78.0.30 1 && fail "v answers" || pass "v's ruleset is in force"
X v -- ip -br addr show eth0 | grep -q 10.78.0.30 && pass "v is up (its silence is the rule's)" ||
	fail "v has no address"
code=$(curl -s -o "$WORK/c" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"name": "w",
  "vnics": [{"name": "eth0", "mac": "02:00:00:7d:00:40"}], "nftables": "table ip w { nonsense }"}' "$API/tenants")
[ "$code" = 422 ] && jq -e '.field == "nftables"' "$WORK/c" > /dev/null &&
	pass "POST with a broken ruleset: 422 naming nftables" || fail "POST broken: $code $(cat "$WORK/c")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$API/tenants/w")" = 404 ] && pass "and no tenant w" ||
	fail "w exists"
code=$(curl -s -o "$WORK/c" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"name": "w",
  "vnics": [{"name": "eth0", "mac": "02:00:00:7d:00:40"}], "nftables": ["table ip w"]}' "$API/tenants")
[ "$code" = 422 ] && jq -e '.detail | test("nftables")' "$WORK/c" > /dev/null &&
	pass "POST with nftables not a string: 422 naming it" || fail "POST array: $code $(cat "$WORK/c")"

# nft through exec, kept by POST .../save.
X u -- nft add table ip kept || fail "exec u -- nft add table"
code=$(curl -s -o "$WORK/c" -w '%{http_code}' -X POST "$API/tenants/u/save")
[ "$code" = 200 ] && jq -e '.nftables | test("table ip kept")' "$WORK/c" > /dev/null &&
	pass "save keeps u's nftables" || fail "save: $code $(cat "$WORK/c")"

# A restart: every ruleset comes back from the state.
stop_daemon
start_daemon "$WORK/a.json"
get t > /dev/null
diff <(printf '%s\n' "$RULES") "$WORK/body" > /dev/null && pass "t's PUT ruleset survives a restart" ||
	fail "after restart: $(cat "$WORK/body")"
pings $CLIENT 10.78.0.30 1 && fail "v answers after the restart" || pass "v's ruleset after the restart"
X u -- nft list tables | grep -q "table ip kept" && pass "u's saved table after the restart" ||
	fail "u: $(X u -- nft list tables)"
# An empty PUT empties the ruleset.
[ "$(put t '')" = 200 ] && [ ! -s "$WORK/body" ] && pass "an empty PUT: no ruleset" ||
	fail "empty PUT: $(cat "$WORK/body")"
stop_daemon
exit $FAILED
