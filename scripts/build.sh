#!/usr/bin/env bash
# Builds bootherd into build/ (and, with --asan, the sanitizer build into
# build-asan/), installing missing Debian build packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized >/dev/null
ninja -C build >/dev/null
if [ "${1:-}" = --asan ]; then
	[ -f build-asan/build.ninja ] ||
		meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
			--buildtype=debug >/dev/null
	ninja -C build-asan >/dev/null
fi
