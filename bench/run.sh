#!/usr/bin/env bash
# Runs the CmaBroker benchmarks in Release. CI: bench/run.sh --quick (every benchmark, well under 3 minutes).
# Full runs: bench/run.sh [BENCHMARK] (BENCHMARK = all | mailbox | auth | auth-profile | overhead | cdat | session | ide | latency | throughput | coldplug; default all).
# coldplug starts one cma-brokerd per size.
set -euo pipefail
cd "$(dirname "$0")/.."
which="all"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then which="$1"; shift; fi
dotnet build bench/CmaBroker.Bench/CmaBroker.Bench.csproj -c Release -v quiet -nologo >/dev/null
exec dotnet artifacts/bin/CmaBroker.Bench/release/CmaBroker.Bench.dll "$which" "$@"
