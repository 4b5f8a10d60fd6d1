#!/usr/bin/env bash
# Cross-builds for armhf the way the field notes' board needed it: a 6.1 tree configured with
# multi_v7_defconfig (which, like that board, has no CONFIG_USB_WDM) and modules_prepare'd, kept
# in CACHE_DIR. The stub builds with cdc-wdm next to it, is ARM EABI5 and depends on cdc-wdm; and
# CDC_WDM=n -- the field notes' mistake -- fails with the sentence saying what to do.
# usage: armhf_build_test.sh CACHE_DIR     (exit 77 = skipped: packages missing)
source "$(dirname "$0")/lib.sh"
cache=$1
A=$("$(dirname "$0")/kernel_cache.sh" "$cache" armhf) || exit $?
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
KREL=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$A/include/generated/utsrelease.h")
glue() { make --no-print-directory -s -C "$DRIVERS" STUB=1 KDIR="$A" CROSS_COMPILE=arm-linux-gnueabihf- "$@"; }

[[ -z $(G_KDIR="$A" sh "$DRIVERS/glue.sh" config USB_WDM) ]] && ok "multi_v7_defconfig has no CONFIG_USB_WDM" || fail "the armhf tree has CONFIG_USB_WDM"
expect_ok "CDC_WDM=auto builds cdc-wdm beside the stub" "built: cdc-wdm.ko qmi_wwan_q.ko" \
    glue BUILD_DIR="$T/build" INSTALL_MOD_PATH="$T/root" modules_install
expect_ok "verify" "loads cdc-wdm first" glue BUILD_DIR="$T/build" INSTALL_MOD_PATH="$T/root" verify
[[ $(file -b "$T/build/qmi_wwan_q.ko") == *"ARM, EABI5"* && $(file -b "$T/build/cdc-wdm.ko") == *"ARM, EABI5"* ]] &&
    ok "file says ARM, EABI5" || fail "file: $(file -b "$T/build/qmi_wwan_q.ko")"
[[ $(modinfo -F vermagic "$T/build/qmi_wwan_q.ko") == "$KREL "*ARMv7* ]] && ok "vermagic $KREL ... ARMv7" ||
    fail "vermagic: $(modinfo -F vermagic "$T/build/qmi_wwan_q.ko")"
[[ ,$(modinfo -F depends "$T/build/qmi_wwan_q.ko"), == *,cdc-wdm,* ]] && ok "depends names cdc-wdm" ||
    fail "depends: $(modinfo -F depends "$T/build/qmi_wwan_q.ko")"
[[ $(modprobe -d "$T/root" -S "$KREL" --show-depends qmi_wwan_q | head -n 1) == *"/updates/cdc-wdm.ko"* ]] &&
    ok "modprobe would load cdc-wdm first" || fail "show-depends wrong"

# The field notes' mistake: qmi_wwan_q alone for a kernel without cdc-wdm.
expect_fail "CDC_WDM=n fails with the sentence" "this kernel has no cdc-wdm: build it here with CDC_WDM=y" \
    glue BUILD_DIR="$T/alone" CDC_WDM=n modules
[[ ! -e $T/alone/qmi_wwan_q.ko ]] && ok "no unloadable qmi_wwan_q.ko is left behind" || fail "qmi_wwan_q.ko left in $T/alone"
expect_fail "a foreign tree without CROSS_COMPILE is refused" "pass CROSS_COMPILE=<your cross compiler's prefix>, e.g. CROSS_COMPILE=arm-linux-gnueabihf-" \
    make --no-print-directory -s -C "$DRIVERS" STUB=1 KDIR="$A" BUILD_DIR="$T/x" modules
finish
