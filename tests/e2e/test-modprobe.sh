#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iptables' -M/--modprobe names a program that iptables runs when it
# needs a kernel module (a table it cannot find).  Through the API it
# would be a program of the caller's choice run on the host: every
# spelling getopt_long takes is refused with 422, in POST rules, PUT
# rulesets and rulesets given at creation, and the program never runs.
# (iptables runs it only if /proc/sys/kernel/modprobe exists, which the
# preload library reads in the tenant's kernel; the launcher's jobs
# cannot start a process at all.  The refusal must not rest on either.)
. "$(dirname "$0")/lib.sh"
need_root
command -v iptables-legacy >/dev/null && command -v jq >/dev/null ||
	{ echo "skip: needs iptables-legacy and jq"; exit 77; }
TAP=nm$ID
write_config "$WORK/m.json" $TAP '[{"name": "t",
  "vnics": [{"name": "eth0", "mac": "02:00:00:93:00:10", "addresses": ["10.93.0.10/24"]}]}]'
# The program: anyone may run it, and it leaves a mark anyone may write.
mkdir -m 1777 "$WORK/mark"
PROBE=$WORK/probe
printf '#!/bin/sh\necho "$(id -u) $*" >> %s/ran\n' "$WORK/mark" > "$PROBE"
chmod 755 "$PROBE"
start_daemon "$WORK/m.json"
API=http://127.0.0.1:$API_PORT

"$PROBE" && [ -s "$WORK/mark/ran" ] || die "the probe program leaves no mark"
rm -f "$WORK/mark/ran"

# ran WHAT: the program must not have run
ran() {
	if [ -e "$WORK/mark/ran" ]; then
		fail "$1: the caller's program ran: $(cat "$WORK/mark/ran")"
		rm -f "$WORK/mark/ran"
	fi
}

# Each spelling as JSON array elements, P standing for the program.
spellings=('"-M", "P"' '"-MP"' '"-nMP"' '"-vnxMP"' '"-n", "-MP"' '"--modprobe", "P"'
	   '"--modprobe=P"' '"--modp=P"' '"--modprob", "P"' '"--mo", "P"' '"--m=P"')

for s in "${spellings[@]}"; do
	args=${s//P/$PROBE}
	code=$(curl -s -o "$WORK/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-d "{\"rule\": [\"-t\", \"nosuchtable\", \"-L\", $args]}" "$API/tenants/t/iptables")
	[ "$code" = 422 ] && grep -q modprobe "$WORK/out" && pass "POST rule [$s]: 422" ||
		fail "POST rule [$s]: $code $(cat "$WORK/out")"
	ran "POST rule [$s]"

	# In a ruleset: a rule line sets the program, a missing table runs it.
	line=$(jq -r '. | join(" ")' <<< "[$args]")
	rules=$(printf '*filter\n-A INPUT %s -j ACCEPT\nCOMMIT\n*nosuchtable\nCOMMIT\n' "$line")
	code=$(curl -s -o "$WORK/out" -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
		--data-binary "$rules" "$API/tenants/t/iptables")
	[ "$code" = 422 ] && grep -q modprobe "$WORK/out" && pass "PUT ruleset [$line]: 422" ||
		fail "PUT ruleset [$line]: $code $(cat "$WORK/out")"
	ran "PUT ruleset [$line]"

	body=$(jq -n --arg r "$rules" '{name: "n", vnics: [{name: "eth0", mac: "02:00:00:93:00:20"}],
		iptables: {ipv4: $r}}')
	code=$(curl -s -o "$WORK/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		-d "$body" "$API/tenants")
	[ "$code" = 422 ] && grep -q modprobe "$WORK/out" && pass "create with ruleset [$line]: 422" ||
		fail "create with ruleset [$line]: $code $(cat "$WORK/out")"
	ran "create with ruleset [$line]"
	curl -s -o /dev/null -X DELETE "$API/tenants/n"
done

# Not every word with an M is -M: these still work.
code=$(curl -s -o "$WORK/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-d '{"rule": ["-A", "INPUT", "-m", "comment", "--comment", "MORE", "-j", "ACCEPT"]}' \
	"$API/tenants/t/iptables")
[ "$code" = 201 ] && pass "a rule with M in a value: 201" || fail "a rule with M in a value: $code $(cat "$WORK/out")"
stop_daemon
exit $FAILED
