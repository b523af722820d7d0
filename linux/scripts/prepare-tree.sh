#!/bin/sh
# prepare-tree.sh SRC TREE TOP PATCH...: a fresh kernel tree for ARCH=lib.
# SRC is a Linux 6.1 tarball or directory, TREE the tree to (re)create,
# TOP the linux/ directory of this project.
set -eu
src=$1
tree=$2
top=$3
shift 3

rm -rf "$tree"
mkdir -p "$tree"
if [ -d "$src" ]; then
	cp -a "$src/." "$tree/"
	# A read-only source tree gives read-only copies: kbuild writes here.
	chmod -R u+w "$tree"
else
	tar -xf "$src" -C "$tree" --strip-components=1
fi
grep -q '^VERSION = 6$' "$tree/Makefile" && grep -q '^PATCHLEVEL = 1$' "$tree/Makefile" || {
	echo "prepare-tree: $src is not a Linux 6.1 source" >&2
	exit 1
}
sh "$top/scripts/sync-arch.sh" "$top" "$tree"
for p in "$@"; do
	echo "  PATCH   $(basename "$p")"
	patch -d "$tree" -p1 --forward --batch < "$p"
done
touch "$tree/.prepared"
