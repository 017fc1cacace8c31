#!/bin/bash
# qemu-common.sh: what run.sh (initramfs guest) and run-systemd.sh (Debian guest under systemd) share, sourced
# by both so the QEMU binary, the responder wait, the NVMe DOE device and the watchdog are set up once.
#   qemu_binary CACHE                     sets QEMU and QEMU_ROOT (fetch.sh's QEMU 10) or dies
#   wait_for_port PORT [PID]              waits (at most 30 s) until something listens on 127.0.0.1:PORT;
#                                         with PID, fails early when that responder process exits
#   nvme_doe_args WORKDIR PORT            sets NVME_ARGS: an NVMe whose DOE mailbox forwards SPDM (DOE types
#                                         1 and 2) to 127.0.0.1:PORT over the spdm-socket protocol
#   run_qemu TIMEOUT CONSOLE ARGS...      QEMU with the common options and ARGS, serial console to CONSOLE,
#                                         SIGKILLed after TIMEOUT seconds; returns QEMU's exit code or 124
# The caller defines die().

qemu_binary() {
  QEMU_ROOT="$1/root"
  QEMU="$QEMU_ROOT/usr/bin/qemu-system-x86_64"
  [ -x "$QEMU" ] || die "$QEMU missing: run fetch.sh $1 first"
}

# QEMU exits at start when nobody listens on the port, so it is awaited with `ss -ltn` (a probe connection
# would be taken as QEMU's own).
wait_for_port() {
  local port=$1 pid=${2:-}
  listening() { ss -Hltn "sport = :$port" | grep -q .; }
  for _ in $(seq 300); do
    listening && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      return 3
    fi
    sleep 0.1
  done
  listening || die "nothing listens on port $port (start the SPDM responder first)"
}

# The NVMe needs a backing drive; its contents are never read (no NVMe driver binds in the guest).
nvme_doe_args() {
  truncate -s 1M "$1/nvme.img"
  NVME_ARGS=(-drive "file=$1/nvme.img,if=none,id=n0,format=raw" -device "nvme,drive=n0,serial=cmabroker-e2e,spdm_port=$2")
}

# -audio none: otherwise QEMU 10 can pick up an older QEMU's modules installed system-wide and abort.
# -no-reboot with panic=-1 on the kernel command line: a guest that dies (or powers off) ends QEMU at once.
# The watchdog uses SIGKILL: a responder that accepts but never answers blocks QEMU, which then ignores SIGTERM.
run_qemu() {
  local timeout=$1 console=$2 rc=0
  shift 2
  timeout -s KILL "$timeout" "$QEMU" \
    -L "$QEMU_ROOT/usr/share/seabios" -L "$QEMU_ROOT/usr/share/qemu" \
    -accel tcg -nographic -audio none -nic none -no-reboot \
    "$@" </dev/null >"$console" 2>&1 || rc=$?
  if [ $rc -eq 137 ]; then
    echo "$(basename "$0"): watchdog: QEMU did not finish within ${timeout}s and was killed (SIGKILL)" >&2
    return 124
  fi
  return $rc
}
