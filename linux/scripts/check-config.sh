#!/bin/sh
# check-config.sh FRAGMENT CONFIG: every CONFIG_X=V line of FRAGMENT is in
# CONFIG as it is.  olddefconfig drops, without a word, an option whose
# dependencies are not met: a torture kernel without its torture would
# still build and boot.
set -eu
bad=0
for line in $(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$1"); do
	if ! grep -qxF "$line" "$2"; then
		got=$(grep -E "^(# )?${line%%=*}[= ]" "$2" || echo "${line%%=*} unknown")
		echo "check-config: $line wanted, $2 has: $got" >&2
		bad=1
	fi
done
exit $bad
