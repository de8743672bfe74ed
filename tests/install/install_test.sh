#!/bin/sh
# install_test.sh BUILD_DIR EXAMPLE.c - `make install` then pkg-config.
#
# Installs the build into a temporary prefix with `cmake --install`,
# checks that the headers, libraries, man pages and inpcb.pc are there,
# then compiles EXAMPLE.c outside the tree with nothing but
# `pkg-config --cflags --libs inpcb` (PKG_CONFIG_PATH pointing into the
# prefix) and runs it against the installed shared library.
# Exit 0 on success, 77 (skip) without pkg-config or a C compiler.
set -eu
build=$1
example=$2
cc=${CC:-cc}
command -v pkg-config >/dev/null 2>&1 || { echo "skip: no pkg-config"; exit 77; }
command -v "$cc" >/dev/null 2>&1 || { echo "skip: no $cc"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/inpcb-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" ||
	{ cat "$tmp/install.log"; exit 1; }

# The pc file lives in the libdir the build chose (lib, lib64 or
# lib/<multiarch>): find it rather than guess.
pc=$(find "$prefix" -name inpcb.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || { echo "FAIL: no inpcb.pc installed"; exit 1; }
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
for f in "$prefix/include/inpcb/inpcb.h" "$prefix/bin/inpcb" \
         "$prefix/share/man/man1/inpcb.1" "$prefix/share/man/man3/inpcb.3"; do
	[ -e "$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
ls "$libdir"/libinpcb.so* "$libdir/libinpcb.a" >/dev/null

export PKG_CONFIG_PATH="$pcdir"
flags=$(pkg-config --cflags --libs inpcb)
echo "pkg-config --cflags --libs inpcb: $flags"
# shellcheck disable=SC2086 # the flags are words
"$cc" -Wall -Wextra -Werror -o "$tmp/udp_echo" \
	"$example" $flags
# The program must run on the installed library, not on the build's.
LD_LIBRARY_PATH="$libdir" "$tmp/udp_echo"
if command -v ldd >/dev/null 2>&1; then
	LD_LIBRARY_PATH="$libdir" ldd "$tmp/udp_echo" | grep -F "$libdir/libinpcb.so" ||
		{ echo "FAIL: not linked against $libdir/libinpcb.so"; exit 1; }
fi
echo "install test: ok"
