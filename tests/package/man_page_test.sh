#!/usr/bin/env bash
# ec20ppp(8) documents every subcommand and every option the binary shows: for each subcommand
# of `ec20ppp --help`, each long option of `ec20ppp SUB --help` must appear in the page's section
# .SS "ec20ppp SUB". Then: the check catches a removed option, and groff renders the page
# without warnings.
# usage: man_page_test.sh /path/to/ec20ppp docs/man/ec20ppp.8
set -uo pipefail
BIN=$1 MAN=$2
fails=0
fail() { echo "FAIL: $*"; fails=1; }

subcommands=$("$BIN" --help | awk 'tolower($0) ~ /^subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[[ -n $subcommands ]] || fail "no SUBCOMMANDS in 'ec20ppp --help'"

# missing PAGE: prints "SUB --option" for each option the page does not document.
# options SUB: the long options `ec20ppp SUB --help` lists (its option lines, not its examples)
options() { "$BIN" "$1" --help | grep -oE -- '^ +(-[a-zA-Z], ?)?--[a-z0-9][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u; }

missing() {
  local text section sub opt
  text=$(sed 's/\\-/-/g' "$1")  # roff's \- is the option's dash
  for sub in $subcommands; do
    section=$(awk -v s=".SS \"ec20ppp $sub\"" '$0 == s {on = 1; next} on && /^\.S[SH] / {on = 0} on' <<<"$text")
    [[ -n $section ]] || { echo "$sub (no section .SS \"ec20ppp $sub\")"; continue; }
    for opt in $(options "$sub"); do
      [[ $opt == --help ]] && continue  # documented once, for every command
      grep -qE -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|\$)" <<<"$section" || echo "$sub $opt"
    done
  done
}

gaps=$(missing "$MAN")
[[ -z $gaps ]] || fail "options missing from $MAN (add them to their subcommand's section):"$'\n'"$gaps"
checked=$(for sub in $subcommands; do options "$sub"; done | wc -l)

# The check itself: a page without --apn must be caught.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
grep -v -- 'apn' "$MAN" >"$T/ec20ppp.8"
[[ $(missing "$T/ec20ppp.8") == *"dial --apn"* ]] || fail "a page without --apn passed the check"

warnings=$(LC_ALL=C groff -t -man -ww -z "$MAN" 2>&1)
[[ -z $warnings ]] || fail "groff warns about $MAN: $warnings"

((fails)) && exit 1
echo "PASS: $(wc -w <<<"$subcommands") subcommands and $checked options of --help are in $MAN; groff has no warnings"
