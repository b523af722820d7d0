#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `nuse-appliance exec` fails closed: what steps around the preload
# library finds an empty network namespace, not the host's.
# - `ip tuntap add` under exec leaves no tun in the host's namespace;
# - a raw syscall(SYS_socket) + connect to a listener on the host's
#   loopback fails under exec (and works without, so the probe is sound),
#   for root and for a non-root member of rpc.group (a user namespace);
# - Debian's ping, which has file capabilities and so would lose
#   LD_PRELOAD for a non-root caller, reaches the tenant's stack as that
#   caller: it answers from an address only the tenant has;
# - the preload library still reaches the appliance from there.
. "$(dirname "$0")/lib.sh"
need_root
command -v python3 >/dev/null && command -v ping >/dev/null ||
	{ echo "skip: needs python3 and ping"; exit 77; }
TAP=nx$ID
SOCK=$WORK/rpc.sock
GROUP=nx$ID
groupadd "$GROUP" || die "groupadd $GROUP"
undo "groupdel $GROUP"
GID=$(getent group "$GROUP" | cut -d: -f3)
write_config "$WORK/x.json" $TAP '[{"name": "a",
  "vnics": [{"name": "eth0", "mac": "02:00:00:94:00:10", "addresses": ["10.94.0.10/24"]}]}]'
sed -i "s|\"socket\": \"$SOCK\"|&, \"group\": \"$GROUP\"|" "$WORK/x.json"
start_daemon "$WORK/x.json"
A="$DAEMON exec --socket $SOCK a --"
USER4242="setpriv --reuid=4242 --regid=4242 --groups=$GID"

# The probe: a TCP connect made with raw syscalls, which no preload sees.
cat > "$WORK/raw.py" <<'PY'
import ctypes, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
SYS_socket, SYS_connect = 41, 42
fd = libc.syscall(SYS_socket, socket.AF_INET, socket.SOCK_STREAM, 0)
if fd < 0:
    print("socket:", ctypes.get_errno()); sys.exit(2)
sa = struct.pack("<HH4s8x", socket.AF_INET, socket.htons(int(sys.argv[2])),
                 socket.inet_aton(sys.argv[1]))
buf = ctypes.create_string_buffer(sa)
if libc.syscall(SYS_connect, fd, buf, len(sa)) < 0:
    print("connect:", ctypes.get_errno()); sys.exit(1)
print("connected"); sys.exit(0)
PY
chmod 644 "$WORK/raw.py"
PY=/usr/bin/python3
PORT=$((API_PORT + 1))	# beside the API's, below the ephemeral ports
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
open(sys.argv[2], "w").close()
while True: s.accept()[0].close()' $PORT "$WORK/listening" &
undo "kill $!"
# listening once the file is there (a loaded machine starts python slowly)
for i in $(seq 100); do [ -e "$WORK/listening" ] && break; sleep 0.1; done

out=$($PY "$WORK/raw.py" 127.0.0.1 $PORT) && pass "the probe reaches the host's listener: $out" ||
	die "the probe does not work even on the host: $out"
out=$($USER4242 $PY "$WORK/raw.py" 127.0.0.1 $PORT) && pass "and does as uid 4242: $out" ||
	die "the probe does not work as uid 4242 on the host: $out"
out=$($A $PY "$WORK/raw.py" 127.0.0.1 $PORT 2>&1) &&
	fail "root under exec: a raw syscall socket reached the host: $out" ||
	pass "root under exec: a raw syscall socket finds no network: $out"
out=$($USER4242 $A $PY "$WORK/raw.py" 127.0.0.1 $PORT 2>&1) &&
	fail "uid 4242 under exec: a raw syscall socket reached the host: $out" ||
	pass "uid 4242 under exec: a raw syscall socket finds no network: $out"

# The preload still works from the empty namespace, for both.
$A ip -o addr show | grep -q 10.94.0.10/24 && pass "root under exec: ip addr is the tenant's" ||
	fail "root under exec: ip addr: $($A ip -o addr show 2>&1)"
$USER4242 $A ip -o addr show | grep -q 10.94.0.10/24 &&
	pass "uid 4242 under exec: ip addr is the tenant's" ||
	fail "uid 4242 under exec: ip addr: $($USER4242 $A ip -o addr show 2>&1)"

# A tun made under exec is no host device.
undo "ip link del tx$ID"
$A ip tuntap add dev tx$ID mode tun > "$WORK/tun.out" 2>&1
echo "ip tuntap add under exec: exit $? $(cat "$WORK/tun.out")"
ip link show tx$ID >/dev/null 2>&1 && fail "ip tuntap add under exec made tx$ID on the host" ||
	pass "ip tuntap add under exec: no tx$ID on the host"
$USER4242 $A ip tuntap add dev ty$ID mode tun > "$WORK/tun.out" 2>&1
ip link show ty$ID >/dev/null 2>&1 && { fail "uid 4242: a tun on the host"; ip link del ty$ID; } ||
	pass "uid 4242: no tun on the host"

# ping has cap_net_raw: for uid 4242 it keeps the preload under exec and
# answers from the tenant's own address.
getcap "$(command -v ping)" 2>/dev/null
out=$($USER4242 $A ping -c 1 -W 2 10.94.0.10 2>&1) && pass "uid 4242: ping under exec is the tenant's" ||
	fail "uid 4242: ping under exec: $out"
stop_daemon
exit $FAILED
