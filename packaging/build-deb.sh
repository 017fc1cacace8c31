#!/bin/bash
# build-deb.sh [OUT_DIR]
#
# Builds the Debian package cma-broker_VERSION_amd64.deb into OUT_DIR (default artifacts/deb) with
# `dpkg-buildpackage -us -uc -b` in a scratch copy of the source tree (dpkg-buildpackage writes
# its results beside the tree and leaves debian/ build files behind; the clone stays clean).
# Needs the .NET SDK, debhelper, clang and zlib1g-dev (tests/prepare-machine.sh installs them);
# VERSION comes from Directory.Build.props, which debian/changelog must match.
#
# CMABROKER_AOT_DIR=DIR reuses NativeAOT programs published with the same flags (DIR/CmaBroker.Daemon,
# DIR/CmaBroker.Cli, DIR/CmaBroker.Tool, e.g. from tests/e2e/qemu/publish-aot.sh) instead of
# publishing them again, which takes minutes.
set -euo pipefail

die() { echo "build-deb.sh: ERROR: $*" >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$REPO/artifacts/deb}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

for tool in dpkg-buildpackage dh dotnet clang; do
  command -v "$tool" >/dev/null || die "$tool not found (run tests/prepare-machine.sh as root)"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cma-broker-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SRC="$WORK/cma-broker"
mkdir -p "$SRC"
# The source tree without build output or git metadata.
tar -C "$REPO" --exclude=./.git --exclude=./artifacts --exclude='./*/bin' --exclude='./*/obj' \
    --exclude='*/bin/*' --exclude='*/obj/*' -cf - . | tar -C "$SRC" -xf -

(cd "$SRC" && dpkg-buildpackage -us -uc -b >"$WORK/build.log" 2>&1) ||
  { tail -40 "$WORK/build.log" >&2; cp "$WORK/build.log" "$OUT/build.log"; die "dpkg-buildpackage failed (log: $OUT/build.log)"; }
cp "$WORK/build.log" "$OUT/build.log"
shopt -s nullglob
debs=("$WORK"/cma-broker_*_amd64.deb)
[ ${#debs[@]} -eq 1 ] || die "expected one cma-broker_*_amd64.deb, found ${#debs[@]}"
cp "${debs[0]}" "$WORK"/*.buildinfo "$WORK"/*.changes "$OUT/"
echo "$OUT/$(basename "${debs[0]}")"
