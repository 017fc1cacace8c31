#!/usr/bin/env bash
# The main job: cma-brokerd serving seven emulated DOE devices on a private system-type D-Bus that uses the
# project's real bus policy, and cmactl showing what the broker found: authenticated, untrusted (a chain
# rooted at a rogue CA), mismatching measurements, a slow device, one without CMA/SPDM, and a CXL memory
# device whose CDAT table the broker reads over its second DOE mailbox.
#
# Everything it starts (dbus-daemon, cma-brokerd) is stopped and its temp dir removed on exit, also on failure.
# Environment (all optional):
#   CMABROKER_DEMO_ARTIFACTS  build output folder (default: artifacts/demo)
#   CMABROKER_DEMO_BIN        folder holding already built cma-brokerd.dll and cmactl.dll: skip the build
#   CMABROKER_DEMO_TIMEOUT    seconds to wait for the broker to own its name and finish authenticating (60)
set -euo pipefail
cd "$(dirname "$0")"
REPO="$PWD"
DEMO="$REPO/packaging/demo"
TIMEOUT="${CMABROKER_DEMO_TIMEOUT:-60}"
BUS_NAME=org.cmabroker.Broker1
# emulated:mismatch#0 gets this address on every run (EmulatedProfiles.AddressFor: bus = profile index × 32).
MISMATCH_ADDRESS=ca00:60:00.0
# emulated:cxl-mem#0 likewise (profile index 6): a CXL type-3 device, CMA/SPDM on mailbox 0x160 and CDAT on 0x180.
CXL_MEM_ADDRESS=ca00:c0:00.0

say() { echo "run-demo: $*" >&2; }

# --- what the demo needs on the machine ------------------------------------------------------------------
ensure_tools() {
    local missing=()
    command -v dbus-daemon >/dev/null 2>&1 || missing+=(dbus-daemon)
    command -v busctl >/dev/null 2>&1 || missing+=(systemd) # busctl ships in Debian's systemd package
    if [ "${#missing[@]}" -gt 0 ]; then
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            say "installing ${missing[*]} (apt-get)"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        else
            say "missing commands: install the Debian package(s) ${missing[*]} (sudo apt-get install ${missing[*]}), or run as root to let the demo install them"
            exit 1
        fi
    fi
    if ! command -v dotnet >/dev/null 2>&1; then
        say "the .NET 10 SDK is needed (dotnet not found on PATH): https://learn.microsoft.com/dotnet/core/install/linux-debian"
        exit 1
    fi
}

# --- build -------------------------------------------------------------------------------------------------
build() {
    if [ -n "${CMABROKER_DEMO_BIN:-}" ]; then
        DAEMON_DLL="$CMABROKER_DEMO_BIN/cma-brokerd.dll"
        CMACTL_DLL="$CMABROKER_DEMO_BIN/cmactl.dll"
        echo "== using the binaries in $CMABROKER_DEMO_BIN"
        return
    fi
    local artifacts="${CMABROKER_DEMO_ARTIFACTS:-$REPO/artifacts/demo}"
    echo "== building cma-brokerd and cmactl (Release, output in $artifacts)"
    # A fresh clone has no artifacts/ yet: create the output folder before the log goes next to it.
    mkdir -p "$artifacts" || { say "cannot create the build folder $artifacts"; exit 1; }
    local project log="$artifacts/build.log"
    for project in src/CmaBroker.Daemon src/CmaBroker.Cli; do
        if ! dotnet build "$project" -c Release --artifacts-path "$artifacts" -v quiet -nologo >"$log" 2>&1; then
            cat "$log" >&2
            say "building $project failed (log: $log)"
            exit 1
        fi
    done
    rm -f "$log"
    DAEMON_DLL="$artifacts/bin/CmaBroker.Daemon/release/cma-brokerd.dll"
    CMACTL_DLL="$artifacts/bin/CmaBroker.Cli/release/cmactl.dll"
}

# --- processes we start, and their cleanup -----------------------------------------------------------------
WORK=""
BUS_PID=""
DAEMON_PID=""

stop_pid() { # PID SECONDS: SIGTERM, wait, then SIGKILL
    local pid="$1" waited=0
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $(($2 * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$rc" -ne 0 ] && [ -n "$WORK" ] && [ -s "$WORK/cma-brokerd.log" ]; then
        say "failed (exit $rc); the broker's log:"
        tail -n 40 "$WORK/cma-brokerd.log" >&2
    fi
    stop_pid "$DAEMON_PID" 15
    stop_pid "$BUS_PID" 5
    [ -n "$WORK" ] && rm -rf "$WORK"
    [ "$rc" -eq 0 ] && echo "== stopped cma-brokerd and dbus-daemon, removed the temp dir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A system-type bus like Debian's (method calls denied unless a policy allows them) plus the project's policy.
write_bus_config() {
    local extra=""
    if [ "$(id -u)" -ne 0 ]; then
        # The project's policy lets only root own the name; a demo run by a user lets that user own it too.
        extra="<policy user=\"$(id -un)\"><allow own=\"$BUS_NAME\"/><allow send_destination=\"$BUS_NAME\"/></policy>"
        say "not root: the private bus also lets $(id -un) own $BUS_NAME (demo only)"
    fi
    cat >"$WORK/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$WORK/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
  </policy>
  <include>$REPO/dbus-policy/org.cmabroker.Broker1.conf</include>
  $extra
</busconfig>
EOF
}

bus() { busctl --address="$ADDRESS" "$@"; }

wait_for_name() {
    local deadline=$((SECONDS + TIMEOUT))
    until [ "$(bus call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s "$BUS_NAME" 2>/dev/null)" = "b true" ]; do
        kill -0 "$DAEMON_PID" 2>/dev/null || { say "cma-brokerd exited before owning $BUS_NAME"; exit 1; }
        [ "$SECONDS" -lt "$deadline" ] || { say "cma-brokerd did not own $BUS_NAME within ${TIMEOUT}s"; exit 1; }
        sleep 0.2
    done
}

# Authentication runs after readiness (ARCHITECTURE.md "systemd"): wait until no device is unknown or authenticating.
wait_for_authentication() {
    local deadline=$((SECONDS + TIMEOUT)) devices path state pending
    devices=$(bus call "$BUS_NAME" /org/cmabroker/Broker1 org.cmabroker.Broker1.Manager GetDevices | grep -o '"[^"]*"' | tr -d '"')
    [ -n "$devices" ] || { say "the broker serves no device"; exit 1; }
    while :; do
        pending=""
        for path in $devices; do
            state=$(bus get-property "$BUS_NAME" "$path" org.cmabroker.Broker1.Device AuthState)
            case "$state" in
                's "unknown"' | 's "authenticating"') pending="$pending ${path##*/}" ;;
            esac
        done
        [ -n "$pending" ] || return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || { say "cma-brokerd exited while authenticating"; exit 1; }
        [ "$SECONDS" -lt "$deadline" ] || { say "still authenticating after ${TIMEOUT}s:$pending"; exit 1; }
        sleep 0.2
    done
}

cmactl() {
    echo
    echo "\$ cmactl $*"
    dotnet "$CMACTL_DLL" --address "$ADDRESS" "$@"
}

ensure_tools
build

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cmabroker-demo.XXXXXX")"
chmod 0755 "$WORK"
mkdir "$WORK/state"
cp -r "$DEMO/trust.d" "$DEMO/reference.d" "$WORK/"
write_bus_config

echo "== starting a private dbus-daemon (system-type, with dbus-policy/org.cmabroker.Broker1.conf)"
dbus-daemon --nofork --nopidfile --config-file="$WORK/bus.conf" 2>"$WORK/dbus-daemon.log" &
BUS_PID=$!
ADDRESS="unix:path=$WORK/bus.sock"
for _ in $(seq 100); do [ -S "$WORK/bus.sock" ] && break; sleep 0.1; done
[ -S "$WORK/bus.sock" ] || { cat "$WORK/dbus-daemon.log" >&2; say "dbus-daemon did not start"; exit 1; }

echo "== starting cma-brokerd with packaging/demo/cma-broker.json: emulated good#0, good#1, bad-cert#0, mismatch#0, slow#0, no-cma#0, cxl-mem#0"
echo "   trust.d: the emulator's good root CA; reference.d: the good profile's measurements"
dotnet "$DAEMON_DLL" --config "$DEMO/cma-broker.json" --bus "$ADDRESS" --state-dir "$WORK/state" \
    --trust-dir "$WORK/trust.d" --reference-dir "$WORK/reference.d" >"$WORK/cma-brokerd.log" 2>&1 &
DAEMON_PID=$!

started=$SECONDS
wait_for_name
wait_for_authentication
echo "== $BUS_NAME is up and every device is authenticated or judged ($((SECONDS - started)) s); cmactl talks to it with --address $ADDRESS"

cmactl list
cmactl show "$MISMATCH_ADDRESS"
cmactl cdat "$CXL_MEM_ADDRESS"
echo
