#!/usr/bin/env bash
# Builds, through the glue, our stand-in qmi_wwan_q (test-stub/) with cdc-wdm.c from Debian's
# linux-source-6.1 against Debian's linux-headers-amd64 (KDIR given: the CI kernel has no
# /lib/modules/$(uname -r)/build), then checks the result without loading anything:
# vermagic, depends=cdc-wdm, and the order modprobe would load them in from a staging root.
# usage: native_build_test.sh CACHE_DIR     (exit 77 = skipped: packages missing)
source "$(dirname "$0")/lib.sh"
cache=$1
dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null | sed -n 's/^\(linux-headers-[^ ,]*\).*/\1/p')
[[ -n $dep && -d /usr/src/$dep ]] || { echo "skip: linux-headers-amd64 is not installed"; exit 77; }
KDIR=/usr/src/$dep
hv=$(dpkg-query -W -f='${Version}' "$dep")
sv=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || { echo "skip: linux-source-6.1 is not installed"; exit 77; }
[[ $hv == "$sv" ]] && ok "headers and source are the same version ($hv)" ||
    fail "$dep is $hv but linux-source-6.1 is $sv: install the same version of both (apt-get install linux-headers-amd64 linux-source-6.1 after apt-get update)"
W=$("$(dirname "$0")/kernel_cache.sh" "$cache" cdc-wdm) || exit $?
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
KREL=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$KDIR/include/generated/utsrelease.h")
glue() { make --no-print-directory -s -C "$DRIVERS" STUB=1 KDIR="$KDIR" BUILD_DIR="$T/build" "$@"; }

expect_ok "build stub + cdc-wdm and install into a staging root" "built: cdc-wdm.ko qmi_wwan_q.ko" \
    glue CDC_WDM=y CDC_WDM_SRC="$W" INSTALL_MOD_PATH="$T/root" modules_install
expect_ok "verify (vermagic, depends, file, modprobe order, modprobe.d)" "loads cdc-wdm first" \
    glue CDC_WDM=y CDC_WDM_SRC="$W" INSTALL_MOD_PATH="$T/root" verify
vm=$(modinfo -F vermagic "$T/build/qmi_wwan_q.ko")
[[ $vm == "$KREL "* && $(modinfo -F vermagic "$T/build/cdc-wdm.ko") == "$vm" ]] &&
    ok "vermagic of both is $KREL" || fail "vermagic: $vm (want $KREL)"
[[ ,$(modinfo -F depends "$T/build/qmi_wwan_q.ko"), == *,cdc-wdm,* ]] && ok "modinfo -F depends names cdc-wdm" ||
    fail "depends: $(modinfo -F depends "$T/build/qmi_wwan_q.ko")"
[[ $(cat "$T/root/lib/modules/$KREL/modules.dep") == *"updates/qmi_wwan_q.ko: updates/cdc-wdm.ko"* ]] &&
    ok "modules.dep: updates/qmi_wwan_q.ko needs updates/cdc-wdm.ko" || fail "modules.dep: $(cat "$T/root/lib/modules/$KREL/modules.dep")"
sd=$(modprobe -d "$T/root" -S "$KREL" --show-depends qmi_wwan_q)
[[ $(head -n 1 <<<"$sd") == *"/updates/cdc-wdm.ko"* && $(sed -n 2p <<<"$sd") == *"/updates/qmi_wwan_q.ko"* ]] &&
    ok "modprobe --show-depends lists cdc-wdm first" || fail "show-depends: $sd"
[[ -z $(find "$T/root" -path '*/extra/*') ]] && ok "installed under updates/, not extra/" || fail "something went to extra/"

# CDC_WDM=auto: Debian's kernel has CONFIG_USB_WDM=m, so only qmi_wwan_q is built.
rm -rf "$T/build"
expect_ok "CDC_WDM=auto uses the kernel's cdc-wdm" "built: qmi_wwan_q.ko in" glue modules
[[ ! -e $T/build/cdc-wdm.ko && ,$(modinfo -F depends "$T/build/qmi_wwan_q.ko"), == *,cdc-wdm,* ]] &&
    ok "auto: no private cdc-wdm, still depends=cdc-wdm" || fail "auto built: $(ls "$T/build")"

# A cdc-wdm.c of another version is refused before compiling.
sed 's/int bufsize, enum wwan_port_type type,/int bufsize,/' "$W" >"$T/cdc-wdm-5.10.c"
expect_fail "cdc-wdm.c from another version is refused" "is from another kernel version" glue CDC_WDM=y CDC_WDM_SRC="$T/cdc-wdm-5.10.c" modules
finish
