#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Test runner behind `make check`.
#
#   run.sh [FILTER]
#
# Runs, one after another, every executable t-* built under
# $top_builddir/tests (compiled C tests) and every test-*.sh under
# $top_srcdir/tests, whose name contains FILTER (or one of its words: "unit/
# conf/") if one is given. A test's
# name is its path below tests/ (e.g. kernel/t-boot, e2e/test-api.sh); its
# output goes to $top_builddir/tests/logs/NAME.log. Exit status 0 is a pass,
# 77 a skip, anything else a failure. Each test is stopped after
# $NUSE_TEST_TIMEOUT seconds (default 300).  NUSE_TEST_CPUS=N (default 1)
# boots every test's kernel, and starts every daemon, with N CPUs; the
# tests of SMP itself (kernel/t-smp*) take at least 2.
#
# Tests run with the repository's build directory as their working directory
# and top_builddir, top_srcdir and NUSE_TEST_LOG in their environment.
# The last line printed is "N passed, N failed" (", N skipped" added when
# some were); the exit status is non-zero if a test failed or none ran.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
timeout_s=${NUSE_TEST_TIMEOUT:-300}
filter=${1:-}
logdir=$top_builddir/tests/logs
export top_srcdir top_builddir

case $timeout_s in
''|*[!0-9]*)
	echo "run.sh: NUSE_TEST_TIMEOUT must be a number of seconds" >&2
	exit 2
	;;
esac

mkdir -p "$logdir" || exit 2

# "name<TAB>path" for every test, compiled tests first, each group sorted.
list_tests() {
	find "$top_builddir/tests" -path "$logdir" -prune -o \
		-type f -name 't-*' ! -name '*.*' -perm -u+x -print |
		sed "s,^$top_builddir/tests/,," | LC_ALL=C sort |
		while read -r n; do
			printf '%s\t%s\n' "$n" "$top_builddir/tests/$n"
		done
	find "$top_srcdir/tests" -path "$logdir" -prune -o \
		-type f -name 'test-*.sh' -print |
		sed "s,^$top_srcdir/tests/,," | LC_ALL=C sort |
		while read -r n; do
			printf '%s\t%s\n' "$n" "$top_srcdir/tests/$n"
		done
}

# selected NAME: NAME contains a word of the filter, or there is none
selected() {
	[ -z "$filter" ] && return 0
	set -f
	for w in $filter; do
		case $1 in
		*"$w"*) set +f; return 0 ;;
		esac
	done
	set +f
	return 1
}

now_ms() {
	t=$(date +%s%N)
	echo $((t / 1000000))
}

# Tenths of a second as "1.2s".
fmt_secs() {
	printf '%d.%ds' $(($1 / 1000)) $(($1 % 1000 / 100))
}

child=
on_signal() {
	[ -n "$child" ] && kill -TERM "$child" 2>/dev/null
	echo "run.sh: interrupted" >&2
	exit 130
}
trap on_signal INT TERM HUP

passed=0
failed=0
skipped=0
summary=$logdir/summary
failures=$logdir/failed	# "NAME<tab>EXIT" of each test that failed
rm -f "$summary" "$failures"

tab=$(printf '\t')
tests=$(list_tests)
IFS_save=$IFS
IFS='
'
for entry in $tests; do
	IFS=$IFS_save
	name=${entry%%"$tab"*}
	path=${entry#*"$tab"}
	selected "$name" || continue

	log=$logdir/$name.log
	mkdir -p "$(dirname "$log")"
	if [ -x "$path" ]; then
		set -- "$path"
	else
		set -- bash "$path"
	fi

	start=$(now_ms)
	(cd "$top_builddir" && NUSE_TEST_LOG=$log exec timeout -k 10 "$timeout_s" "$@") \
		>"$log" 2>&1 </dev/null &
	child=$!
	wait "$child"
	rc=$?
	child=
	elapsed=$(fmt_secs $(($(now_ms) - start)))

	case $rc in
	0)
		passed=$((passed + 1))
		echo "PASS: $name ($elapsed)"
		;;
	77)
		skipped=$((skipped + 1))
		why=$(sed -e '/^[[:space:]]*$/d' "$log" | tail -n 1 | cut -c 1-120)
		echo "SKIP: $name${why:+: $why}"
		;;
	*)
		failed=$((failed + 1))
		printf '%s\t%s\n' "$name" "$rc" >>"$failures"
		if [ "$rc" -eq 124 ]; then
			echo "FAIL: $name (exit 124: timed out after ${timeout_s}s)"
		else
			echo "FAIL: $name (exit $rc)"
		fi
		echo "---- last 30 lines of $log"
		tail -n 30 "$log"
		echo "----"
		;;
	esac
done
IFS=$IFS_save

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line" >"$summary"
echo "$line"

[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
