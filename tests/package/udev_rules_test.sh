#!/usr/bin/env bash
# packaging/60-ec20ppp.rules: udev's syntax (Debian 12's udevadm has no `verify`, so every rule
# is parsed here against udev(7)'s keys and operators, and every GOTO must find its LABEL),
# then the rules are run on simulated EC20 ttys: interface 2 gets ec20-at, 3 ec20-modem, the
# others and other devices nothing.
# usage: udev_rules_test.sh packaging/60-ec20ppp.rules
set -uo pipefail
RULES=$1
fails=0
fail() { echo "FAIL: $*"; fails=1; }

match_keys='ACTION|DEVPATH|KERNEL|KERNELS|NAME|SYMLINK|SUBSYSTEM|SUBSYSTEMS|DRIVER|DRIVERS|ATTR|ATTRS|SYSCTL|ENV|CONST|TAG|TAGS|TEST|PROGRAM|RESULT'
assign_keys='NAME|SYMLINK|OWNER|GROUP|MODE|SECLABEL|ATTR|SYSCTL|ENV|TAG|RUN|LABEL|GOTO|IMPORT|OPTIONS'
item_re='^([A-Z]+)(\{([^}]*)\})?(==|!=|\+=|-=|:=|=)"([^"]*)"(, *|$)'

# parse: fills RULE_ITEMS[i] with "KEY|ATTR|OP|VALUE" lines, one rule per line of the file.
RULE_ITEMS=() labels=() gotos=()
lineno=0
while IFS= read -r line || [[ -n $line ]]; do
  lineno=$((lineno + 1))
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  rest=$line items=""
  while [[ -n $rest ]]; do
    if [[ ! $rest =~ $item_re ]]; then fail "line $lineno: cannot parse '$rest'"; break; fi
    key=${BASH_REMATCH[1]} attr=${BASH_REMATCH[3]} op=${BASH_REMATCH[4]} value=${BASH_REMATCH[5]}
    rest=${rest:${#BASH_REMATCH[0]}}
    case $op in
      ==|!=) [[ $key =~ ^($match_keys)$ ]] || fail "line $lineno: $key cannot be matched ($op)" ;;
      *) [[ $key =~ ^($assign_keys)$ ]] || fail "line $lineno: $key cannot be assigned ($op)" ;;
    esac
    [[ $key =~ ^(ATTR|ATTRS|ENV|SYSCTL|IMPORT)$ && -z $attr ]] && fail "line $lineno: $key needs {name}"
    [[ $key =~ ^(LABEL|GOTO)$ && $op != "=" ]] && fail "line $lineno: $key takes '=' only"
    [[ $key == LABEL ]] && labels+=("$value")
    [[ $key == GOTO ]] && gotos+=("$value")
    items+="$key|$attr|$op|$value"$'\n'
  done
  RULE_ITEMS+=("$items")
done <"$RULES"
for g in "${gotos[@]}"; do
  found=0
  for l in "${labels[@]}"; do [[ $l == "$g" ]] && found=1; done
  ((found)) || fail "GOTO=\"$g\" has no LABEL"
done
((${#RULE_ITEMS[@]} > 3)) || fail "only ${#RULE_ITEMS[@]} rules parsed"

# run ACTION SUBSYSTEM VENDOR PRODUCT INTERFACE: prints the SYMLINKs the rules give the device.
# The device is a ttyUSB whose USB parents have idVendor/idProduct; the usb_id builtin would
# set ID_USB_INTERFACE_NUM to INTERFACE.
run() {
  local action=$1 subsystem=$2 vendor=$3 product=$4 interface=$5
  declare -A env=()
  local symlinks="" i=0 jump="" item key attr op value actual matched
  while ((i < ${#RULE_ITEMS[@]})); do
    local rule=${RULE_ITEMS[i]}
    i=$((i + 1))
    if [[ -n $jump ]]; then
      [[ $rule == "LABEL||=|$jump"$'\n' ]] && jump=""
      continue
    fi
    matched=1
    while IFS='|' read -r key attr op value; do
      [[ -z $key ]] && continue
      [[ $op == "==" || $op == "!=" ]] || continue
      case $key in
        ACTION) actual=$action ;;
        SUBSYSTEM) actual=$subsystem ;;
        SUBSYSTEMS) actual="usb" ;;
        ATTRS) case $attr in idVendor) actual=$vendor ;; idProduct) actual=$product ;; *) actual="" ;; esac ;;
        ENV) actual=${env[$attr]-} ;;
        *) fail "the simulation does not know $key"; actual="" ;;
      esac
      # shellcheck disable=SC2053  # udev values are glob patterns
      if [[ $op == "==" ]]; then [[ $actual == $value ]] || matched=0; else [[ $actual != $value ]] || matched=0; fi
    done <<<"$rule"
    ((matched)) || continue
    while IFS='|' read -r key attr op value; do
      [[ -z $key || $op == "==" || $op == "!=" ]] && continue
      case $key in
        GOTO) jump=$value ;;
        SYMLINK) symlinks+="$value " ;;
        ENV) env[$attr]=$value ;;
        IMPORT) [[ $attr == builtin && $value == usb_id ]] && env[ID_USB_INTERFACE_NUM]=$interface ;;
      esac
    done <<<"$rule"
  done
  echo "${symlinks% }"
}

expect() {  # expect WANT ACTION SUBSYSTEM VENDOR PRODUCT INTERFACE
  local want=$1; shift
  local got
  got=$(run "$@")
  [[ $got == "$want" ]] || fail "$*: symlinks '$got', want '$want'"
}
expect "ec20-at" add tty 2c7c 0125 02
expect "ec20-modem" add tty 2c7c 0125 03
expect "ec20-modem" change tty 2c7c 0125 03
expect "" add tty 2c7c 0125 00       # DM
expect "" add tty 2c7c 0125 01       # NMEA
expect "" remove tty 2c7c 0125 02
expect "" add net 2c7c 0125 04       # the network interface is no tty
expect "" add tty 2c7c 0296 02       # another Quectel modem (BG96)
expect "" add tty 10c4 ea60 02       # a CP210x adapter

((fails)) && exit 1
echo "PASS: ${#RULE_ITEMS[@]} rules parse; EC20 interface 2 -> ec20-at, 3 -> ec20-modem, nothing else"
