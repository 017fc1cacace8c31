#!/usr/bin/env bash
# Runs every test project of CmaBroker.sln and prints one final line: "N passed, N failed[, N skipped]".
# As root on Debian it first installs the packages the tests use and the test user/group.
set -uo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(dbus dbus-daemon dbus-bin libglib2.0-bin systemd udev pciutils openssl passwd clang zlib1g-dev xz-utils cpio busybox-static)

prepare_machine() {
    [ "$(id -u)" -eq 0 ] || return 0
    if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
        local missing=()
        for pkg in "${APT_PACKAGES[@]}"; do
            dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
        done
        if [ "${#missing[@]}" -gt 0 ]; then
            echo "run-tests: installing ${missing[*]}"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
                || { echo "run-tests: apt-get install failed" >&2; return 1; }
        fi
    fi
    # Tests prove D-Bus policy denials by calling as this unprivileged user (runuser -u cmatest).
    getent group cmabroker >/dev/null || groupadd --system cmabroker
    id -u cmatest >/dev/null 2>&1 || useradd --create-home --shell /bin/bash cmatest
}

prepare_machine || exit 1

RESULTS_DIR="${CMABROKER_TEST_RESULTS:-$PWD/artifacts/test-results}"
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"

dotnet test CmaBroker.sln --logger "trx" --results-directory "$RESULTS_DIR" "$@"
test_rc=$?

# Sum the counters of every TRX file (one per test project).
read -r passed failed skipped total < <(
    shopt -s nullglob
    p=0; f=0; s=0; t=0
    for trx in "$RESULTS_DIR"/*.trx; do
        counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
        get() { local v; v=$(echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"); echo "${v:-0}"; }
        t=$((t + $(get total))); p=$((p + $(get passed))); f=$((f + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
        s=$((s + $(get notExecuted) + $(get inconclusive)))
    done
    echo "$p $f $s $t"
)

if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # dotnet test failed without a failed test in any TRX (build error, crashed test host): count it.
    failed=1
    echo "run-tests: dotnet test exited with $test_rc" >&2
fi

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] && [ "$test_rc" -eq 0 ]
