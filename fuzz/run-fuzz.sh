#!/usr/bin/env bash
# Fuzzes CmaBroker's parsers with afl++ (Debian's afl++ package) and SharpFuzz 2.3.0.
#   fuzz/run-fuzz.sh [--seconds N] [TARGET...]     (default: 30 s for every target; `--list` names them)
# Builds fuzz/CmaBroker.Fuzz into artifacts/fuzz/bin, instruments the CmaBroker assemblies with the pinned
# `sharpfuzz` tool (.config/dotnet-tools.json), then runs afl-fuzz on each target in turn, seeded from
# fuzz/corpus/TARGET. Findings land in artifacts/fuzz/findings/TARGET/default/{crashes,hangs}; the script
# replays every crash through the uninstrumented target and exits 1 when any target crashed.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=30
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --list) targets=(--list); shift ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done

command -v afl-fuzz >/dev/null || { echo "run-fuzz: afl-fuzz not found (apt-get install afl++, or tests/prepare-machine.sh as root)" >&2; exit 2; }

out=artifacts/fuzz
bin="$out/bin"
rm -rf "$bin" && mkdir -p "$bin" "$out/findings"
dotnet build fuzz/CmaBroker.Fuzz/CmaBroker.Fuzz.csproj -c Release -nologo -v quiet -o "$bin" >"$out/build.log" 2>&1 \
    || { cat "$out/build.log" >&2; echo "run-fuzz: build failed" >&2; exit 2; }
if [ "${targets[*]:-}" = "--list" ]; then dotnet "$bin/CmaBroker.Fuzz.dll" --list; exit 0; fi
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets < <(dotnet "$bin/CmaBroker.Fuzz.dll" --list)

# A clean copy for replaying crashes, then instrument the product assemblies in place (not the harness).
replay="$out/replay"
rm -rf "$replay" && cp -r "$bin" "$replay"
dotnet tool restore >/dev/null || { echo "run-fuzz: dotnet tool restore failed" >&2; exit 2; }
for assembly in CmaBroker.Doe CmaBroker.Spdm CmaBroker.Cdat CmaBroker.IdeKm CmaBroker.Hotplug CmaBroker.Service; do
    dotnet sharpfuzz "$bin/$assembly.dll" >/dev/null || { echo "run-fuzz: sharpfuzz could not instrument $assembly" >&2; exit 2; }
done

export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
failed=0
for target in "${targets[@]}"; do
    findings="$out/findings/$target"
    rm -rf "$findings"
    # -V: stop after N seconds; -t: a .NET start under load is slow (ms per input); -m none: the runtime maps a lot.
    afl-fuzz -V "$seconds" -t 10000 -m none -i "fuzz/corpus/$target" -o "$findings" -- dotnet "$bin/CmaBroker.Fuzz.dll" "$target" \
        >"$findings.log" 2>&1
    rc=$?
    stats="$findings/default/fuzzer_stats"
    execs=$(sed -n 's/^execs_done *: //p' "$stats" 2>/dev/null)
    paths=$(sed -n 's/^corpus_count *: //p' "$stats" 2>/dev/null)
    crashes=$(find "$findings/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
    hangs=$(find "$findings/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
    echo "run-fuzz: $target: ${seconds} s, ${execs:-0} execs, ${paths:-0} corpus entries, $crashes crashes, $hangs hangs (afl-fuzz exit $rc)"
    if [ "$rc" -ne 0 ] || [ -z "$execs" ]; then
        tail -n 20 "$findings.log" >&2
        failed=1
    fi
    if [ "$crashes" -gt 0 ]; then
        dotnet "$replay/CmaBroker.Fuzz.dll" --replay "$target" "$findings/default/crashes" >&2
        failed=1
    fi
done
exit "$failed"
