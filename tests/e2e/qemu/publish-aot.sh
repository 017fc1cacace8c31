#!/bin/bash
# publish-aot.sh CACHE_DIR [PROGRAM...]
#
# NativeAOT-publishes the project's programs for the end-to-end guest (linux-x64,
# InvariantGlobalization, so no ICU is needed) into CACHE_DIR/aot/<source hash>/<program>/ and
# prints that folder. PROGRAM is a project folder under src/ (default: CmaBroker.Tool
# CmaBroker.Daemon CmaBroker.Cli). The hash covers every source and build file, so a run on
# unchanged sources reuses the binaries (AOT publishing costs minutes on two cores).
# Installs clang and zlib1g-dev with apt when missing (the NativeAOT linker needs them).
set -euo pipefail

die() { echo "publish-aot.sh: ERROR: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: publish-aot.sh CACHE_DIR [PROGRAM...]"
CACHE=$(mkdir -p "$1" && cd "$1" && pwd)
shift
PROGRAMS=("$@")
[ ${#PROGRAMS[@]} -gt 0 ] || PROGRAMS=(CmaBroker.Tool CmaBroker.Daemon CmaBroker.Cli)
REPO=$(cd "$(dirname "$0")/../../.." && pwd)

need=()
command -v clang >/dev/null || need+=(clang)
dpkg-query -W -f='${Status}' zlib1g-dev 2>/dev/null | grep -q "install ok installed" || need+=(zlib1g-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "publish-aot.sh: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2; } ||
    die "cannot install ${need[*]}"
fi

# Everything that can change the published binaries.
hash=$(cd "$REPO" && find src -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.targets' -o -name '*.json' \) \
         -not -path '*/obj/*' -not -path '*/bin/*' -print0 | sort -z | xargs -0 sha256sum |
       cat - Directory.Build.props Directory.Packages.props | sha256sum | cut -c1-16)
OUT="$CACHE/aot/$hash"

exec 9>"$CACHE/.aot.lock"
flock 9
for p in "${PROGRAMS[@]}"; do
  [ -d "$REPO/src/$p" ] || die "no project src/$p"
  if [ -f "$OUT/$p/.published" ]; then continue; fi
  echo "publish-aot.sh: publishing $p (NativeAOT)" >&2
  rm -rf "$OUT/$p"
  dotnet publish "$REPO/src/$p" -c Release -r linux-x64 -p:PublishAot=true -p:InvariantGlobalization=true \
    --artifacts-path "$CACHE/aot-build" -o "$OUT/$p" >"$CACHE/aot-$p.log" 2>&1 ||
    { tail -30 "$CACHE/aot-$p.log" >&2; die "NativeAOT publish of $p failed (log: $CACHE/aot-$p.log)"; }
  touch "$OUT/$p/.published"
done
# Keep only the newest few source versions (this one marked newest).
touch "$OUT"
(cd "$CACHE/aot" && ls -1t | tail -n +4 | xargs -r rm -rf)
echo "$OUT"
