#!/bin/sh
# systemd-scenario.sh: runs inside the systemd end-to-end guest (build-rootfs.sh's image), started by
# cmabroker-e2e.service from the payload disk (/payload) with its output on the serial console.
# The phase comes from the kernel command line (cmabroker.phase=NAME, set by run-systemd.sh); the
# payload holds cma-broker_OLD.deb and cma-broker_NEW.deb (names in /payload/debs.env) and the
# emulator's root CA. Each `step NAME CMD...` prints CMD's output between @@CMA-E2E-BEGIN NAME@@ and
# @@CMA-E2E-END NAME rc=RC@@ (as init.sh does); the host test (SystemdPackageTests) asserts on them.
#   install   (NVMe present) list the files, add the test user, install the OLD package, trust the CA, edit the config
#   run       (NVMe present, a reboot later) udev-started service, watchdog, cmactl as a user, restart, upgrade
#   nodevice  (no NVMe) the service stays inactive; purge; list the files again
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive
if [ "${1:-}" != "--detached" ]; then
  # cmabroker-e2e.service is a oneshot unit of the boot transaction: the boot cannot finish while it
  # runs, so the scenario goes on in a transient unit (which may wait for the boot) and this one ends.
  systemd-run --no-block --unit=cmabroker-e2e-scenario /bin/sh /payload/scenario.sh --detached
  exit 0
fi
exec >/dev/ttyS0 2>&1
USER_NAME=cmae2e
. /payload/debs.env

step() {
  name=$1; shift
  echo "@@CMA-E2E-BEGIN $name@@"
  "$@" 2>"/tmp/$name.stderr"
  rc=$?
  echo "@@CMA-E2E-END $name rc=$rc@@"
  if [ -s "/tmp/$name.stderr" ]; then
    echo "@@CMA-E2E-BEGIN $name.stderr@@"; cat "/tmp/$name.stderr"; echo "@@CMA-E2E-END $name.stderr rc=0@@"
  fi
}

# Everything on the root file system but what the kernel, the journal, apt/dpkg and systemd's own
# bookkeeping change on every boot or install.
list_files() {
  find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /payload \
    -o -path /var/log -o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/tmp \
    -o -path /var/lib/systemd/timers -o -path /var/lib/systemd/random-seed -o -path /lost+found \) -prune -o -print | sort
}

nvme_address() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/class")" = "0x010802" ] && { basename "$d"; return; }
  done
  echo none
}

wait_active() {
  for _ in $(seq 240); do
    [ "$(systemctl is-active cma-broker.service)" = active ] && return 0
    sleep 1
  done
  systemctl status --no-pager cma-broker.service
  return 1
}

# cmactl as the unprivileged user until the device is authenticated (the service authenticates it after READY=1).
wait_authenticated() {
  for _ in $(seq 240); do
    out=$(runuser -u "$USER_NAME" -- cmactl list 2>&1)
    case "$out" in *"$NVME"*authenticated*) echo "$out"; return 0 ;; esac
    sleep 1
  done
  echo "$out"
  return 1
}

service_state() {
  systemctl show cma-broker.service -p ActiveState -p SubState -p NRestarts -p WatchdogUSec \
    -p WatchdogTimestampMonotonic -p ActiveEnterTimestampMonotonic -p InvocationID -p MainPID
}

monotonic_usec() { awk '{ printf "%d\n", $1 * 1000000 }' /proc/uptime; }

# Sleeps until the service has been active for twice WatchdogSec, then shows its state.
watchdog_period() {
  usec=$(systemctl show cma-broker.service -p WatchdogUSec --value)
  case "$usec" in *s) usec=$(systemd-analyze timespan "$usec" | awk '/μs:|us:/ {print $2}') ;; esac
  entered=$(systemctl show cma-broker.service -p ActiveEnterTimestampMonotonic --value)
  target=$((entered + 2 * usec))
  while [ "$(monotonic_usec)" -lt "$target" ]; do sleep 2; done
  service_state
  echo "WatchdogUSecNumeric=$usec"
  echo "NowMonotonic=$(monotonic_usec)"
}

started_count_since() { journalctl -u cma-broker.service --since "@$1" -o cat --no-pager | grep -c '^Started cma-broker.service'; }

upgrade() {
  before=$(systemctl show cma-broker.service -p InvocationID --value)
  t0=$(date +%s)
  sleep 1
  apt install -y "/payload/$NEW_DEB" || return 1
  wait_active || return 1
  after=$(systemctl show cma-broker.service -p InvocationID --value)
  echo "InvocationBefore=$before"
  echo "InvocationAfter=$after"
  echo "StartsDuringUpgrade=$(started_count_since "$t0")"
  echo "Version=$(dpkg-query -W -f '${Version}' cma-broker)"
  service_state
}

config_state() {
  grep -c 'edited by the e2e test' /etc/cma-broker/cma-broker.json
  ls /etc/cma-broker/
}

phase=$(sed -n 's/.*cmabroker\.phase=\([a-z]*\).*/\1/p' /proc/cmdline)
NVME=$(nvme_address)
echo "@@CMA-E2E-NVME $NVME@@"
step system-running systemctl is-system-running --wait

case "$phase" in
  install)
    step add-user useradd --create-home "$USER_NAME"
    list_files >/root/files-before.txt
    step install-old apt install -y "/payload/$OLD_DEB"
    step group getent group cmabroker
    step trust cp /payload/trust.pem /etc/cma-broker/trust.d/emulator-good-root-ca.pem
    step edit-config sh -c 'sed -i "s|\"settleTimeMs\": 500,|\"settleTimeMs\": 400, // edited by the e2e test|" /etc/cma-broker/cma-broker.json && grep settleTimeMs /etc/cma-broker/cma-broker.json'
    step check-config /usr/libexec/cma-broker/cma-brokerd --check-config
    step enabled systemctl is-enabled cma-broker.service
    step active-after-install systemctl is-active cma-broker.service
    ;;
  run)
    # Before any bus call: the udev rule made the NVMe's .device unit want the service.
    step reverse-deps systemctl list-dependencies --reverse --plain --no-pager cma-broker.service
    step active wait_active
    step authenticated wait_authenticated
    step watchdog watchdog_period
    step list-as-user runuser -u "$USER_NAME" -- cmactl list
    step restart sh -c 'systemctl restart cma-broker.service && systemctl is-active cma-broker.service'
    step authenticated-again wait_authenticated
    step history runuser -u "$USER_NAME" -- cmactl history "$NVME"
    step upgrade upgrade
    step history-after-upgrade runuser -u "$USER_NAME" -- cmactl history "$NVME"
    step config-after-upgrade config_state
    step version-after-upgrade sh -c 'busctl get-property org.cmabroker.Broker1 /org/cmabroker/Broker1 org.cmabroker.Broker1.Manager Version; cmactl --version'
    ;;
  nodevice)
    step inactive sh -c 'systemctl is-active cma-broker.service; systemctl show cma-broker.service -p ActiveState -p NRestarts'
    step purge apt purge -y cma-broker
    step group-after-purge getent group cmabroker
    list_files >/root/files-after.txt
    step new-files-after-purge sh -c 'comm -13 /root/files-before.txt /root/files-after.txt | grep -v "^/root/files-\(before\|after\).txt$"; true'
    step removed-files-after-purge sh -c 'comm -23 /root/files-before.txt /root/files-after.txt; true'
    ;;
  *)
    echo "unknown phase '$phase'"
    ;;
esac
echo "@@CMA-E2E-DONE@@"
sync
systemctl poweroff
