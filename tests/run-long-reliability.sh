#!/usr/bin/env bash
# The long runs of the reliability suite (README.md "Reliability"); the test suite runs the same tests bounded.
#   tests/run-long-reliability.sh load    64 D-Bus clients × 10,000 exchanges (MixedLoadTests: echo and Discovery,
#                                         nothing lost, duplicated or mis-delivered; RSS at 90 % ≤ RSS at 10 % + 10 MB)
#   tests/run-long-reliability.sh crash   200 SIGKILLs of cma-brokerd during state writes (DaemonCrashTests)
# Sizes can be overridden: CMABROKER_LOAD_CLIENTS, CMABROKER_LOAD_EXCHANGES, CMABROKER_DAEMON_CRASH_ITERATIONS.
# Needs root (the daemon tests' harness: private dbus-daemon with the project's policy, test accounts), like
# ./run-tests.sh. Prints the test's figures (exchanges/s, RSS; kills, verdicts), the wall time and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }

case "${1:-}" in
    load)
        export CMABROKER_LOAD_CLIENTS="${CMABROKER_LOAD_CLIENTS:-64}"
        export CMABROKER_LOAD_EXCHANGES="${CMABROKER_LOAD_EXCHANGES:-10000}"
        filter="FullyQualifiedName~MixedLoadTests"
        echo "run-long-reliability: load, $CMABROKER_LOAD_CLIENTS clients × $CMABROKER_LOAD_EXCHANGES exchanges"
        ;;
    crash)
        export CMABROKER_DAEMON_CRASH_ITERATIONS="${CMABROKER_DAEMON_CRASH_ITERATIONS:-200}"
        filter="FullyQualifiedName~DaemonCrashTests"
        echo "run-long-reliability: crash, $CMABROKER_DAEMON_CRASH_ITERATIONS kills"
        ;;
    -h|--help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
esac

echo "run-long-reliability: load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
dotnet build tests/CmaBroker.Reliability.Tests -nologo -v quiet
start=$(date +%s)
status=0
# Samples the 1-minute load average every 10 s, so the figures can say how busy the machine was.
samples=$(mktemp)
( while :; do cut -d' ' -f1 /proc/loadavg >>"$samples"; sleep 10; done ) &
sampler=$!
trap 'kill "$sampler" 2>/dev/null; rm -f "$samples"' EXIT
# verbosity normal prints the test's own figures (TestContext.Out).
dotnet test tests/CmaBroker.Reliability.Tests --no-build -nologo --filter "$filter" \
    --logger "console;verbosity=normal" || status=$?
echo "run-long-reliability: $1 finished with exit $status in $(( $(date +%s) - start )) s;" \
    "1-minute load average during the run: $(sort -n "$samples" | sed -n '1p;$p' | paste -sd- -) (min-max of 10 s samples)"
exit "$status"
