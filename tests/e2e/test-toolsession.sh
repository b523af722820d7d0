#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The API's iptables tools hold a tool session (root in their tenant) on
# a descriptor (3 at the start, moved up by the preload library).  No process of the appliance's user may take it: while a
# POSTed rule's iptables-legacy waits for the xtables lock (held here),
# pidfd_getfd(2), ptrace attach and seize, and kill from the appliance's
# uid all fail against it, and against the launcher that started it.
# Root can (so the probe is sound).  The job runs as nuse-tool with no
# capabilities, no_new_privs and a seccomp filter; the launcher as
# nuse-tool, with none, not dumpable.
. "$(dirname "$0")/lib.sh"
need_root
command -v iptables-legacy >/dev/null || { echo "skip: needs iptables-legacy"; exit 77; }
PY=/usr/bin/python3
TAP=ns$ID
write_config "$WORK/s.json" $TAP '[{"name": "t",
  "vnics": [{"name": "eth0", "mac": "02:00:00:95:00:10", "addresses": ["10.95.0.10/24"]}]}]'
start_daemon "$WORK/s.json"
API=http://127.0.0.1:$API_PORT
APP_UID=$(awk '/^Uid:/ {print $2}' /proc/$DAEMON_PID/status)
APP_GID=$(awk '/^Gid:/ {print $2}' /proc/$DAEMON_PID/status)
[ "$APP_UID" != 0 ] || die "the appliance did not drop root"
echo "the appliance runs as uid $APP_UID gid $APP_GID"

cat > "$WORK/thief.py" <<'PY'
# thief.py PID [FD]: try to take PID's descriptor FD, trace it, signal it.
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
SYS_pidfd_open, SYS_pidfd_getfd, SYS_ptrace = 434, 438, 101
PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SEIZE = 16, 17, 0x4206
pid, got = int(sys.argv[1]), []
want = int(sys.argv[2]) if len(sys.argv) > 2 else 0
pfd = libc.syscall(SYS_pidfd_open, pid, 0)
if pfd < 0:
    print("pidfd_open:", os.strerror(ctypes.get_errno()))
else:
    fd = libc.syscall(SYS_pidfd_getfd, pfd, want, 0)
    if fd >= 0:
        got.append("pidfd_getfd took fd %d (%s)" % (want, os.readlink("/proc/self/fd/%d" % fd)))
    else:
        print("pidfd_getfd:", os.strerror(ctypes.get_errno()))
for name, req in (("PTRACE_ATTACH", PTRACE_ATTACH), ("PTRACE_SEIZE", PTRACE_SEIZE)):
    if libc.syscall(SYS_ptrace, req, pid, 0, 0) == 0:
        got.append(name)
        if req == PTRACE_ATTACH:    # its SIGSTOP becomes the trace stop: let it go on
            os.waitpid(pid, 0x40000000)
        libc.syscall(SYS_ptrace, PTRACE_DETACH, pid, 0, 0)
    else:
        print(name + ":", os.strerror(ctypes.get_errno()))
try:
    os.kill(pid, 0); got.append("kill")
except PermissionError as e:
    print("kill:", e.strerror)
print("TOOK: " + ", ".join(got) if got else "nothing taken")
sys.exit(1 if got else 0)
PY
chmod 644 "$WORK/thief.py"

# The job waits for the lock while we hold it.
LOCK=$WORK/xtables.lock
[ -f "$LOCK" ] || die "no lock file at $LOCK"
$PY -c 'import fcntl, sys, time
f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' "$LOCK" &
HOLDER=$!
undo "kill $HOLDER"
sleep 0.2
curl -s -o "$WORK/post" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-d '{"rule": ["-A", "INPUT", "-s", "10.95.0.66", "-j", "DROP"]}' \
	"$API/tenants/t/iptables" > "$WORK/code" &
CURL=$!
JOB=
for i in $(seq 50); do
	JOB=$(pgrep -f "^/usr/sbin/iptables-legacy -w -A INPUT -s 10.95.0.66" | head -1)
	[ -n "$JOB" ] && break
	sleep 0.1
done
[ -n "$JOB" ] || die "no iptables job seen"
SFD=
for i in $(seq 50); do
	SFD=$(ls -l /proc/$JOB/fd 2>/dev/null | awk '/socket:/ {print $9; exit}')
	[ -n "$SFD" ] && break
	sleep 0.1
done
[ -n "$SFD" ] && pass "job $JOB holds its session on fd $SFD" || die "job $JOB holds no session"
LAUNCHER=$(awk '/^PPid:/ {print $2}' /proc/$JOB/status)

# The probe works: root takes the descriptor.
out=$($PY "$WORK/thief.py" $JOB $SFD) && fail "root took nothing: $out" ||
	pass "root can take it (the probe works): $(echo "$out" | grep TOOK)"

for who in "job $JOB $SFD" "launcher $LAUNCHER 3"; do
	set -- $who
	out=$(setpriv --reuid=$APP_UID --regid=$APP_GID --clear-groups $PY "$WORK/thief.py" $2 $3 2>&1) &&
		pass "the appliance's user against the $1 $2: ${out//$'\n'/; }" ||
		fail "the appliance's user against the $1 $2: ${out//$'\n'/; }"
done

# How the job and the launcher run.
TOOL_UID=$(id -u nuse-tool 2>/dev/null)
field() { awk -v k="$2:" '$1 == k {print $2}' /proc/$1/status; }
[ -n "$TOOL_UID" ] && [ "$(field $JOB Uid)" = "$TOOL_UID" ] && [ "$(field $JOB CapEff)" = 0000000000000000 ] &&
	[ "$(field $JOB CapPrm)" = 0000000000000000 ] && [ "$(field $JOB CapBnd)" = 0000000000000000 ] &&
	[ "$(field $JOB NoNewPrivs)" = 1 ] && [ "$(field $JOB Seccomp)" = 2 ] &&
	pass "the job: uid nuse-tool, no capabilities, no_new_privs, seccomp" ||
	fail "the job: $(grep -E '^(Uid|CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' /proc/$JOB/status | tr -s '\t\n' '  ')"
[ "$(field $LAUNCHER Uid)" = "$TOOL_UID" ] && [ "$(field $LAUNCHER CapPrm)" = 0000000000000000 ] &&
	[ "$(stat -c %u /proc/$LAUNCHER/status)" = 0 ] &&
	pass "the launcher: uid nuse-tool, no capabilities, not dumpable" ||
	fail "the launcher $LAUNCHER: $(grep -E '^(Uid|CapPrm):' /proc/$LAUNCHER/status | tr -s '\t\n' '  '), /proc owner $(stat -c %u /proc/$LAUNCHER/status)"

# Let it go: the rule lands.
kill $HOLDER
t0=$(date +%s)
wait $CURL
echo "the job finished $(( $(date +%s) - t0 )) s after the lock was let go"
[ "$(cat "$WORK/code")" = 201 ] && pass "the rule, once the lock is free: 201" ||
	fail "the rule: $(cat "$WORK/code") $(cat "$WORK/post")"
"$DAEMON" exec --socket "$WORK/rpc.sock" t -- iptables-legacy -S INPUT | grep -q 10.95.0.66 &&
	pass "and is in force" || fail "the rule is not in t"
stop_daemon
exit $FAILED
