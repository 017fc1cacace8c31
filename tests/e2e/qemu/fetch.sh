#!/bin/bash
# fetch.sh CACHE_DIR
#
# Puts everything the QEMU end-to-end test needs into CACHE_DIR without touching the
# system's apt configuration:
#   CACHE_DIR/root/usr/bin/qemu-system-x86_64   QEMU 10 (bookworm-backports), with `nvme,spdm_port`
#   CACHE_DIR/root/usr/share/{qemu,seabios}     firmware (-L)
#   CACHE_DIR/root/boot/vmlinuz-6.12.*          guest kernel (bookworm-backports)
#   CACHE_DIR/root/bin/busybox                  static busybox for the initramfs
#   CACHE_DIR/root/cxl-modules/*.ko             the kernel's CXL drivers (drivers/cxl), decompressed:
#                                               the only modules kept (the guest insmods them to show
#                                               the kernel-owned CDAT path)
# and installs QEMU's shared libraries (all in bookworm main) with the system's apt.
#
# A private APT_CONFIG adds only the bookworm-backports suite of the Debian archive the
# machine already uses; its lists and downloads live under CACHE_DIR/apt.
# The cache is reused when complete (CACHE_DIR/.complete). Prints `ok CACHE_DIR` on success.
set -euo pipefail

die() { echo "fetch.sh: ERROR: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: fetch.sh CACHE_DIR"
CACHE=$(mkdir -p "$1" && cd "$1" && pwd)
ROOT="$CACHE/root"
APTDIR="$CACHE/apt"

# QEMU's shared libraries, all in bookworm main (issue 7).
QEMU_LIBS=(libaio1 libbpf1 libcapstone4 libfdt1 libfuse3-3 libglib2.0-0 libgmp10 libgnutls30
  libibverbs1 libjpeg62-turbo libnuma1 libpixman-1-0 libpmem1 libpng16-16 librdmacm1 libsasl2-2
  libseccomp2 libslirp0 liburing2 libvdeplug2 libzstd1 libndctl6 libdaxctl1 libnl-3-200
  libnl-route-3-200)
# Extracted from bookworm-backports, never installed.
BACKPORTS_DEBS=(qemu-system-x86 qemu-system-common qemu-system-data seabios)
# busybox-static comes from whatever suite serves it (bookworm main is fine).
MAIN_DEBS=(busybox-static)

# One fetch at a time per cache (parallel test runs share it).
exec 9>"$CACHE/.lock"
flock 9

# The Debian archive this machine already uses: first URI of a deb822 source or a one-line
# source that serves bookworm (not -security).
debian_archive() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)|: bookworm( |$)/ {if (u != "") {print u; exit}}' "$f")
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { if ($(i+1) == "bookworm") { print $i; exit } break } }' "$f")
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
}

write_private_apt_config() {
  local archive=$1
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/etc/preferences.d" "$APTDIR/debs"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -f "$keyring" ] || die "$keyring missing (package debian-archive-keyring)"
  cat >"$APTDIR/etc/sources.list" <<EOF
deb [signed-by=$keyring] $archive bookworm-backports main
deb [signed-by=$keyring] $archive bookworm main
EOF
  # Only the private sources and lists; the system's status file is read (never written).
  cat >"$APTDIR/etc/apt.conf" <<EOF
Dir::Etc::SourceList "$APTDIR/etc/sources.list";
Dir::Etc::SourceParts "/nonexistent-cmabroker-e2e";
Dir::Etc::Preferences "/nonexistent-cmabroker-e2e";
Dir::Etc::PreferencesParts "$APTDIR/etc/preferences.d";
Dir::State::Lists "$APTDIR/lists";
Dir::Cache "$APTDIR/cache";
Dir::Cache::archives "$APTDIR/archives";
APT::Sandbox::User "root";
Acquire::Languages "none";
EOF
  mkdir -p "$APTDIR/cache"
}

# Newest linux-image-6.12.*-amd64 with a real candidate in the private index: the generic
# flavour first, -cloud second (never -rt, -dbg or -unsigned).
pick_kernel() {
  local names flavour k
  names=$(APT_CONFIG="$APTDIR/etc/apt.conf" apt-cache pkgnames linux-image-6.12 | sort -rV)
  for flavour in amd64 cloud-amd64; do
    for k in $(grep -E "^linux-image-6\.12\.[0-9]+\+[^-]+-${flavour}\$" <<<"$names"); do
      if APT_CONFIG="$APTDIR/etc/apt.conf" apt-cache show --no-all-versions "$k" >/dev/null 2>&1; then
        echo "$k"
        return
      fi
    done
  done
}

install_qemu_libs() {
  local missing=() p
  for p in "${QEMU_LIBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "fetch.sh: installing QEMU's shared libraries: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } ||
      die "cannot apt-get install QEMU's libraries: ${missing[*]}"
  fi
}

fetch_packages() {
  local archive
  archive=$(debian_archive)
  [ -n "$archive" ] || die "no Debian archive serving 'bookworm' found in /etc/apt/sources.list(.d)"
  echo "fetch.sh: using $archive bookworm-backports (private APT_CONFIG under $APTDIR)"
  write_private_apt_config "$archive"
  APT_CONFIG="$APTDIR/etc/apt.conf" apt-get update -q >"$APTDIR/update.log" 2>&1 ||
    die "apt-get update of bookworm-backports failed (see $APTDIR/update.log)"

  local kernel
  kernel=$(pick_kernel)
  [ -n "$kernel" ] || die "no linux-image-6.12.*-amd64 in bookworm-backports"

  local specs=() p
  for p in "${BACKPORTS_DEBS[@]}" "$kernel"; do specs+=("$p/bookworm-backports"); done
  for p in "${MAIN_DEBS[@]}"; do specs+=("$p"); done
  echo "fetch.sh: downloading ${specs[*]}"
  (cd "$APTDIR/debs" && rm -f ./*.deb && APT_CONFIG="$APTDIR/etc/apt.conf" apt-get download -q "${specs[@]}" >"$APTDIR/download.log" 2>&1) ||
    die "apt-get download failed (see $APTDIR/download.log)"

  rm -rf "$ROOT.new"
  mkdir -p "$ROOT.new"
  local deb
  for deb in "$APTDIR"/debs/*.deb; do
    dpkg-deb -x "$deb" "$ROOT.new"
  done
  # The guest loads no modules but the CXL drivers (the NVMe driver must stay unloaded): keep
  # drivers/cxl, decompressed so busybox insmod can load them; drop the rest, and the .debs.
  keep_cxl_modules "$ROOT.new"
  rm -rf "$ROOT.new/lib/modules" "$ROOT.new/usr/lib/modules"
  rm -rf "$ROOT"
  mv "$ROOT.new" "$ROOT"
  (cd "$APTDIR/debs" && ls ./*.deb) >"$CACHE/.complete"
  rm -f "$APTDIR"/debs/*.deb "$APTDIR"/archives/*.deb
}

# ROOT/cxl-modules/NAME.ko for every module under <root>/(usr/)lib/modules/*/kernel/drivers/cxl
# (Debian compresses them with xz; the folder exists, maybe empty, when the kernel builds CXL in).
keep_cxl_modules() {
  local root=$1 ko name
  mkdir -p "$root/cxl-modules"
  while IFS= read -r ko; do
    name=$(basename "$ko")
    case "$ko" in
      *.ko.xz) xz -dc "$ko" >"$root/cxl-modules/${name%.xz}" ;;
      *.ko.zst) zstd -qdc "$ko" >"$root/cxl-modules/${name%.zst}" ;;
      *.ko.gz) gzip -dc "$ko" >"$root/cxl-modules/${name%.gz}" ;;
      *.ko) cp "$ko" "$root/cxl-modules/$name" ;;
    esac
  done < <(find "$root/lib/modules" "$root/usr/lib/modules" -path '*/kernel/drivers/cxl/*' -name '*.ko*' 2>/dev/null | sort)
}

qemu_binary() { echo "$ROOT/usr/bin/qemu-system-x86_64"; }

cache_complete() {
  [ -f "$CACHE/.complete" ] && [ -x "$(qemu_binary)" ] && [ -x "$ROOT/bin/busybox" ] &&
    compgen -G "$ROOT/boot/vmlinuz-6.12.*" >/dev/null && [ -d "$ROOT/cxl-modules" ]
}

install_qemu_libs
if cache_complete; then
  echo "fetch.sh: reusing cache $CACHE"
else
  fetch_packages
  cache_complete || die "cache incomplete after download (QEMU, busybox or a 6.12 kernel missing under $ROOT)"
fi

QEMU=$(qemu_binary)
missing_libs=$(ldd "$QEMU" | awk '/not found/ {print $1}')
[ -z "$missing_libs" ] || die "QEMU's shared libraries not found: $missing_libs"
version=$("$QEMU" --version | head -1)
# -audio none keeps QEMU 10 away from an older QEMU's modules installed system-wide.
"$QEMU" -L "$ROOT/usr/share/seabios" -L "$ROOT/usr/share/qemu" -audio none -device nvme,help 2>&1 | grep -q 'spdm_port' ||
  die "$version: '-device nvme,help' does not list spdm_port (needs QEMU 10.0.2 or newer from bookworm-backports)"
# The CXL type-3 memory device (issue 15: QEMU serves its CDAT over DOE) with a volatile backend.
"$QEMU" -L "$ROOT/usr/share/seabios" -L "$ROOT/usr/share/qemu" -audio none -device cxl-type3,help 2>&1 | grep -q 'volatile-memdev' ||
  die "$version: '-device cxl-type3,help' does not list volatile-memdev"
echo "fetch.sh: $version with nvme spdm_port; kernel $(basename "$(compgen -G "$ROOT/boot/vmlinuz-6.12.*" | sort -V | tail -1)")"
echo "ok $CACHE"
