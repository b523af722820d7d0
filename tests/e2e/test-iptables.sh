#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Per-tenant iptables, with the real iptables-legacy tools run against a
# tenant (`nuse-appliance exec`) and through the API, checked with
# traffic:
# - a DROP rule in one tenant stops its pings and not those of another
#   tenant with the same address on another VLAN; -D brings them back;
# - MASQUERADE on a router tenant: the server sees the router's address;
# - DNAT: a port of the router forwarded to a service in another tenant;
# - conntrack: a FORWARD policy of DROP with ESTABLISHED,RELATED let back
#   (iptables-legacy, then Debian's default iptables-nft);
# - PUT round-trips through iptables-save, a broken ruleset is 422 and
#   leaves the old one in force; POST appends one rule; rulesets given at
#   creation are applied and survive a restart.
. "$(dirname "$0")/lib.sh"
need_root
for t in iptables-legacy curl nc; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=nt$ID
netns sw$ID; netns c1$ID; netns c2$ID; netns c3$ID
write_config "$WORK/i.json" $TAP '[
 {"name": "red", "vnics": [{"name": "eth0", "mac": "02:00:00:91:01:10", "vlan": 100,
   "addresses": ["10.91.0.10/24"]}]},
 {"name": "blue", "vnics": [{"name": "eth0", "mac": "02:00:00:91:02:10", "vlan": 200,
   "addresses": ["10.91.0.10/24"]}]},
 {"name": "rtr", "vnics": [
   {"name": "eth0", "mac": "02:00:00:92:01:01", "vlan": 10, "addresses": ["10.92.1.1/24"]},
   {"name": "eth1", "mac": "02:00:00:92:02:01", "vlan": 20, "addresses": ["10.92.2.1/24"]}],
   "sysctls": {"net.ipv4.ip_forward": "1"}},
 {"name": "svc", "vnics": [{"name": "eth0", "mac": "02:00:00:92:01:05", "vlan": 10,
   "addresses": ["10.92.1.5/24"]}], "routes": [{"dst": "0.0.0.0/0", "via": "10.92.1.1"}]}]'
start_daemon "$WORK/i.json"
tap_to sw$ID $TAP
vlan_to sw$ID $TAP 100 c1$ID 10.91.0.1/24
vlan_to sw$ID $TAP 200 c2$ID 10.91.0.1/24
vlan_to sw$ID $TAP 10 c3$ID 10.92.1.2/24
ip -n c3$ID route add default via 10.92.1.1
# the server host on VLAN 20 knows no way back to 10.92.1.0/24
netns srv$ID
vlan_to sw$ID $TAP 20 srv$ID 10.92.2.2/24
vlan_switch sw$ID $TAP
API=http://127.0.0.1:$API_PORT
X() { "$DAEMON" exec --socket "$WORK/rpc.sock" "$@"; }

# 1. A DROP rule in red: red's pings stop, blue's (same address) do not.
pings c1$ID 10.91.0.10 && pings c2$ID 10.91.0.10 && pass "both tenants answer" || fail "no answer before any rule"
X red -- iptables-legacy -A INPUT -p icmp -j DROP && pass "exec red -- iptables -A" || fail "iptables -A failed"
pings c1$ID 10.91.0.10 1 && fail "red still answers with icmp dropped" || pass "red's pings dropped"
pings c2$ID 10.91.0.10 && pass "blue still answers: rules are per tenant" || fail "blue's pings stopped too"
X blue -- iptables-legacy -S INPUT | grep -q DROP && fail "the rule shows in blue" || pass "blue has no such rule"
X red -- iptables-legacy -D INPUT -p icmp -j DROP
pings c1$ID 10.91.0.10 && pass "-D brings red's pings back" || fail "red silent after -D"

# 2. MASQUERADE: the server sees the router's address.
ip netns exec srv$ID python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.92.2.2", 7000)); s.listen(8)
while True:
    c, a = s.accept(); c.sendall((a[0] + "\n").encode()); c.close()' &
undo "kill $!"
sleep 0.3
seen=$(ip netns exec c3$ID nc -w 2 10.92.2.2 7000 2>/dev/null)
[ -z "$seen" ] && pass "no way back without NAT" || fail "reached the server without NAT: $seen"
X rtr -- iptables-legacy -t nat -A POSTROUTING -o eth1 -j MASQUERADE || fail "MASQUERADE rule"
seen=$(ip netns exec c3$ID nc -w 2 10.92.2.2 7000 2>/dev/null)
[ "$seen" = 10.92.2.1 ] && pass "the server sees the router's address" || fail "server saw '$seen'"

# 3. DNAT: 10.92.2.1:8080 on the router goes to svc's port 80.
X svc -- sh -c 'echo svc-here | nc -l 80' > /dev/null 2>&1 &
undo "kill $!"
sleep 0.5
X rtr -- iptables-legacy -t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT --to-destination 10.92.1.5:80 \
	|| fail "DNAT rule"
got=$(ip netns exec srv$ID nc -w 2 10.92.2.1 8080 < /dev/null 2>/dev/null)
[ "$got" = svc-here ] && pass "DNAT reaches the service in another tenant" || fail "DNAT gave '$got'"

# 4. conntrack: new connections only from eth0, answers let back.
ip -n srv$ID route add 10.92.1.0/24 via 10.92.2.1
ip netns exec srv$ID ping -c 1 -W 1 10.92.1.5 >/dev/null 2>&1 && pass "srv reaches svc before the policy" \
	|| fail "srv cannot reach svc even without the policy"
X rtr -- iptables-legacy -P FORWARD DROP
X rtr -- iptables-legacy -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
X rtr -- iptables-legacy -A FORWARD -i eth0 -j ACCEPT
seen=$(ip netns exec c3$ID nc -w 2 10.92.2.2 7000 2>/dev/null)
[ "$seen" = 10.92.2.1 ] && pass "ESTABLISHED,RELATED lets the answers back" || fail "conntrack: '$seen'"
ip netns exec srv$ID ping -c 1 -W 1 10.92.1.5 >/dev/null 2>&1 && fail "a new flow from eth1 passed" \
	|| pass "new flows from eth1 dropped"
# The same policy with Debian's default iptables (nf_tables; its conntrack
# match goes through nft_compat), legacy's policy open meanwhile.
X rtr -- iptables-legacy -P FORWARD ACCEPT
X rtr -- iptables -P FORWARD DROP && X rtr -- iptables -A FORWARD -m conntrack \
	--ctstate ESTABLISHED,RELATED -j ACCEPT && X rtr -- iptables -A FORWARD -i eth0 -j ACCEPT \
	&& pass "iptables-nft takes -m conntrack" || fail "iptables-nft refused the conntrack rule"
seen=$(ip netns exec c3$ID nc -w 2 10.92.2.2 7000 2>/dev/null)
[ "$seen" = 10.92.2.1 ] && pass "nft: ESTABLISHED,RELATED lets the answers back" || fail "nft conntrack: '$seen'"
ip netns exec srv$ID ping -c 1 -W 1 10.92.1.5 >/dev/null 2>&1 && fail "nft: a new flow from eth1 passed" \
	|| pass "nft: new flows from eth1 dropped"
X rtr -- iptables -F FORWARD
X rtr -- iptables -P FORWARD ACCEPT
X rtr -- iptables-legacy -P FORWARD DROP

# 5. The API: GET, PUT round trip, a broken PUT, POST.
code=$(curl -s -o "$WORK/save" -w '%{http_code}' "$API/tenants/rtr/iptables")
[ "$code" = 200 ] && grep -q -- "-A FORWARD -i eth0 -j ACCEPT" "$WORK/save" && grep -q '^\*nat' "$WORK/save" \
	&& pass "GET iptables: the ruleset as iptables-save has it" || fail "GET: $code $(head -5 "$WORK/save")"
RULES='*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -s 10.91.0.99/32 -j DROP
-A INPUT -p tcp -m tcp --dport 22 -j REJECT --reject-with icmp-port-unreachable
COMMIT'
code=$(curl -s -o "$WORK/put" -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' --data-binary "$RULES" "$API/tenants/red/iptables")
[ "$code" = 200 ] && pass "PUT a ruleset" || fail "PUT: $code $(cat "$WORK/put")"
X red -- iptables-legacy-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]/[0:0]/' > "$WORK/saved"
diff <(printf '%s\n' "$RULES") "$WORK/saved" > "$WORK/diff" && pass "iptables-save round-trips the PUT" \
	|| fail "round trip: $(cat "$WORK/diff")"
code=$(curl -s -o "$WORK/bad" -w '%{http_code}' -X PUT -H 'Content-Type: text/plain' \
	--data-binary $'*filter\n-A INPUT -p nosuchproto -j DROP\nCOMMIT\n' "$API/tenants/red/iptables")
[ "$code" = 422 ] && pass "a broken ruleset is 422" || fail "broken PUT: $code"
grep -q nosuchproto "$WORK/bad" && pass "with iptables' own message" || fail "422 body: $(cat "$WORK/bad")"
X red -- iptables-legacy -S INPUT | grep -q "10.91.0.99" && pass "the old ruleset is still in force" \
	|| fail "the old ruleset is gone"
code=$(curl -s -o "$WORK/post" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-d '{"rule": ["-A", "INPUT", "-p", "icmp", "-j", "DROP"]}' "$API/tenants/red/iptables")
[ "$code" = 201 ] && pass "POST a rule" || fail "POST: $code $(cat "$WORK/post")"
pings c1$ID 10.91.0.10 1 && fail "the POSTed rule does not drop" || pass "the POSTed rule drops red's pings"
pings c2$ID 10.91.0.10 && pass "and not blue's" || fail "blue affected by red's POSTed rule"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-d '{"rule": ["-A", "INPUT", "--modprobe=/bin/sh"]}' "$API/tenants/red/iptables")
[ "$code" = 422 ] && pass "--modprobe refused" || fail "--modprobe: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/tenants/nobody/iptables")
[ "$code" = 404 ] && pass "no tenant: 404" || fail "no tenant: $code"

# 6. A ruleset given at creation, and after a restart.
code=$(curl -s -o "$WORK/c" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"name": "green",
  "vnics": [{"name": "eth0", "mac": "02:00:00:91:03:10", "vlan": 300, "addresses": ["10.91.3.10/24"]}],
  "iptables": {"ipv4": "*filter\n-A INPUT -s 10.91.3.66/32 -j DROP\nCOMMIT\n"}}' "$API/tenants")
[ "$code" = 201 ] && pass "POST a tenant with a ruleset" || fail "POST green: $code $(cat "$WORK/c")"
X green -- iptables-legacy -S INPUT | grep -q 10.91.3.66 && pass "its ruleset is applied" || fail "green's ruleset missing"
# the last line without its newline, and conntrack's match
code=$(curl -s -o "$WORK/c" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"name": "olive",
  "vnics": [{"name": "eth0", "mac": "02:00:00:91:05:10", "vlan": 302}],
  "iptables": {"ipv4": "*filter\n-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT"}}' "$API/tenants")
[ "$code" = 201 ] && X olive -- iptables-legacy -S FORWARD | grep -q ctstate \
	&& pass "a ruleset whose COMMIT has no newline is applied" || fail "POST olive: $code $(cat "$WORK/c")"
code=$(curl -s -o "$WORK/c" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"name": "brown",
  "vnics": [{"name": "eth0", "mac": "02:00:00:91:04:10", "vlan": 301}],
  "iptables": {"ipv4": "*filter\n-A INPUT -p nosuch -j DROP\nCOMMIT\n"}}' "$API/tenants")
[ "$code" = 422 ] && pass "a tenant with a broken ruleset is 422" || fail "POST brown: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/tenants/brown")
[ "$code" = 404 ] && pass "and is not there" || fail "brown exists: $code"
stop_daemon
start_daemon "$WORK/i.json"
X green -- iptables-legacy -S INPUT | grep -q 10.91.3.66 && pass "green's ruleset after a restart" || fail "lost at restart"
X red -- iptables-legacy -S INPUT | grep -q "10.91.0.99" && pass "red's PUT ruleset after a restart" || fail "red's lost"
stop_daemon
exit $FAILED
