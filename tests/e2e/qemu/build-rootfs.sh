#!/bin/bash
# build-rootfs.sh CACHE_DIR
#
# A Debian bookworm system for the systemd end-to-end test (tests/CmaBroker.E2E.Tests, SystemdPackageTests),
# built with mmdebstrap from the Debian archive this machine uses and cached under
# CACHE_DIR/rootfs/<key>/, where <key> hashes the package list and this script:
#   root.img     ext4 image of / (sparse, 2 GiB): systemd as PID 1, dbus, udev, libssl3 (the package's
#                dependencies, so the guest needs no network to `apt install ./cma-broker_*.deb`)
#   vmlinuz      the bookworm kernel (6.1) and
#   initrd.img   its initramfs-tools initrd (virtio disk and ext4 modules), for QEMU's -kernel/-initrd.
# The image has a unit, cmabroker-e2e.service, that runs /payload/scenario.sh from a second disk
# (/dev/vdb, mounted read-only at /payload when present) with its output on the serial console; the
# scenario itself comes from the test, so the cached image does not change with it.
# Prints the folder. Needs root (mmdebstrap in root mode; mke2fs -d keeps owners and modes).
set -euo pipefail

die() { echo "build-rootfs.sh: ERROR: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: build-rootfs.sh CACHE_DIR"
CACHE=$(mkdir -p "$1" && cd "$1" && pwd)
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, mke2fs -d with root-owned files)"

# The package's Depends (libssl3, dbus, udev; libc6 and friends come with minbase) and what the guest needs.
PACKAGES=(systemd systemd-sysv dbus udev libssl3 kmod linux-image-amd64 initramfs-tools)
SELF_HASH=$(sha256sum "$0" | cut -c1-16)
KEY=$( (printf '%s\n' "${PACKAGES[@]}"; echo "$SELF_HASH") | sha256sum | cut -c1-16)
OUT="$CACHE/rootfs/$KEY"

need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v mke2fs >/dev/null || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then
  echo "build-rootfs.sh: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2; } ||
    die "cannot install ${need[*]}"
fi

mkdir -p "$CACHE/rootfs"
exec 9>"$CACHE/rootfs/.lock"
flock 9
if [ -f "$OUT/.complete" ]; then echo "$OUT"; exit 0; fi
# A build killed half-way (a test's timeout) leaves mmdebstrap's /proc, /sys and /dev mounts inside its tree; we
# hold the lock, so no build is running: unmount them, and never let rm cross into a mount.
awk -v prefix="$CACHE/rootfs/" 'index($2, prefix) == 1 {print $2}' /proc/mounts | sort -r | while read -r mount; do
  umount -l "$mount" || die "cannot unmount $mount left by an interrupted build"
done

# The archive the machine already uses (first deb822 or one-line source serving bookworm).
archive=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  archive=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)|: bookworm( |$)/ {if (u != "") {print u; exit}}' "$f")
  [ -z "$archive" ] || break
done
if [ -z "$archive" ]; then
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    archive=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == "bookworm") { print $i; exit } break } }' "$f")
    [ -z "$archive" ] || break
  done
fi
[ -n "$archive" ] || die "no Debian archive serving 'bookworm' found in /etc/apt/sources.list(.d)"

rm -rf --one-file-system "$OUT"
mkdir -p "$OUT"
TREE="$OUT/tree"
include=$(IFS=,; echo "${PACKAGES[*]}")
echo "build-rootfs.sh: mmdebstrap bookworm from $archive (+ $include)" >&2
# Hooks: fstab for the root and payload disks (udev may take tens of seconds to announce /dev/vdb
# under TCG on a loaded machine: a 10 s device timeout failed the payload mount); the scenario unit;
# no getty on the test's console; no apt timers (no network), no e2scrub (80 s of boot under TCG); a hostname.
mmdebstrap --mode=root --variant=minbase --include="$include" \
  --customize-hook='echo cmabroker-e2e >"$1/etc/hostname"' \
  --customize-hook='printf "/dev/vda / ext4 rw,errors=remount-ro 0 1\n/dev/vdb /payload ext4 ro,nofail,x-systemd.device-timeout=300s 0 0\n" >"$1/etc/fstab"; mkdir -p "$1/payload"' \
  --customize-hook='printf "[Unit]\nDescription=cma-broker end-to-end scenario (from /payload)\nConditionPathExists=/payload/scenario.sh\nRequiresMountsFor=/payload\n\n[Service]\nType=oneshot\nExecStart=/bin/sh /payload/scenario.sh\nStandardOutput=tty\nStandardError=tty\nTTYPath=/dev/ttyS0\nTTYReset=no\nTTYVHangup=no\n\n[Install]\nWantedBy=multi-user.target\n" >"$1/etc/systemd/system/cmabroker-e2e.service"' \
  --customize-hook='chroot "$1" systemctl enable cmabroker-e2e.service' \
  --customize-hook='chroot "$1" systemctl mask serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-timesyncd.service' \
  --customize-hook='cp "$1"/boot/vmlinuz-* "'"$OUT"'/vmlinuz"; cp "$1"/boot/initrd.img-* "'"$OUT"'/initrd.img"' \
  bookworm "$TREE" "$archive" >"$OUT/mmdebstrap.log" 2>&1 ||
  { tail -30 "$OUT/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $OUT/mmdebstrap.log)"; }
rm -rf "$TREE"/var/cache/apt/archives/*.deb "$TREE"/var/lib/apt/lists/*_Packages
mke2fs -q -t ext4 -L root -d "$TREE" "$OUT/root.img" 2G || die "mke2fs -d failed"
rm -rf "$TREE"
printf '%s\n' "${PACKAGES[@]}" >"$OUT/.complete"
# Keep only the newest two images.
touch "$OUT"
(cd "$CACHE/rootfs" && ls -1t | grep -v '^\.' | tail -n +3 | xargs -r rm -rf --one-file-system)
echo "$OUT"
