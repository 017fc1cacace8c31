#!/bin/bash
# make-older-deb.sh DEB OUT_DIR
#
# The "lower-version build" of the upgrade test: DEB repacked with Version VERSION~e2e.older, which
# dpkg orders below VERSION. The programs inside are the same: a second NativeAOT build would cost
# minutes of the CI budget and the upgrade path under test (maintainer scripts, conffile, state
# directory, one restart) is the package's, not the programs'. Prints the new file's path.
set -euo pipefail
die() { echo "make-older-deb.sh: ERROR: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: make-older-deb.sh DEB OUT_DIR"
DEB=$1
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cma-older-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
dpkg-deb -R "$DEB" "$WORK/pkg"
version=$(sed -n 's/^Version: //p' "$WORK/pkg/DEBIAN/control")
[ -n "$version" ] || die "$DEB has no Version"
older="$version~e2e.older"
sed -i "s/^Version: .*/Version: $older/" "$WORK/pkg/DEBIAN/control"
dpkg --compare-versions "$older" lt "$version" || die "$older is not lower than $version"
dpkg-deb --root-owner-group -b "$WORK/pkg" "$OUT/cma-broker_${older}_amd64.deb" >/dev/null
echo "$OUT/cma-broker_${older}_amd64.deb"
