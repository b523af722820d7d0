#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark runner behind `make bench`.
#
#   run.sh [FILTER]
#
# Runs every executable bench-* built under $top_builddir/bench, then every
# *.sh under $top_srcdir/bench and its direct subdirectories (this script
# and helpers named lib*.sh or _*.sh excepted), whose name contains FILTER if
# one is given, and prints their output under a header. Benchmarks print
# numbers; nothing here judges them. Exit status 77 means "skipped" (say why
# on the last line). A benchmark that fails to produce numbers (any other
# non-zero status) is reported, and makes this script exit non-zero once all
# have run.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
filter=${1:-}
export top_srcdir top_builddir

list_benches() {
	find "$top_builddir/bench" -type f -name 'bench-*' ! -name '*.*' \
		-perm -u+x | LC_ALL=C sort
	find "$top_srcdir/bench" -maxdepth 2 -type f -name '*.sh' \
		! -path "$top_srcdir/bench/run.sh" \
		! -name 'lib*.sh' ! -name '_*.sh' | LC_ALL=C sort
}

ran=0
broken=0
for path in $(list_benches); do
	name=${path#"$top_builddir/bench/"}
	name=${name#"$top_srcdir/bench/"}
	case $name in
	*"$filter"*) ;;
	*) continue ;;
	esac

	echo "== $name"
	if [ -x "$path" ]; then
		(cd "$top_builddir" && exec "$path") </dev/null
	else
		(cd "$top_builddir" && exec bash "$path") </dev/null
	fi
	rc=$?
	case $rc in
	0) ran=$((ran + 1)) ;;
	77) echo "(skipped)" ;;
	*)
		broken=$((broken + 1))
		echo "(no result: $name exited with status $rc)"
		;;
	esac
	echo
done

if [ "$broken" -gt 0 ]; then
	echo "$ran benchmarks ran, $broken produced no result"
	exit 1
fi
echo "$ran benchmarks ran"
