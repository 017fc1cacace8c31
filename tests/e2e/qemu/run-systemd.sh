#!/bin/bash
# run-systemd.sh --cache CACHE_DIR --rootfs DIR --disk ROOT_IMG --payload PAYLOAD_IMG --phase NAME
#                --console FILE [--port PORT] [--timeout SECONDS]
#
# Boots the systemd end-to-end guest: QEMU 10 (fetch.sh's cache) with the kernel and initrd of
# build-rootfs.sh's folder DIR, ROOT_IMG as /dev/vda (read-write: one image lives through several
# boots, like a machine's disk) and PAYLOAD_IMG as /dev/vdb (the scenario and the .debs).
# `cmabroker.phase=NAME` on the kernel command line tells the scenario what to do in this boot.
#   --port PORT  adds the NVMe whose DOE mailbox forwards SPDM to 127.0.0.1:PORT (the responder must
#                already listen; see run.sh); without it the guest has no DOE device at all.
# The guest powers off at the end of its scenario; a wall-clock watchdog SIGKILLs QEMU after
# --timeout seconds (default 600). The serial console goes to FILE. Exit code: QEMU's, or 124.
set -euo pipefail

die() { echo "run-systemd.sh: ERROR: $*" >&2; exit 2; }

CACHE="" ROOTFS="" DISK="" PAYLOAD="" PHASE="" CONSOLE="" PORT="" TIMEOUT=600
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) CACHE=$2; shift 2 ;;
    --rootfs) ROOTFS=$2; shift 2 ;;
    --disk) DISK=$2; shift 2 ;;
    --payload) PAYLOAD=$2; shift 2 ;;
    --phase) PHASE=$2; shift 2 ;;
    --console) CONSOLE=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$CACHE" ] && [ -n "$ROOTFS" ] && [ -n "$DISK" ] && [ -n "$PAYLOAD" ] && [ -n "$PHASE" ] && [ -n "$CONSOLE" ] ||
  die "usage: run-systemd.sh --cache CACHE_DIR --rootfs DIR --disk ROOT_IMG --payload PAYLOAD_IMG --phase NAME --console FILE [--port PORT] [--timeout SECONDS]"

. "$(dirname "$0")/qemu-common.sh"
qemu_binary "$CACHE"
[ -f "$ROOTFS/vmlinuz" ] && [ -f "$ROOTFS/initrd.img" ] || die "$ROOTFS has no vmlinuz/initrd.img: run build-rootfs.sh $CACHE first"
[ -f "$DISK" ] || die "root disk $DISK missing"
[ -f "$PAYLOAD" ] || die "payload disk $PAYLOAD missing"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cma-qemu-systemd.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

NVME_ARGS=()
if [ -n "$PORT" ]; then
  wait_for_port "$PORT"
  nvme_doe_args "$WORK" "$PORT"
fi

# modprobe.blacklist=nvme: as in the initramfs test, no kernel driver touches the NVMe function.
# The scenario's `systemctl poweroff` (or a crash, panic=-1) ends QEMU (-no-reboot in qemu-common.sh).
run_qemu "$TIMEOUT" "$CONSOLE" \
  -machine q35 -m 1024 -smp 1 \
  -kernel "$ROOTFS/vmlinuz" -initrd "$ROOTFS/initrd.img" \
  -append "root=/dev/vda rw console=ttyS0 quiet loglevel=1 systemd.show_status=false modprobe.blacklist=nvme panic=-1 cmabroker.phase=$PHASE" \
  -drive "file=$DISK,if=virtio,format=raw" \
  -drive "file=$PAYLOAD,if=virtio,format=raw,readonly=on" \
  "${NVME_ARGS[@]}"
