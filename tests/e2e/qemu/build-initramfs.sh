#!/bin/bash
# build-initramfs.sh --cache CACHE_DIR --out INITRD [--payload SCRIPT] [--elf SRC[:DEST]]... [--tree DIR]...
#
# Builds a gzip'd newc initramfs for the QEMU end-to-end guest:
#   /bin/busybox (static, from fetch.sh's cache) and /init (init.sh beside this script);
#   --payload SCRIPT   sourced by /init as /payload.sh with $NVME_ADDR (DDDD:BB:DD.F) and the
#                      helper `step NAME CMD...` (output between markers on the console);
#   --elf SRC[:DEST]   a dynamically linked program, copied to DEST (default: SRC's own path)
#                      with every library `ldd` lists and the dynamic loader, at their host paths;
#   --tree DIR         DIR's contents copied into the root as they are (trust anchors, configs).
# Needs nothing from the host but bash, ldd and gzip (busybox provides cpio).
set -euo pipefail

die() { echo "build-initramfs.sh: ERROR: $*" >&2; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)

CACHE="" OUT="" PAYLOAD=""
ELVES=() TREES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) CACHE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --payload) PAYLOAD=$2; shift 2 ;;
    --elf) ELVES+=("$2"); shift 2 ;;
    --tree) TREES+=("$2"); shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$CACHE" ] && [ -n "$OUT" ] || die "usage: build-initramfs.sh --cache CACHE_DIR --out INITRD [--payload SCRIPT] [--elf SRC[:DEST]]... [--tree DIR]..."
BUSYBOX="$CACHE/root/bin/busybox"
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: run fetch.sh $CACHE first"

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/cma-initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,var/run}
cp "$BUSYBOX" "$STAGE/bin/busybox"
install -m 0755 "$HERE/init.sh" "$STAGE/init"
if [ -n "$PAYLOAD" ]; then
  install -m 0755 "$PAYLOAD" "$STAGE/payload.sh"
fi
echo "root:x:0:0:root:/root:/bin/sh" >"$STAGE/etc/passwd"
echo "root:x:0:" >"$STAGE/etc/group"

# Copies a file to the same path under the stage, following symlinks (the guest gets real files).
copy_host_file() {
  local src=$1 dest=${2:-$1}
  mkdir -p "$STAGE$(dirname "$dest")"
  cp -L "$src" "$STAGE$dest"
}

add_elf() {
  local spec=$1 src dest lib
  src=${spec%%:*}
  dest=${spec#*:}
  [ "$dest" != "$spec" ] || dest=$src
  [ -f "$src" ] || die "--elf $src: no such file"
  copy_host_file "$src" "$dest"
  chmod 0755 "$STAGE$dest"
  # ldd prints "name => /path (addr)" for libraries and "/path (addr)" for the loader.
  while read -r lib; do
    [ -n "$lib" ] || continue
    copy_host_file "$lib"
  done < <(ldd "$src" 2>/dev/null | awk '/=> \// {print $3} /^\t\// {print $1}')
}

for e in "${ELVES[@]}"; do add_elf "$e"; done
for t in "${TREES[@]}"; do
  [ -d "$t" ] || die "--tree $t: not a directory"
  cp -a "$t/." "$STAGE/"
done

mkdir -p "$(dirname "$OUT")"
(cd "$STAGE" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "build-initramfs.sh: $OUT ($(du -h "$OUT" | cut -f1))"
