#!/bin/sh
# config-to-man.sh CONFIGURATION_MD VERSION > cma-broker.json.5
#
# cma-broker.json(5) from docs/configuration.md, the one description of the configuration keys
# (tests check that it names every key of packaging/cma-broker.json): the introduction becomes
# DESCRIPTION, each row of the "## Keys" table a tagged paragraph (key, type, default, meaning),
# and the "## Overrides" and "## Reload" sections are kept as text. Markdown `code` becomes bold.
# Used by debian/rules; tests/CmaBroker.Packaging.Tests runs it again and compares with the .deb.
set -eu
[ $# -eq 2 ] || { echo "usage: config-to-man.sh CONFIGURATION_MD VERSION" >&2; exit 2; }
doc=$1 version=$2
[ -f "$doc" ] || { echo "config-to-man.sh: $doc: no such file" >&2; exit 1; }
printf '.TH "CMA\\-BROKER.JSON" "5" "" "cma-broker %s" "File Formats"\n' "$version"
printf '.SH NAME\ncma-broker.json \\- configuration of cma-brokerd, the CMA/SPDM broker\n'
awk '
  function roff(text) {
    gsub(/\\/, "\\e", text)
    gsub(/-/, "\\-", text)
    # `code` -> bold
    while (match(text, /`[^`]*`/)) {
      text = substr(text, 1, RSTART - 1) "\\fB" substr(text, RSTART + 1, RLENGTH - 2) "\\fR" substr(text, RSTART + RLENGTH)
    }
    gsub(/\*\*/, "", text)
    if (text ~ /^[.\047]/) text = "\\&" text
    return text
  }
  function cell(text) { sub(/^ +/, "", text); sub(/ +$/, "", text); return text }
  /^# / { part = "intro"; print ".SH DESCRIPTION"; next }
  /^## / {
    title = substr($0, 4)
    if (title == "Keys") { part = "keys"; print ".SH KEYS"; next }
    if (title == "Overrides" || title ~ /^Reload/) { part = "text"; t = toupper(title); gsub(/[`()]/, "", t); print ".SH " t; next }
    part = "skip"; next
  }
  part == "skip" { next }
  part == "keys" && /^\|/ {
    n = split($0, c, "|")
    key = cell(c[2])
    if (key == "key" || key ~ /^-+$/) next
    print ".TP"
    print roff(key) " (" roff(cell(c[3])) ", default " roff(cell(c[4])) ")"
    print roff(cell(c[5]))
    next
  }
  part == "keys" && /^[ \t]*$/ { next }
  /^[ \t]*$/ { if (part != "") print ".PP"; next }
  /^```/ { next }
  part != "" { print roff($0) }
' "$doc"
cat <<'ROFF'
.SH FILES
.nf
/etc/cma\-broker/cma\-broker.json       this file (a conffile of the Debian package)
/etc/cma\-broker/trust.d/              trust anchors
/etc/cma\-broker/reference.d/          reference measurements
/var/lib/cma\-broker/                  results and history
.fi
.SH SEE ALSO
cma\-brokerd(8), cmactl(1), cmatool(1)
ROFF
