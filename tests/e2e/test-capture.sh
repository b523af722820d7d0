#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packet capture inside a tenant with Debian's tcpdump through exec:
# libpcap's TPACKET_V3 ring (played by the preload library), the ethtool
# queries it makes, its filter.  A capture of a client's ping holds
# exactly those packets, with the tenant's MAC and the right direction
# on "any"; a filter keeps only what it names; a large ping's fragments
# are all there; the file it writes is read by the host's tcpdump; a
# flood does not lose what fits in the ring; nothing is left behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../preload/tools.sh"
need_root
for t in tcpdump ping python3; do
	command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
TAP=np$ID
CLIENT=c$ID
MAC=02:00:00:7e:00:10
netns $CLIENT
write_config "$WORK/a.json" $TAP '[
  {"name": "t", "vnics": [{"name": "eth0", "mac": "'$MAC'", "addresses": ["10.78.0.10/24"]}]}]'
start_daemon "$WORK/a.json"
tap_to $CLIENT $TAP
ip -n $CLIENT addr add 10.78.0.1/24 dev $TAP
wait_for test -S "$WORK/rpc.sock" || die "no RPC socket"
X() { $DAEMON exec --socket "$WORK/rpc.sock" t -- "$@"; }
# later SECONDS CMD...: CMD in the client host, after a while (the capture
# is up by then), in the background; its pid in $LATER
later() { local s=$1; shift; (sleep "$s"; ip netns exec $CLIENT "$@" > /dev/null 2>&1) & LATER=$!; }
rd() { tcpdump -n -r "$@" 2>/dev/null; }

# 1. A ping on eth0: exactly its 3 requests and 3 replies.
later 1.5 ping -c 3 -i 0.2 10.78.0.10
X timeout 10 tcpdump -n -i eth0 -c 6 -w "$WORK/ping.pcap" icmp 2> "$WORK/err"
wait $LATER
[ "$(rd "$WORK/ping.pcap" | grep -c 'IP 10.78.0.1 > 10.78.0.10: ICMP echo request')" = 3 ] &&
	[ "$(rd "$WORK/ping.pcap" | grep -c 'IP 10.78.0.10 > 10.78.0.1: ICMP echo reply')" = 3 ] &&
	[ "$(rd "$WORK/ping.pcap" | wc -l)" = 6 ] &&
	pass "eth0: the ping's 3 requests and 3 replies, nothing else" ||
	fail "eth0: $(rd "$WORK/ping.pcap"; cat "$WORK/err")"
rd "$WORK/ping.pcap" -e | grep -q "^.* $MAC > .* 10.78.0.10 > 10.78.0.1: ICMP echo reply" &&
	pass "link headers: the replies are from the tenant's MAC" || fail "link headers: $(rd "$WORK/ping.pcap" -e)"
grep -q "0 packets dropped by kernel" "$WORK/err" && pass "tcpdump: 0 dropped" ||
	fail "tcpdump said: $(cat "$WORK/err")"
# Each packet's time is its own, in order, within the run.
rd "$WORK/ping.pcap" -tt | awk '{t = $1 + 0; if (t < prev || t < systime() - 60) bad = 1; prev = t} END {exit bad}' &&
	pass "timestamps in order and current" || fail "timestamps: $(rd "$WORK/ping.pcap" -tt)"

# 2. "any": cooked headers with the direction.
later 1.5 ping -c 2 -i 0.2 10.78.0.10
X timeout 10 tcpdump -n -i any -c 4 icmp > "$WORK/any" 2> "$WORK/err"
wait $LATER
[ "$(grep -c 'eth0  In  IP 10.78.0.1 > 10.78.0.10: ICMP echo request' "$WORK/any")" = 2 ] &&
	[ "$(grep -c 'eth0  Out IP 10.78.0.10 > 10.78.0.1: ICMP echo reply' "$WORK/any")" = 2 ] &&
	pass "any: 2 in, 2 out, on eth0" || fail "any: $(cat "$WORK/any" "$WORK/err")"

# 3. A filter: of pings and UDP, only the 2 datagrams to port 9999.
later 1.5 sh -c 'ping -c 2 -i 0.2 10.78.0.10; for i in 1 2; do python3 -c "
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b\"x\" * 100, (\"10.78.0.10\", 9999))"; done'
X timeout 10 tcpdump -n -i eth0 -c 2 udp port 9999 > "$WORK/udp" 2> "$WORK/err"
wait $LATER
[ "$(grep -c 'IP 10.78.0.1.[0-9]* > 10.78.0.10.9999: UDP, length 100' "$WORK/udp")" = 2 ] &&
	[ "$(wc -l < "$WORK/udp")" = 2 ] && pass "filter: the 2 datagrams and nothing else" ||
	fail "filter: $(cat "$WORK/udp" "$WORK/err")"

# 4. A large ping: every fragment, each whole (snaplen 262144).
later 1.5 ping -c 1 -s 4000 10.78.0.10
X timeout 10 tcpdump -n -i eth0 -c 6 -w "$WORK/frag.pcap" icmp 2> "$WORK/err"
wait $LATER
[ "$(rd "$WORK/frag.pcap" | wc -l)" = 6 ] &&
	[ "$(rd "$WORK/frag.pcap" -e | awk '{for (i = 1; i < NF; i++) if ($i == "length") {s += $(i + 1); break}} END {print s}' | tr -d :)" -ge 8000 ] &&
	pass "a 4000-byte ping: its 3 fragments each way, whole" ||
	fail "fragments: $(rd "$WORK/frag.pcap" -e)"

# 5. A flood of 1000 pings into a capture that writes them out: all kept.
later 1.5 ping -f -c 1000 -s 200 10.78.0.10
X timeout 60 tcpdump -n -i eth0 -c 2000 -w "$WORK/flood.pcap" icmp 2> "$WORK/err"
wait $LATER
n=$(rd "$WORK/flood.pcap" | wc -l)
# All of them, or (a slow build: the sanitizers) what is missing is what
# tcpdump says the kernel dropped: nothing lost without a word.
d=$(sed -n 's/^\([0-9]*\) packets dropped by kernel$/\1/p' "$WORK/err")
if [ "$n" = 2000 ]; then
	pass "a flood: all 2000 packets captured"
elif [ $((n + ${d:-0})) -ge 2000 ]; then
	pass "a flood: $n captured, $d counted as dropped"
else
	fail "flood: $n of 2000, ${d:-no} drops said; $(tr '\n' ' ' < "$WORK/err")"
fi

# 6. nuse-appliance capture: pcap on standard output, to a file or a pipe.
CAP="$DAEMON capture --socket $WORK/rpc.sock"
later 1.5 ping -c 2 -i 0.2 10.78.0.10
$CAP -c 4 t eth0 icmp > "$WORK/cap.pcap" 2> "$WORK/err"
wait $LATER
[ "$(rd "$WORK/cap.pcap" | grep -c 'ICMP echo')" = 4 ] &&
	pass "capture t eth0 icmp: the 4 packets, as pcap" || fail "capture: $(rd "$WORK/cap.pcap"; cat "$WORK/err")"
later 1.5 ping -c 1 10.78.0.10
$CAP -c 2 t any icmp 2> /dev/null | tcpdump -n -r - 2> /dev/null > "$WORK/piped"
wait $LATER
[ "$(grep -c 'ICMP echo' "$WORK/piped")" = 2 ] && pass "capture | tcpdump -r -" ||
	fail "piped: $(cat "$WORK/piped")"
$CAP -c 1 nosuch eth0 > /dev/null 2> "$WORK/err"
[ $? = 125 ] && grep -q "no such tenant" "$WORK/err" && pass "capture nosuch: 125, said" ||
	fail "capture nosuch: $(cat "$WORK/err")"
$CAP -c 0 t eth0 > /dev/null 2> "$WORK/err"
[ $? = 125 ] && grep -q "count" "$WORK/err" && pass "capture -c 0: 125, said" ||
	fail "capture -c 0: $(cat "$WORK/err")"
$CAP t -w > /dev/null 2> "$WORK/err"
[ $? = 125 ] && grep -q "not an interface" "$WORK/err" && pass "capture t -w: refused" ||
	fail "capture t -w: $(cat "$WORK/err")"
$CAP t > /dev/null 2> "$WORK/err"
[ $? = 125 ] && grep -q "usage" "$WORK/err" && pass "capture without IF: usage, 125" ||
	fail "capture t: $(cat "$WORK/err")"
# A filter word that looks like an option stays a filter word.
$CAP -c 1 t eth0 -w /tmp/x$ID > /dev/null 2> "$WORK/err"
[ ! -e /tmp/x$ID ] && pass "a filter of '-w FILE' writes no file" || { fail "-w FILE written"; rm -f /tmp/x$ID; }

# Nothing left: no packet socket in the tenant once tcpdump is gone.
X ss -0 -a -n | grep -q . && [ "$(X ss -0 -a -n | tail -n +2 | wc -l)" != 0 ] &&
	fail "packet sockets left: $(X ss -0 -a -n)" || pass "no packet socket left in the tenant"
stop_daemon
grep -E 'BUG|WARNING|Oops' "$WORK/daemon.log" && fail "kernel complained" ||
	pass "the kernel said nothing wrong"
exit $FAILED
