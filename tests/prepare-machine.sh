#!/usr/bin/env bash
# Installs what the tests and the demo need on a Debian machine (run as root; as a user it only says what
# is missing): the apt packages below and the group/user the access tests call as. Called by run-tests.sh
# and, as its own timed phase, by .ci/run.
set -uo pipefail

APT_PACKAGES=(dbus dbus-daemon dbus-bin libglib2.0-bin systemd udev pciutils openssl passwd clang zlib1g-dev xz-utils cpio busybox-static git afl++ stress-ng build-essential dpkg-dev debhelper lintian mmdebstrap e2fsprogs python3-prometheus-client)

if [ "$(id -u)" -ne 0 ]; then
    echo "prepare-machine: not root: not installing anything (the tests need: ${APT_PACKAGES[*]}, group cmabroker, user cmatest)" >&2
    exit 0
fi
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
    missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "prepare-machine: installing ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
            || { echo "prepare-machine: apt-get install failed" >&2; exit 1; }
    fi
fi
# Tests prove D-Bus policy denials by calling as this unprivileged user (runuser -u cmatest).
getent group cmabroker >/dev/null || groupadd --system cmabroker
id -u cmatest >/dev/null 2>&1 || useradd --create-home --shell /bin/bash cmatest
# A test run before this script (the test harnesses add the account with -M when it is missing) leaves it without
# a home; the fresh-clone demo builds with dotnet as cmatest, which needs one.
cmatest_home=$(getent passwd cmatest | cut -d: -f6)
[ -d "$cmatest_home" ] || install -d -o cmatest -g "$(id -gn cmatest)" -m 0755 "$cmatest_home"
