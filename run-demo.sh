#!/usr/bin/env bash
# The main job, for now: build cmatool and use it on emulated DOE devices — discover their
# mailboxes, then authenticate them with CMA/SPDM against the emulator's trusted root CA.
set -euo pipefail
cd "$(dirname "$0")"

ARTIFACTS="${CMABROKER_DEMO_ARTIFACTS:-$PWD/artifacts/demo}"
echo "== building cmatool (output in $ARTIFACTS)"
dotnet build src/CmaBroker.Tool -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >/dev/null
CMATOOL_DLL="$ARTIFACTS/bin/CmaBroker.Tool/release/cmatool.dll"
cmatool() { dotnet "$CMATOOL_DLL" "$@"; }

TRUST="$(mktemp -d)"
trap 'rm -rf "$TRUST"' EXIT
cmatool emulator-ca "$TRUST" >/dev/null

run() {
    echo
    echo "\$ cmatool $*"
    local rc=0
    cmatool "$@" || rc=$?
    echo "(exit code $rc)"
}

run discover emulated:good
run discover emulated:no-cma
run exchange emulated:good 0x0001 0 00000000
run authenticate emulated:good --trust "$TRUST"
run authenticate emulated:bad-cert --trust "$TRUST"
run measurements emulated:mismatch --trust "$TRUST"

# The same device served over the spdm-emu / QEMU platform socket protocol, authenticated as a socket target.
echo
echo "\$ cmatool serve emulated:good --port 0 &"
coproc SERVER { exec dotnet "$CMATOOL_DLL" serve emulated:good --port 0; }
read -r line <&"${SERVER[0]}"
echo "$line"
port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' <<<"$line")"
run authenticate "spdm-socket:127.0.0.1:$port" --trust "$TRUST"
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
