#!/usr/bin/env bash
# Runs every test project of CmaBroker.sln and prints one final line: "N passed, N failed[, N skipped]".
# As root on Debian it first installs the packages the tests use and the test user/group (tests/prepare-machine.sh).
set -uo pipefail
cd "$(dirname "$0")"

tests/prepare-machine.sh || exit 1

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

# Wall time of each test project (TRX Times start..finish), so the CI budget stays visible.
shopt -s nullglob
for trx in "$RESULTS_DIR"/*.trx; do
    project=$(grep -o 'tests in [^ <]*\.dll' "$trx" | head -n 1 | sed 's/.*\///; s/\.dll$//')
    start=$(grep -o '<Times [^>]*>' "$trx" | sed -n 's/.* start="\([^"]*\)".*/\1/p')
    finish=$(grep -o '<Times [^>]*>' "$trx" | sed -n 's/.* finish="\([^"]*\)".*/\1/p')
    if [ -n "$start" ] && [ -n "$finish" ]; then
        echo "run-tests: ${project:-$(basename "$trx")}: $(( $(date -d "$finish" +%s) - $(date -d "$start" +%s) )) s"
    fi
done
shopt -u nullglob

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ] && [ "$test_rc" -eq 0 ]
