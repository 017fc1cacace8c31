#!/usr/bin/env bash
# Runs the README's test command (./run-tests.sh, arguments passed on) while both cores are kept busy, to show
# that no test depends on timing: `stress-ng --cpu N` (N = number of cores) when it is installed
# (tests/prepare-machine.sh installs it), otherwise one busy shell loop per core. The load stops with the tests.
set -uo pipefail
cd "$(dirname "$0")/.."

cores=$(nproc)
if command -v stress-ng >/dev/null 2>&1; then
    stress-ng --cpu "$cores" --quiet &
    load_pids=($!)
    echo "run-under-load: stress-ng --cpu $cores (pid ${load_pids[0]})"
else
    load_pids=()
    for _ in $(seq "$cores"); do
        ( while :; do :; done ) &
        load_pids+=($!)
    done
    echo "run-under-load: $cores busy loops (pids ${load_pids[*]})"
fi
stop_load() { kill "${load_pids[@]}" 2>/dev/null; wait "${load_pids[@]}" 2>/dev/null; }
trap stop_load EXIT

./run-tests.sh "$@"
