#!/bin/busybox sh
# /init of the end-to-end guest (copied by build-initramfs.sh).
# Mounts proc/sys/dev, finds QEMU's NVMe (class 0x010802, 1b36:0010) in the real sysfs, checks its
# DOE capability, finds the CXL type-3 device when there is one ($CXL_ADDR, class 0x050210), sources
# /payload.sh, prints every step's output between markers on the serial console and powers off. /init loads no modules: the NVMe driver must stay unbound so the
# project's tools are the only users of the DOE mailbox (a payload may insmod the CXL drivers).
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/dbus /var/lib /var/log

# step NAME CMD...: runs CMD, prints its stdout between
#   @@CMA-E2E-BEGIN NAME@@ / @@CMA-E2E-END NAME rc=RC@@
# and its stderr (when any) in a block named NAME.stderr.
step() {
  _name=$1
  shift
  "$@" >/tmp/step.out 2>/tmp/step.err
  _rc=$?
  echo "@@CMA-E2E-BEGIN $_name@@"
  cat /tmp/step.out
  echo ""
  echo "@@CMA-E2E-END $_name rc=$_rc@@"
  if [ -s /tmp/step.err ]; then
    echo "@@CMA-E2E-BEGIN $_name.stderr@@"
    cat /tmp/step.err
    echo ""
    echo "@@CMA-E2E-END $_name.stderr rc=0@@"
  fi
  return $_rc
}

find_nvme() {
  for dev in /sys/bus/pci/devices/*; do
    if [ "$(cat "$dev/class")" = "0x010802" ] ||
       { [ "$(cat "$dev/vendor")" = "0x1b36" ] && [ "$(cat "$dev/device")" = "0x0010" ]; }; then
      basename "$dev"
      return 0
    fi
  done
  return 1
}

# The CXL type-3 memory device run.sh --cxl adds (class 0x050210: CXL memory device, type 3), if any.
find_cxl() {
  for dev in /sys/bus/pci/devices/*; do
    if [ "$(cat "$dev/class")" = "0x050210" ]; then
      basename "$dev"
      return 0
    fi
  done
  return 1
}

echo "@@CMA-E2E-GUEST kernel=$(uname -r)@@"
CXL_ADDR=$(find_cxl)
export CXL_ADDR
echo "@@CMA-E2E-CXL ${CXL_ADDR:-none}@@"
NVME_ADDR=$(find_nvme)
export NVME_ADDR
echo "@@CMA-E2E-NVME ${NVME_ADDR:-none}@@"
if [ -n "$NVME_ADDR" ]; then
  NVME_SYSFS=/sys/bus/pci/devices/$NVME_ADDR
  export NVME_SYSFS
  # The extended capability header at 0x100 (expected 0x0001002E: DOE, version 1, last).
  step doe-cap hexdump -s 256 -n 4 -e '1/4 "%08x" "\n"' "$NVME_SYSFS/config"
  step nvme-driver sh -c "if [ -e $NVME_SYSFS/driver ]; then basename \$(readlink $NVME_SYSFS/driver); else echo none; fi"
  if [ -f /payload.sh ]; then
    . /payload.sh
  fi
fi
echo "@@CMA-E2E-DONE@@"
sync
poweroff -f
