#!/bin/sh
# sync-arch.sh TOP TREE: lay this project's arch/lib and host API header
# over the prepared kernel tree.  Only files that differ are copied (with
# their times), so kbuild rebuilds exactly what changed; files removed here
# since the last sync are removed there.
set -eu
top=$1
tree=$2
manifest=$tree/.nuse-manifest
new=$manifest.new

( cd "$top" && find arch/lib -type f ! -name '.*' ! -name '*.o' && echo include/nuse.h ) | sort > "$new"
while read -r f; do
	case $f in
	include/*) dst=$tree/nuse-$f ;;
	*) dst=$tree/$f ;;
	esac
	if ! cmp -s "$top/$f" "$dst"; then
		mkdir -p "$(dirname "$dst")"
		# Writable whatever the source's mode: from a read-only srcdir
		# the next sync must still be able to replace it.
		rm -f "$dst"
		cp -p "$top/$f" "$dst"
		chmod u+w "$dst"
	fi
done < "$new"
if [ -f "$manifest" ]; then
	comm -23 "$manifest" "$new" | while read -r f; do
		case $f in
		include/*) rm -f "$tree/nuse-$f" ;;
		*) rm -f "$tree/$f" ;;
		esac
	done
fi
mv "$new" "$manifest"
