#!/bin/sh
# help-to-man.sh NAME SECTION VERSION < HELP > MANPAGE
#
# Turns a program's --help text into its man page, so the two cannot drift: the help texts of
# cma-brokerd, cmactl and cmatool are written as man pages (unindented upper-case section titles,
# body indented by four spaces). NAME becomes the whatis line ("name \- summary"); every other
# section is kept line for line as preformatted text (.nf), so the man page reads like --help.
# Used by debian/rules; tests/CmaBroker.Packaging.Tests runs it on --help and compares with the .deb.
set -eu
[ $# -eq 3 ] || { echo "usage: help-to-man.sh NAME SECTION VERSION < HELP" >&2; exit 2; }
name=$1 section=$2 version=$3
case "$section" in 8) manual="System Administration" ;; *) manual="User Commands" ;; esac
upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
printf '.TH "%s" "%s" "" "cma-broker %s" "%s"\n' "$upper" "$section" "$version" "$manual"
# Section titles: unindented, upper case. Body: leading four spaces dropped; backslashes escaped,
# minus signs as \- (so options can be searched and copied), a leading . or ' guarded with \&.
awk '
  function body(line) {
    sub(/^    /, "", line)
    gsub(/\\/, "\\e", line)
    gsub(/-/, "\\-", line)
    if (line ~ /^[.\047]/) line = "\\&" line
    return line
  }
  /^[A-Z][A-Z ]*[A-Z]$/ {
    if (inpre) print ".fi"
    inpre = 0
    section = $0
    print ".SH " $0
    next
  }
  section == "NAME" {
    if ($0 ~ /^[ \t]*$/) next
    line = $0
    sub(/^ +/, "", line)
    sub(/ - /, " \\- ", line)
    print line
    next
  }
  {
    if (!inpre) { print ".nf"; inpre = 1 }
    if ($0 ~ /^[ \t]*$/) { print ""; next }
    print body($0)
  }
  END { if (inpre) print ".fi" }
'
