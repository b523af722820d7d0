#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Golden config tests: for each tests/conf/NAME.json, `nuse-appliance
# --check` must print exactly NAME.ok: its exit status, then the canonical
# form of a good config or the one error of a bad one (the file's path
# written as NAME.json).  `make update-golden` (UPDATE_GOLDEN=1) writes the
# .ok files anew from what the program prints: review the diff.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP_BUILD=${top_builddir:-$(cd "$HERE/../.." && pwd)}
DAEMON=$TOP_BUILD/src/nuse-appliance
n=0 bad=0

for f in "$HERE"/*.json; do
	name=$(basename "$f" .json)
	out=$("$DAEMON" --check --config "$f" 2>&1)
	got=$(printf 'exit %d\n%s\n' $? "$out" | sed "s|$f|$name.json|g")
	n=$((n + 1))
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		printf '%s\n' "$got" > "$HERE/$name.ok"
		continue
	fi
	if [ ! -f "$HERE/$name.ok" ]; then
		echo "FAIL: $name: no $name.ok (make update-golden)"
		bad=$((bad + 1))
	elif ! diff -u "$HERE/$name.ok" - <<< "$got"; then
		echo "FAIL: $name"
		bad=$((bad + 1))
	elif [ "${name#ok-}" != "$name" ]; then
		# A canonical form is a config too, and prints as itself.
		tmp=$(mktemp /tmp/nuse-golden.XXXXXX.json)
		printf '%s\n' "$out" > "$tmp"
		again=$("$DAEMON" --check --config "$tmp" 2>&1)
		rm -f "$tmp"
		if [ "$again" = "$out" ]; then
			echo "ok: $name (and its canonical form reads back the same)"
		else
			echo "FAIL: $name: its canonical form does not read back the same"
			bad=$((bad + 1))
		fi
	else
		echo "ok: $name"
	fi
done
# Each kind must be there: good configs and errors.
ls "$HERE"/ok-*.json >/dev/null 2>&1 && ls "$HERE"/err-*.json >/dev/null 2>&1 ||
	{ echo "FAIL: no ok-* or err-* cases"; bad=$((bad + 1)); }
echo "$n golden pairs, $bad differ"
[ $bad = 0 ]
