#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Under systemd (Type=notify) the appliance says READY=1 once every tenant
# is up, and STOPPING=1 when asked to stop; the shipped unit file is one
# systemd accepts.
. "$(dirname "$0")/lib.sh"
need_root
TOP_SRC=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
TAP=nt$ID
write_config "$WORK/a.json" $TAP '[{"name": "t", "vnics": [{"name": "eth0",
  "mac": "02:00:00:97:00:01", "addresses": ["10.97.0.1/24"]}]}]'
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
while True:
    try:
        m = s.recv(4096).decode()
    except socket.timeout:
        break
    print(m.replace("\n", " | "), flush=True)
    if "STOPPING=1" in m:
        break' "$WORK/notify.sock" > "$WORK/notes" &
listener=$!
undo "kill $listener"
for i in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
chmod 777 "$WORK/notify.sock"	# the appliance writes as its own user
export NOTIFY_SOCKET=$WORK/notify.sock
start_daemon "$WORK/a.json"
sleep 0.3
grep -q "READY=1 | STATUS=running with 1 tenant(s)" "$WORK/notes" \
	&& pass "READY=1 once the tenants are up: $(head -1 "$WORK/notes")" \
	|| fail "no READY=1: $(cat "$WORK/notes")"
stop_daemon
wait $listener 2>/dev/null
grep -q "STOPPING=1" "$WORK/notes" && pass "STOPPING=1 on SIGTERM" || fail "no STOPPING=1: $(cat "$WORK/notes")"
unset NOTIFY_SOCKET
if command -v systemd-analyze >/dev/null; then
	sed -e "s|%bindir%|$TOP_BUILD/src|g" -e "s|%sysconfdir%|/etc|g" \
		"$TOP_SRC/etc/nuse-appliance.service.in" > "$WORK/nuse-appliance.service"
	out=$(systemd-analyze verify "$WORK/nuse-appliance.service" 2>&1 | grep -v "appliance.json\|Command .* is not executable\|Command 'man ")
	[ -z "$out" ] && pass "systemd-analyze verify: no complaint" || fail "systemd-analyze verify: $out"
fi
exit $FAILED
