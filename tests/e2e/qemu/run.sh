#!/bin/bash
# run.sh --cache CACHE_DIR --initrd INITRD --port PORT --console FILE [--timeout SECONDS] [--responder-cmd CMD] [--cxl]
#
# Boots the end-to-end guest: QEMU 10 (from fetch.sh's cache) with an NVMe whose DOE mailbox
# forwards SPDM (DOE types 1 and 2) to 127.0.0.1:PORT over the spdm-socket protocol.
#   --responder-cmd CMD  started in the background first (and ended afterwards); without it the
#                        caller has already started the responder (e.g. in-process in the test).
#   --cxl                also a CXL type-3 memory device whose DOE mailbox QEMU serves CDAT on:
#                        -machine q35,cxl=on, a pxb-cxl host bridge (bus 12), a cxl-rp root port, a
#                        cxl-type3 with a 256 MiB volatile RAM backend (guest address 0000:0d:00.0) and
#                        CXL fixed memory window 0 (4 GiB) targeting the bridge.
# The port is awaited with `ss -ltn`; a wall-clock watchdog SIGKILLs QEMU after --timeout seconds
# (qemu-common.sh, shared with run-systemd.sh).
# The serial console goes to FILE. Exit code: QEMU's, or 124 with a message when the watchdog fired.
set -euo pipefail

die() { echo "run.sh: ERROR: $*" >&2; exit 2; }

CACHE="" INITRD="" PORT="" CONSOLE="" TIMEOUT=120 RESPONDER_CMD="" CXL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cache) CACHE=$2; shift 2 ;;
    --initrd) INITRD=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --console) CONSOLE=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --responder-cmd) RESPONDER_CMD=$2; shift 2 ;;
    --cxl) CXL=1; shift ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -n "$CACHE" ] && [ -n "$INITRD" ] && [ -n "$PORT" ] && [ -n "$CONSOLE" ] ||
  die "usage: run.sh --cache CACHE_DIR --initrd INITRD --port PORT --console FILE [--timeout SECONDS] [--responder-cmd CMD] [--cxl]"

. "$(dirname "$0")/qemu-common.sh"
qemu_binary "$CACHE"
KERNEL=$(compgen -G "$QEMU_ROOT/boot/vmlinuz-6.12.*" | sort -V | tail -1 || true)
[ -n "$KERNEL" ] || die "no 6.12 kernel under $QEMU_ROOT/boot: run fetch.sh $CACHE first"
[ -f "$INITRD" ] || die "initramfs $INITRD missing"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cma-qemu-run.XXXXXX")
RESPONDER_PID=""
cleanup() {
  if [ -n "$RESPONDER_PID" ]; then kill "$RESPONDER_PID" 2>/dev/null || true; wait "$RESPONDER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "$RESPONDER_CMD" ]; then
  bash -c "$RESPONDER_CMD" >"$WORK/responder.log" 2>&1 &
  RESPONDER_PID=$!
fi

wait_for_port "$PORT" "$RESPONDER_PID" || { cat "$WORK/responder.log" >&2 || true; die "responder exited before listening on port $PORT"; }
nvme_doe_args "$WORK" "$PORT"

# The CXL topology (issue 15): host bridge cxl.1 on pcie.0 with bus 12, root port on it (secondary bus 13),
# the type-3 device below; the fixed memory window lets the kernel's cxl_acpi build the CXL root.
MACHINE=q35
CXL_ARGS=()
if [ "$CXL" = 1 ]; then
  MACHINE=q35,cxl=on
  CXL_ARGS=(
    -object memory-backend-ram,id=cxl-vmem0,share=on,size=256M
    -device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1
    -device cxl-rp,port=0,bus=cxl.1,id=cxl-rp0,chassis=0,slot=2
    -device cxl-type3,bus=cxl-rp0,volatile-memdev=cxl-vmem0,id=cxl-vmem0-dev,sn=0x15
    -M cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G
  )
fi

run_qemu "$TIMEOUT" "$CONSOLE" \
  -machine "$MACHINE" -m 512 \
  -kernel "$KERNEL" -initrd "$INITRD" \
  -append "console=ttyS0 quiet loglevel=1 panic=-1" \
  "${NVME_ARGS[@]}" "${CXL_ARGS[@]}"
