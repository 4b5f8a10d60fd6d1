#!/usr/bin/env bash
# The modprobe.d file parses (kmod says "ignoring bad line" for anything it does not know) and
# says what it must; the udev rules are well-formed (Debian 12's udevadm has no `verify`) and
# name the five interfaces; dkms.conf and the loader are valid shell.
source "$(dirname "$0")/lib.sh"
conf=$DRIVERS/modprobe.d/ec20ppp-qmi.conf
rules=$DRIVERS/udev/99-ec20ppp.rules

shown=$(modprobe -C "$conf" --showconfig 2>&1)
[[ $shown != *"ignoring bad line"* ]] && ok "modprobe.d parses" || fail "modprobe.d: $shown"
for want in "blacklist qmi_wwan" "blacklist GobiNet" "softdep qmi_wwan_q pre: cdc-wdm"; do
    [[ $shown == *"$want"* ]] && ok "modprobe.d: $want" || fail "modprobe.d lacks: $want"
done

# udev: every rule is KEY[{attr}] OP "value" pairs joined by ", "; keys and operators known.
key='(ACTION|SUBSYSTEM|SUBSYSTEMS|KERNEL|DRIVER|DRIVERS|ENV\{[A-Za-z_]+\}|ATTR\{[A-Za-z_/]+\}|ATTRS\{[A-Za-z_/]+\}|SYMLINK|GOTO|LABEL|MODE|GROUP|TAG|RUN\{program\}|RUN)'
pair="$key(==|!=|=|\+=|-=|:=)\"[^\"]*\""
bad=$(grep -nvE "^[[:space:]]*(#.*)?$" "$rules" | grep -vE "^[0-9]+:$pair(, $pair)*$")
[[ -z $bad ]] && ok "udev rules are well-formed" || fail "udev rules lines not understood: $bad"
labels=$(sed -n 's/.*LABEL="\([^"]*\)".*/\1/p' "$rules" | sort -u)
for g in $(sed -n 's/.*GOTO="\([^"]*\)".*/\1/p' "$rules" | sort -u); do
    grep -qx "$g" <<<"$labels" && ok "udev GOTO $g has its LABEL" || fail "udev GOTO $g has no LABEL"
done
for pair_if in 00:ec20-diag 01:ec20-nmea 02:ec20-at 03:ec20-modem 04:ec20-qmi; do
    grep -q "ATTRS{bInterfaceNumber}==\"${pair_if%%:*}\", SYMLINK+=\"${pair_if#*:}\"" "$rules" &&
        ok "udev: interface ${pair_if%%:*} is /dev/${pair_if#*:}" || fail "udev: no name for interface ${pair_if%%:*}"
done
grep -q 'ATTR{power/control}="on"' "$rules" && ok "udev turns autosuspend off" || fail "udev leaves autosuspend on"

for f in "$DRIVERS/ec20-qmi-load" "$DRIVERS/glue.sh"; do
    sh -n "$f" && ok "$(basename "$f") is valid sh" || fail "$(basename "$f") has a syntax error"
done
bash -n "$DRIVERS/dkms/dkms.conf" && ok "dkms.conf is valid shell" || fail "dkms.conf"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
expect_ok "dkms-src assembles the DKMS folder" "dkms add qmi_wwan_q/ec20ppp" \
    make --no-print-directory -s -C "$DRIVERS" STUB=1 DKMS_VERSION=ec20ppp DESTDIR="$T" dkms-src
[[ -f $T/usr/src/qmi_wwan_q-ec20ppp/Kbuild && -f $T/usr/src/qmi_wwan_q-ec20ppp/qmi_wwan_q.c ]] &&
    grep -q 'PACKAGE_VERSION="ec20ppp"' "$T/usr/src/qmi_wwan_q-ec20ppp/dkms.conf" && ok "dkms folder complete" || fail "dkms folder incomplete"
finish
