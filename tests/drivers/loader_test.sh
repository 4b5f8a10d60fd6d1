#!/usr/bin/env bash
# ec20-qmi-load with a fake insmod/rmmod on PATH, a fake sysfs and kernel messages from a file:
# the order it loads in, and how it explains each refusal. Nothing reaches the real kernel.
source "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
LOADER=$DRIVERS/ec20-qmi-load

mkdir -p "$T/bin" "$T/mods" "$T/sys/module"
touch "$T/mods/qmi_wwan_q.ko" "$T/mods/cdc-wdm.ko"
# The fake insmod logs its argument; FAKE_REFUSE names a module it refuses with FAKE_ERR.
cat >"$T/bin/insmod" <<'SH'
#!/bin/sh
m=$(basename "$1" .ko)
echo "$m" >>"$FAKE_LOG"
if [ "$m" = "${FAKE_REFUSE:-}" ]; then
    echo "insmod: ERROR: could not insert module $1: ${FAKE_ERR:-Unknown symbol in module}" >&2
    exit 1
fi
SH
cat >"$T/bin/rmmod" <<'SH'
#!/bin/sh
echo "rmmod $1" >>"$FAKE_LOG"
SH
chmod +x "$T/bin/insmod" "$T/bin/rmmod"
export PATH="$T/bin:$PATH" FAKE_LOG=$T/log
: >"$T/dmesg"

load() { "$LOADER" --dir "$T/mods" --sys "$T/sys" --dmesg-file "$T/dmesg" "$@"; }

: >"$T/log"
expect_ok "loads cdc-wdm, then qmi_wwan_q" "loaded $T/mods/qmi_wwan_q.ko" load
[[ $(tr '\n' ' ' <"$T/log") == "cdc-wdm qmi_wwan_q " ]] && ok "order: cdc-wdm first" || fail "order was: $(cat "$T/log")"

mkdir "$T/sys/module/cdc_wdm"
: >"$T/log"
load >/dev/null 2>&1
[[ $(tr '\n' ' ' <"$T/log") == "qmi_wwan_q " ]] && ok "a loaded cdc-wdm is not loaded again" || fail "loaded: $(cat "$T/log")"
rmdir "$T/sys/module/cdc_wdm"

# The field notes' failure: qmi_wwan_q without cdc-wdm.
rm "$T/mods/cdc-wdm.ko"
printf '[  12.3] qmi_wwan_q: Unknown symbol usb_cdc_wdm_register (err -2)\n[  12.3] qmi_wwan_q: Unknown symbol usbnet_probe (err -2)\n' >"$T/dmesg"
FAKE_REFUSE=qmi_wwan_q expect_fail "unknown symbol names cdc-wdm" "qmi_wwan_q.ko needs usb_cdc_wdm_register from cdc-wdm, which is not loaded: put cdc-wdm.ko in $T/mods (build it with 'make -C drivers/qmi CDC_WDM=y')" load
FAKE_REFUSE=qmi_wwan_q expect_fail "unknown symbol names usbnet" "qmi_wwan_q.ko needs usbnet_probe from usbnet, which is not loaded" load
FAKE_REFUSE=qmi_wwan_q expect_fail "insmod's own words are shown" "Unknown symbol in module" load
touch "$T/mods/cdc-wdm.ko"

printf "[  13.0] qmi_wwan_q: version magic '6.1.192 SMP mod_unload ARMv7 p2v8 ' should be '4.9.88 SMP preempt mod_unload ARMv7 p2v8 '\n" >"$T/dmesg"
FAKE_REFUSE=qmi_wwan_q FAKE_ERR="Invalid module format" expect_fail "vermagic: built for another kernel" \
    "qmi_wwan_q.ko was built for another kernel: its version magic is '6.1.192 SMP mod_unload ARMv7 p2v8 ' but this kernel wants '4.9.88 SMP preempt mod_unload ARMv7 p2v8 '. Rebuild it with KDIR=" load
printf '[  13.0] qmi_wwan_q: disagrees about version of symbol usbnet_probe\n' >"$T/dmesg"
FAKE_REFUSE=qmi_wwan_q FAKE_ERR="Invalid argument" expect_fail "symbol versions differ" "another configuration (symbol versions differ)" load
printf '[  13.0] cdc_wdm: exports duplicate symbol usb_cdc_wdm_register (owned by kernel)\n' >"$T/dmesg"
FAKE_REFUSE=cdc-wdm FAKE_ERR="Invalid module format" expect_fail "duplicate symbol: cdc-wdm is built in" "usb_cdc_wdm_register is already provided by kernel" load
printf '[  13.0] Lockdown: insmod: unsigned module loading is restricted; see man kernel_lockdown.7\n' >"$T/dmesg"
FAKE_REFUSE=qmi_wwan_q FAKE_ERR="Operation not permitted" expect_fail "lockdown" "the kernel requires signed modules (Secure Boot lockdown)" load
: >"$T/dmesg"
FAKE_REFUSE=qmi_wwan_q FAKE_ERR="Invalid module format" expect_fail "no kernel message: insmod's error is explained" "is not for this kernel or CPU (Invalid module format)" load
FAKE_REFUSE=qmi_wwan_q FAKE_ERR="File exists" expect_ok "already loaded is fine" "qmi_wwan_q is already loaded" load

mkdir "$T/sys/module/qmi_wwan"
: >"$T/log"
expect_fail "a loaded qmi_wwan is a conflict" "qmi_wwan is loaded and will keep the modem's QMI interface: rmmod qmi_wwan first (or pass --unload-conflicts)" load
[[ ! -s $T/log ]] && ok "nothing loaded beside a conflict" || fail "loaded beside a conflict: $(cat "$T/log")"
expect_ok "--unload-conflicts unloads it" "unloaded qmi_wwan" load --unload-conflicts
rmdir "$T/sys/module/qmi_wwan"
mkdir "$T/sys/module/GobiNet"
expect_fail "GobiNet too" "GobiNet is loaded" load
rmdir "$T/sys/module/GobiNet"

expect_fail "no modules in --dir" "has no qmi_wwan_q.ko: pass --dir" "$LOADER" --dir "$T/empty" --sys "$T/sys"
expect_ok "--help" "usage: ec20-qmi-load" "$LOADER" --help
finish
