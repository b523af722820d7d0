#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make install` into a staging root puts in place exactly the program, the
# preload library, the man pages, the documentation, the systemd unit and
# the default config; the unit starts the installed program with the
# installed config, which that program accepts; a reinstall keeps a config
# the administrator changed; `make uninstall` takes away everything else.
. "$(dirname "$0")/../e2e/lib.sh"

ROOT=$WORK/root
# Not the jobserver nor the variables of the `make check` that runs us.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} -s -C "$TOP_BUILD" DESTDIR="$ROOT" "$@"; }
# installed: "basename" of every file under ROOT, sorted
installed() { find "$ROOT" \( -type f -o -type l \) -printf '%f\n' | LC_ALL=C sort | tr '\n' ' '; }

mk install >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; die "make install"; }
want="README.md api.md appliance.json development.md isolation.md kernel-features.md libnuse-preload.so nuse-appliance nuse-appliance.8 nuse-appliance.json.5 nuse-appliance.service privileges.md tools.md "
got=$(installed)
[ "$got" = "$want" ] && pass "installed: $got" || fail "installed: got [$got], want [$want]"

unit=$(find "$ROOT" -name nuse-appliance.service)
[ -n "$unit" ] || die "no unit installed"
grep -qx 'Type=notify' "$unit" && pass "unit: Type=notify" || fail "unit: not Type=notify"
grep -qx 'Restart=on-failure' "$unit" && pass "unit: Restart=on-failure" || fail "unit: no Restart=on-failure"
exec_line=$(sed -n 's/^ExecStart=//p' "$unit")
read -r bin opt conf rest <<< "$exec_line"
[ "$opt" = --config ] && [ -z "$rest" ] || fail "unit: ExecStart is [$exec_line]"
[ -x "$ROOT$bin" ] && pass "unit runs the installed $bin" || fail "unit runs $bin, not installed"
[ -f "$ROOT$conf" ] && pass "unit reads the installed $conf" || fail "unit reads $conf, not installed"
"$ROOT$bin" --check --config "$ROOT$conf" >/dev/null && pass "the installed program accepts the installed config" ||
	fail "$bin --check --config $conf"
# `exec` looks for the library where the program was told it would be.
libdir=$(dirname "$(find "$ROOT" -name libnuse-preload.so)")
libdir=${libdir#"$ROOT"}
grep -aqF "$libdir" "$ROOT$bin" && pass "the program looks for its preload library in $libdir" ||
	fail "the program does not know $libdir, where the preload library is"

echo '{}' > "$ROOT$conf"
mk install >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; die "make install again"; }
[ "$(cat "$ROOT$conf")" = '{}' ] && pass "a reinstall keeps the changed config" ||
	fail "a reinstall overwrote the changed config"

mk uninstall >"$WORK/uninstall.log" 2>&1 || { cat "$WORK/uninstall.log"; die "make uninstall"; }
got=$(installed)
[ "$got" = "appliance.json " ] && pass "uninstall: only the changed config stays" ||
	fail "uninstall left [$got]"
rm -f "$ROOT$conf"
mk install >/dev/null 2>&1 && mk uninstall >/dev/null 2>&1 || die "install, uninstall"
got=$(installed)
[ -z "$got" ] && pass "uninstall of an untouched install leaves no file" || fail "uninstall left [$got]"
exit $FAILED
