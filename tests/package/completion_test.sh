#!/usr/bin/env bash
# packaging/ec20ppp.bash-completion, sourced as bash-completion would, completes what a user types.
# usage: completion_test.sh /path/to/ec20ppp packaging/ec20ppp.bash-completion
set -uo pipefail
BIN=$1
# shellcheck source=/dev/null
source "$2"
fails=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# expect "WANT" WORD...: completing the last WORD of "ec20ppp WORD..." offers exactly WANT.
expect() {
  local want=$1; shift
  COMP_WORDS=("$BIN" "$@")
  COMP_CWORD=$(($# ))
  COMPREPLY=()
  _ec20ppp
  local got
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
  if [[ $got != "$want" ]]; then
    echo "FAIL: ec20ppp $*<TAB>: got '$got', want '$want'"
    fails=1
  fi
}

[[ $(complete -p ec20ppp) == "complete -F _ec20ppp ec20ppp" ]] || { echo "FAIL: not registered: $(complete -p ec20ppp 2>&1)"; fails=1; }
expect "--help --version dial doctor info sim status" ""
expect "dial doctor" d
expect "--apn" dial --ap
expect "--max-fail --max-holdoff" dial --persist --max
expect "auto chap none pap" dial --auth ""
expect "chap none pap" sim --auth ""
expect "auto" dial --data-plane a
expect "add no replace" dial --default-route ""
expect "resolv-conf resolv-conf=" dial --dns r
expect "json text" dial --log-format ""
expect "sim" dial --device s
expect "" dial --apn ""             # a free value: no options offered in its place
expect "--json" status --j
expect "--at --at-port" doctor --at
expect "--link" sim --li             # not --apn from sim's example line
# Every option of `dial --help` is offered.
all=$("$BIN" dial --help | grep -oE -- '^ +(-[a-zA-Z], ?)?--[a-z0-9][a-z0-9-]*' | grep -oE -- '--[a-z0-9-]+' | sort -u | tr '\n' ' ' | sed 's/ $//')
expect "$all" dial --
# File names where a file is wanted.
mkdir "$T/etc" && touch "$T/etc/wan.conf" "$T/etc/notes.txt"
expect "$T/etc/wan.conf" dial --config "$T/etc/w"
expect "$T/etc/notes.txt" dial --password-file "$T/etc/n"

((fails)) && exit 1
echo "PASS: bash completion of subcommands, options, option values and files"
